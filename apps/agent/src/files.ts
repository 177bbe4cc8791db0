import { closeSync, fsyncSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/** fsync a directory, so a file created or renamed in it survives a power cut. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replaces `path` with `data` atomically and durably: a crash leaves the old or the new file, never half of one. */
export function writeFileDurable(path: string, data: string, mode = 0o600): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

/** An append-only file whose appends are on disk (fdatasync) when `append` resolves. */
export class AppendFile {
  private constructor(
    readonly path: string,
    private fh: FileHandle,
  ) {}

  static async open(path: string): Promise<AppendFile> {
    const fh = await open(path, 'a', 0o600);
    fsyncDir(dirname(path));
    return new AppendFile(path, fh);
  }

  async append(text: string): Promise<void> {
    await this.fh.write(text);
    await this.fh.datasync();
  }

  async close(): Promise<void> {
    await this.fh.close();
  }

  /** Reopens after the file was replaced by a compaction (rename over it). */
  async reopen(): Promise<void> {
    await this.fh.close();
    this.fh = await open(this.path, 'a', 0o600);
  }
}

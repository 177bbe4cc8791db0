import { existsSync, mkdirSync, readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import type { DeviceEnvelope, ReadingKind } from '@fanmesh/protocol';
import { AppendFile, writeFileDurable } from './files';

/** One reading as the wire carries it: [kind, atMs, value, label?]. */
export type Reading = [ReadingKind, number, number] | [ReadingKind, number, number, string];

/** A reading in the queue: its ordinal, the event open when it was taken (if known), and a source's duplicate key. */
export interface QueuedReading {
  n: number;
  r: Reading;
  e?: string;
  d?: string;
}

/** The envelope that is (or may be) on its way: it covers the readings with ordinals [from, upTo). */
export interface PendingEnvelope {
  env: DeviceEnvelope;
  from: number;
  upTo: number;
  count: number;
  /**
   * The API refused this seq after its seq check (a body refusal such as event_not_open): it is
   * known not to be stored, and the seq is spent. The readings go out again under a new seq.
   */
  void: boolean;
}

type OutboxLine =
  | { env: DeviceEnvelope; from: number; upTo: number; count: number }
  | { done: number; how: 'accepted' | 'replayed' }
  | { void: number; code: string }
  | { drop: number; reason: string; count: number }
  | { shed: number; count: number }
  | { base: number; seq: number; seen?: string[] };

const SEEN_MAX = 5000;

export interface JournalStats {
  queued: number;
  pending: number;
  oldestAtMs?: number;
  shed: number;
  dropped: number;
}

/**
 * The on-disk queue in `<data>/queue/` that makes "loses nothing" true:
 *
 *   readings.jsonl  every reading, appended and fdatasync'd before the source is told it was taken
 *                   (MQTT PUBACK, or the next line read);
 *   outbox.jsonl    every signed envelope, appended and fdatasync'd BEFORE it is sent, and what became
 *                   of it (done, void, dropped, shed).
 *
 * At most one envelope is pending at a time, and no message with a higher seq leaves until it is
 * resolved: so when the API answers `replayed_seq` for it, it was accepted before (its answer was
 * lost), never skipped. After a crash the pending envelope is sent again exactly as it was
 * (re-signed with a fresh sentAt and the same seq and body once it is older than the API's clock
 * window). Compaction rewrites both files (write, fsync, rename) once their consumed part is large.
 */
export class Journal {
  private unclaimed: QueuedReading[] = [];
  private nextN = 0;
  private consumed = 0;
  private highSeq = 0;
  private pendingEnv: PendingEnvelope | undefined;
  private seen = new Set<string>();
  private seenOrder: string[] = [];
  private linesSinceCompaction = 0;
  private shedTotal = 0;
  private droppedTotal = 0;
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly dir: string,
    private readings: AppendFile,
    private outbox: AppendFile,
    readonly maxQueued: number,
    private readonly onShed: (count: number, fromMs: number, toMs: number) => void,
  ) {}

  static async open(
    dataDir: string,
    opts: { maxQueued: number; onShed: (count: number, fromMs: number, toMs: number) => void; onCorrupt?: (msg: string) => void },
  ): Promise<Journal> {
    const dir = join(dataDir, 'queue');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const readingsPath = join(dir, 'readings.jsonl');
    const outboxPath = join(dir, 'outbox.jsonl');
    const outboxLines = readLines<OutboxLine>(outboxPath, opts.onCorrupt);
    const readingLines = readLines<QueuedReading>(readingsPath, opts.onCorrupt);
    const j = new Journal(dir, await AppendFile.open(readingsPath), await AppendFile.open(outboxPath), opts.maxQueued, opts.onShed);
    j.replay(outboxLines, readingLines);
    return j;
  }

  /** What the queue holds, read without changing anything (for `doctor`, while an agent may be running). */
  static peek(dataDir: string): JournalStats & { pendingSeq?: number } {
    const dir = join(dataDir, 'queue');
    const j = Object.create(Journal.prototype) as Journal;
    Object.assign(j, { unclaimed: [], nextN: 0, consumed: 0, highSeq: 0, pendingEnv: undefined, seen: new Set(), seenOrder: [], shedTotal: 0, droppedTotal: 0 });
    j.replay(readLines<OutboxLine>(join(dir, 'outbox.jsonl'), undefined, false), readLines<QueuedReading>(join(dir, 'readings.jsonl'), undefined, false));
    return { ...j.stats(), pendingSeq: j.pendingEnv?.env.seq };
  }

  private replay(outbox: OutboxLine[], readings: QueuedReading[]): void {
    const resolved = new Set<number>();
    const voided = new Set<number>();
    for (const line of outbox) {
      if ('base' in line) {
        this.consumed = Math.max(this.consumed, line.base);
        this.highSeq = Math.max(this.highSeq, line.seq);
        for (const d of line.seen ?? []) this.remember(d);
      } else if ('env' in line) {
        this.highSeq = Math.max(this.highSeq, line.env.seq);
        this.consumed = Math.max(this.consumed, line.upTo);
        this.pendingEnv = { env: line.env, from: line.from, upTo: line.upTo, count: line.count, void: false };
      } else if ('done' in line) resolved.add(line.done);
      else if ('void' in line) voided.add(line.void);
      else if ('drop' in line) resolved.add(line.drop);
      else if ('shed' in line) this.consumed = Math.max(this.consumed, line.shed);
    }
    if (this.pendingEnv && resolved.has(this.pendingEnv.env.seq)) this.pendingEnv = undefined;
    if (this.pendingEnv && voided.has(this.pendingEnv.env.seq)) this.pendingEnv.void = true;
    for (const q of readings) {
      this.nextN = Math.max(this.nextN, q.n + 1);
      if (q.d) this.remember(q.d);
      if (q.n >= this.consumed) this.unclaimed.push(q);
    }
    this.nextN = Math.max(this.nextN, this.consumed);
    this.unclaimed.sort((a, b) => a.n - b.n);
    this.linesSinceCompaction = outbox.length + readings.length;
  }

  /** The highest seq any envelope in the outbox ever had (the message counter must stay above it). */
  get highestSeq(): number {
    return this.highSeq;
  }

  get pending(): PendingEnvelope | undefined {
    return this.pendingEnv;
  }

  /** Readings waiting for an envelope, oldest first (do not modify). */
  get queued(): readonly QueuedReading[] {
    return this.unclaimed;
  }

  stats(): JournalStats {
    return { queued: this.unclaimed.length, pending: this.pendingEnv?.count ?? 0, oldestAtMs: this.unclaimed[0]?.r[1], shed: this.shedTotal, dropped: this.droppedTotal };
  }

  /** True when a source already handed over this delivery (an MQTT redelivery after a crash before its PUBACK). */
  isDuplicate(d: string): boolean {
    return this.seen.has(d);
  }

  /** Appends readings durably; when the queue is over its bound, the oldest are shed (and said so). */
  add(items: Omit<QueuedReading, 'n'>[]): Promise<void> {
    return this.exclusive(() => this._add(items));
  }

  private async _add(items: Omit<QueuedReading, 'n'>[]): Promise<void> {
    if (!items.length) return;
    const lines: QueuedReading[] = items.map((it) => ({ n: this.nextN++, ...it }));
    await this.readings.append(lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    for (const l of lines) {
      this.unclaimed.push(l);
      if (l.d) this.remember(l.d);
    }
    this.linesSinceCompaction += lines.length;
    if (this.unclaimed.length > this.maxQueued) {
      const k = Math.max(this.unclaimed.length - this.maxQueued, Math.ceil(this.maxQueued / 100));
      const gone = this.unclaimed.slice(0, k);
      const upTo = gone[gone.length - 1].n + 1;
      await this.writeOutbox({ shed: upTo, count: k });
      this.unclaimed = this.unclaimed.slice(k);
      this.consumed = upTo;
      this.shedTotal += k;
      this.onShed(k, Math.min(...gone.map((g) => g.r[1])), Math.max(...gone.map((g) => g.r[1])));
    }
  }

  /** Records a freshly signed envelope for the first `taken` queued readings (before it is sent). */
  claim(env: DeviceEnvelope, fromN: number, taken: number, count: number): Promise<PendingEnvelope> {
    return this.exclusive(() => this._claim(env, fromN, taken, count));
  }

  private async _claim(env: DeviceEnvelope, fromN: number, taken: number, count: number): Promise<PendingEnvelope> {
    if (this.pendingEnv) throw new Error('an envelope is already pending');
    if (taken < 1) throw new Error('an envelope covers at least one queued reading');
    if (this.unclaimed[0]?.n !== fromN) throw new QueueMoved();
    const covered = this.unclaimed.slice(0, taken);
    const from = covered[0].n;
    const upTo = covered[covered.length - 1].n + 1;
    await this.writeOutbox({ env, from, upTo, count });
    this.unclaimed = this.unclaimed.slice(taken);
    this.consumed = Math.max(this.consumed, upTo);
    this.highSeq = Math.max(this.highSeq, env.seq);
    this.pendingEnv = { env, from, upTo, count, void: false };
    return this.pendingEnv;
  }

  /** Replaces the pending envelope by a re-signed one (same seq: fresh sentAt; or a new seq after a void), before it is sent. */
  resign(env: DeviceEnvelope, count: number): Promise<PendingEnvelope> {
    return this.exclusive(() => this._resign(env, count));
  }

  private async _resign(env: DeviceEnvelope, count: number): Promise<PendingEnvelope> {
    const p = this.pendingEnv;
    if (!p) throw new Error('nothing pending to re-sign');
    if (env.seq !== p.env.seq && !p.void) throw new Error('a live pending envelope keeps its seq');
    await this.writeOutbox({ env, from: p.from, upTo: p.upTo, count });
    this.highSeq = Math.max(this.highSeq, env.seq);
    this.pendingEnv = { env, from: p.from, upTo: p.upTo, count, void: false };
    return this.pendingEnv;
  }

  done(seq: number, how: 'accepted' | 'replayed'): Promise<void> {
    return this.exclusive(() => this._done(seq, how));
  }

  private async _done(seq: number, how: 'accepted' | 'replayed'): Promise<void> {
    await this.writeOutbox({ done: seq, how });
    if (this.pendingEnv?.env.seq === seq) this.pendingEnv = undefined;
  }

  markVoid(seq: number, code: string): Promise<void> {
    return this.exclusive(() => this._markVoid(seq, code));
  }

  private async _markVoid(seq: number, code: string): Promise<void> {
    await this.writeOutbox({ void: seq, code });
    if (this.pendingEnv?.env.seq === seq) this.pendingEnv.void = true;
  }

  /** Gives up the pending envelope's readings (the API will never take them), with the reason. */
  dropPending(reason: string): Promise<number> {
    return this.exclusive(() => this._dropPending(reason));
  }

  private async _dropPending(reason: string): Promise<number> {
    const p = this.pendingEnv;
    if (!p) return 0;
    await this.writeOutbox({ drop: p.env.seq, reason, count: p.count });
    this.pendingEnv = undefined;
    this.droppedTotal += p.count;
    return p.count;
  }

  /** Gives up the first `taken` queued readings without sending them (all too old for the API), durably. */
  discardQueued(fromN: number, taken: number): Promise<void> {
    return this.exclusive(() => this._discardQueued(fromN, taken));
  }

  private async _discardQueued(fromN: number, taken: number): Promise<void> {
    if (taken < 1) return;
    if (this.unclaimed[0]?.n !== fromN) throw new QueueMoved();
    const upTo = this.unclaimed[taken - 1].n + 1;
    await this.writeOutbox({ shed: upTo, count: taken });
    this.unclaimed = this.unclaimed.slice(taken);
    this.consumed = Math.max(this.consumed, upTo);
    this.droppedTotal += taken;
  }

  /** Counts readings left out of an envelope (too old for the API) that were claimed with it. */
  noteDropped(count: number): void {
    this.droppedTotal += count;
  }

  /** Rewrites both files without what is consumed, once that is most of them (the pending envelope, if any, is kept). */
  maybeCompact(): Promise<boolean> {
    return this.exclusive(() => this._maybeCompact());
  }

  private async _maybeCompact(): Promise<boolean> {
    if (this.linesSinceCompaction < 20_000 || this.linesSinceCompaction < this.unclaimed.length * 2) return false;
    const outboxPath = join(this.dir, 'outbox.jsonl');
    const readingsPath = join(this.dir, 'readings.jsonl');
    const lines: OutboxLine[] = [{ base: this.consumed, seq: this.highSeq, seen: this.seenOrder.slice(-SEEN_MAX) }];
    const p = this.pendingEnv;
    if (p) {
      lines.push({ env: p.env, from: p.from, upTo: p.upTo, count: p.count });
      if (p.void) lines.push({ void: p.env.seq, code: 'kept through compaction' });
    }
    // Outbox first: once it says `base`, readings below it are consumed whatever the readings file holds.
    writeFileDurable(outboxPath, lines.map((l) => JSON.stringify(l) + '\n').join(''));
    await this.outbox.reopen();
    writeFileDurable(readingsPath, this.unclaimed.map((q) => JSON.stringify(q) + '\n').join(''));
    await this.readings.reopen();
    this.linesSinceCompaction = this.unclaimed.length + lines.length;
    return true;
  }

  async close(): Promise<void> {
    await this.readings.close();
    await this.outbox.close();
  }

  /** Every change runs alone: an append must never land in a file a compaction is replacing. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async writeOutbox(line: OutboxLine): Promise<void> {
    await this.outbox.append(JSON.stringify(line) + '\n');
    this.linesSinceCompaction++;
  }

  private remember(d: string): void {
    if (this.seen.has(d)) return;
    this.seen.add(d);
    this.seenOrder.push(d);
    if (this.seenOrder.length > SEEN_MAX * 2) {
      for (const old of this.seenOrder.splice(0, this.seenOrder.length - SEEN_MAX)) this.seen.delete(old);
    }
  }
}

/** The oldest queued readings were shed (queue full) while an envelope was being made of them: make it again. */
export class QueueMoved extends Error {
  constructor() {
    super('the queue moved (its oldest readings were shed) while an envelope was made; making it again');
  }
}

/** Parses a JSON-lines file; a torn last line (a crash mid-append, never acknowledged) is cut off. */
function readLines<T>(path: string, onCorrupt?: (msg: string) => void, repair = true): T[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  const out: T[] = [];
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) {
      // no newline: the append never completed, so nobody was told it was kept
      if (!repair) break;
      truncateSync(path, Buffer.byteLength(text.slice(0, pos)));
      onCorrupt?.(`${path}: cut off an incomplete last line (a crash during a write; it was never acknowledged)`);
      break;
    }
    const line = text.slice(pos, nl);
    pos = nl + 1;
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      onCorrupt?.(`${path}: skipped an unreadable line`);
    }
  }
  return out;
}

/**
 * One line per event on stderr: `2025-11-25T20:00:00.123Z INFO  message {"key":"value"}`. Nothing
 * secret is ever passed here (the key never leaves key.ts). `--log json` writes JSON lines instead,
 * for collectors.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** Logs at most once per `everyMs` for the same key (repeating conditions: outages, full queue). */
  every(key: string, everyMs: number, level: Level, msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(opts: { level?: Level; json?: boolean; out?: NodeJS.WritableStream } = {}): Logger {
  const min = ORDER[opts.level ?? 'info'];
  const out = opts.out ?? process.stderr;
  const last = new Map<string, number>();
  const write = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    const at = new Date().toISOString();
    if (opts.json) out.write(JSON.stringify({ at, level, msg, ...fields }) + '\n');
    else out.write(`${at} ${level.toUpperCase().padEnd(5)} ${msg}${fields && Object.keys(fields).length ? ' ' + JSON.stringify(fields) : ''}\n`);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    every(key, everyMs, level, msg, fields) {
      const now = Date.now();
      if ((last.get(key) ?? 0) + everyMs > now) return;
      last.set(key, now);
      write(level, msg, fields);
    },
  };
}

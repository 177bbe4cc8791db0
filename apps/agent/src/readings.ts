import { READING_KINDS, type ReadingKind } from '@fanmesh/protocol';
import type { Reading } from './journal';
import { LABEL, READING_RANGES } from './limits';

/** What a payload means when it does not say: the kind (and label) its topic or source maps to. */
export interface ReadingDefaults {
  kind: ReadingKind;
  label?: string;
  /** Kinds this device may send (a gate: turnstile only). */
  allowed: readonly ReadingKind[];
}

export interface Parsed {
  readings: Reading[];
  errors: string[];
}

/**
 * One message from a source (an MQTT payload, a line of stdin or of a command) as readings:
 *
 *   97.5                                        a value of the default kind, taken now
 *   {"value": 97.5, "at": 1764086400123}        at: unix ms (or s, or ISO-8601); optional
 *   {"kind": "generic", "value": 21.5, "label": "temp.c"}
 *   {"passages": 3, "gate": "N-A"}              turnstile: passages since the last message ("count" too)
 *   ["sound", 1764086400123, 97.5]              the wire tuple itself, or an array of them
 *   (empty)                                     turnstile only: one passage
 *
 * Each reading is checked against the API's rules here, so one bad value is dropped (and said
 * so) instead of making the API refuse a whole envelope.
 */
export function parsePayload(text: string, d: ReadingDefaults, now = Date.now()): Parsed {
  const out: Parsed = { readings: [], errors: [] };
  const t = text.trim();
  if (!t) {
    if (d.kind === 'turnstile') push(out, ['turnstile', now, 1, d.label], d);
    else out.errors.push('empty message');
    return out;
  }
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    out.errors.push(`not a number or JSON: ${t.slice(0, 80)}`);
    return out;
  }
  if (typeof v === 'number') push(out, [d.kind, now, v, d.label], d);
  else if (Array.isArray(v) && Array.isArray(v[0])) for (const r of v) fromTuple(out, r, d);
  else if (Array.isArray(v)) fromTuple(out, v, d);
  else if (v && typeof v === 'object') fromObject(out, v as Record<string, unknown>, d, now);
  else out.errors.push(`not a reading: ${t.slice(0, 80)}`);
  return out;
}

function fromTuple(out: Parsed, r: unknown, d: ReadingDefaults): void {
  if (!Array.isArray(r) || r.length < 3 || r.length > 4) return void out.errors.push(`a tuple is [kind, atMs, value, label?]: ${JSON.stringify(r).slice(0, 80)}`);
  const [kind, at, value, label] = r as [unknown, unknown, unknown, unknown];
  push(out, [kind as ReadingKind, toMs(at) ?? NaN, value as number, (label as string | undefined) ?? (kind === d.kind ? d.label : undefined)], d);
}

function fromObject(out: Parsed, o: Record<string, unknown>, d: ReadingDefaults, now: number): void {
  const kind = (o.kind ?? d.kind) as ReadingKind;
  const value = o.value ?? o.passages ?? o.count ?? (kind === 'turnstile' ? 1 : undefined);
  const at = o.at === undefined ? now : toMs(o.at);
  const label = (o.label ?? o.gate ?? (kind === d.kind ? d.label : undefined)) as string | undefined;
  if (at === undefined) return void out.errors.push(`"at" must be unix ms or seconds, or ISO-8601: ${JSON.stringify(o.at)}`);
  push(out, [kind, at, value as number, label], d);
}

function toMs(at: unknown): number | undefined {
  if (typeof at === 'number' && Number.isFinite(at)) return Math.round(at < 1e11 ? at * 1000 : at);
  if (typeof at === 'string') {
    const ms = Date.parse(at);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}

function push(out: Parsed, [kind, at, value, label]: [ReadingKind, number, number, string | undefined], d: ReadingDefaults): void {
  const why = check(kind, at, value, label, d);
  if (why) return void out.errors.push(why);
  out.readings.push(label === undefined ? [kind, at, value] : [kind, at, value, label]);
}

function check(kind: ReadingKind, at: number, value: unknown, label: unknown, d: ReadingDefaults): string | undefined {
  if (!READING_KINDS.includes(kind)) return `kind must be one of ${READING_KINDS.join(', ')}: ${JSON.stringify(kind)}`;
  if (!d.allowed.includes(kind)) return `this device sends only ${d.allowed.join(', ')} readings, not ${kind}`;
  if (!Number.isInteger(at)) return `bad time: ${at}`;
  const range = READING_RANGES[kind];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < range.min || value > range.max || (range.integer && !Number.isInteger(value))) {
    return `a ${kind} value must be ${range.integer ? 'an integer' : 'a number'} from ${range.min} to ${range.max}: ${JSON.stringify(value)}`;
  }
  if (label !== undefined && (typeof label !== 'string' || !LABEL.test(label))) return `a label is 1-32 of A-Z a-z 0-9 _ . : -: ${JSON.stringify(label)}`;
  if (kind === 'generic' && label === undefined) return 'a generic reading names its metric in a label (map the topic as generic:<metric>)';
  return undefined;
}

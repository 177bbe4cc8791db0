import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { nativeAddonDir } from './backend';
import { payloadDigest, SignatureVerdict, VerifyItem } from './batch';
import { parseAddress, publicKeyForVerify } from './public-key';
import { parseSignature } from './signature';
import { isSignatureError } from './signature.error';

/*
 * Signature checks on worker threads, so that a burst of them does not hold the event loop.
 *
 * Kept because it measured worth it on this 2-core box (bench/verify, "off the event loop", runs
 * where the second core was free): recover + compare inline costs the event loop ~90-110 µs per
 * signature; through a pool of 2 in batches of 64 it costs ~3-7 µs, and the pool checks 1.8-2.2x
 * as many per second as the main thread alone. One signature per message is a loss (the round trip
 * costs about what the check does), so `verify(item)` coalesces the calls made in the same turn of
 * the event loop into messages of up to `maxBatch`. When another process holds the second core
 * (or a second API instance runs on it), the pool only moves the work, it does not add throughput:
 * size it to the cores this process may use.
 *
 * The main thread does the cheap, shape-dependent part (parse the signature, hash the message or the
 * typed data, parse the key or address), so malformed items never cross; workers get fixed-size
 * records of bytes and do the curve operation (plus keccak for an address). Verdicts are the same as
 * verifyMany's, item for item.
 */

// Record: kind(1) recovery(1) r||s(64) digest(32) key(65, or a 20-byte address)
const RECORD = 163;
const KIND_PUBLIC_KEY = 0;
const KIND_ADDRESS = 1;
const WORKER_VERDICTS: SignatureVerdict[] = ['valid', 'bad_signature', 'malformed_input'];

/**
 * The worker, as source: it runs from TypeScript sources (the specs) and from dist alike, and needs
 * nothing of this library but the same addon (or noble) and keccak, which it loads by resolved path.
 */
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { keccak_256 } = require(workerData.keccak);
let verify, recover;
if (workerData.nativeDir) {
  const addon = new (require(workerData.nodeGypBuild)(workerData.nativeDir).Secp256k1)();
  const out = new Uint8Array(65);
  verify = (sig, digest, key) => { const s = addon.ecdsaVerify(sig, digest, key); return s === 0 ? 0 : s === 2 ? 2 : 1; };
  recover = (sig, recid, digest) => (addon.ecdsaRecover(out, sig, recid, digest) === 0 ? out : undefined);
} else {
  const { secp256k1 } = require(workerData.noble);
  verify = (sig, digest, key) => {
    try { secp256k1.Point.fromBytes(key); } catch { return 2; }
    return secp256k1.verify(sig, digest, key, { prehash: false, lowS: true }) ? 0 : 1;
  };
  recover = (sig, recid, digest) => {
    try { return secp256k1.Signature.fromBytes(sig, 'compact').addRecoveryBit(recid).recoverPublicKey(digest).toBytes(false); } catch { return undefined; }
  };
}
parentPort.on('message', ({ id, buffer, count }) => {
  const records = new Uint8Array(buffer);
  const verdicts = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const o = i * ${RECORD};
    const sig = records.subarray(o + 2, o + 66);
    const digest = records.subarray(o + 66, o + 98);
    if (records[o] === ${KIND_PUBLIC_KEY}) {
      verdicts[i] = verify(sig, digest, records.subarray(o + 98, o + 163));
    } else {
      const pub = recover(sig, records[o + 1], digest);
      let same = pub !== undefined;
      if (same) {
        const address = keccak_256(pub.subarray(1));
        for (let j = 0; j < 20; j++) if (address[12 + j] !== records[o + 98 + j]) { same = false; break; }
      }
      verdicts[i] = same ? 0 : 1;
    }
  }
  parentPort.postMessage({ id, verdicts }, [verdicts.buffer]);
});
`;

export interface VerifierPoolOptions {
  /** Worker threads; default: the machine's parallelism (2 here). */
  size?: number;
  /** Most records per message to one worker; default 64 (larger batches gain little, and delay the first answers). */
  maxBatch?: number;
}

interface Job {
  resolve: (verdicts: Uint8Array) => void;
  reject: (error: unknown) => void;
}

interface Slot {
  worker: Worker;
  jobs: Map<number, Job>;
  records: number; // in flight, for least-loaded dispatch
}

export class VerifierPool {
  private readonly slots: Slot[] = [];
  private readonly maxBatch: number;
  private nextId = 0;
  private closed = false;
  private queue: { item: VerifyItem; resolve: (v: SignatureVerdict) => void; reject: (e: unknown) => void }[] = [];
  private flushScheduled = false;
  private readonly workerData: Record<string, string | undefined>;

  constructor(options: VerifierPoolOptions = {}) {
    const size = Math.max(1, options.size ?? availableParallelism());
    this.maxBatch = Math.max(1, options.maxBatch ?? 64);
    this.workerData = {
      keccak: require.resolve('@noble/hashes/sha3.js'),
      noble: require.resolve('@noble/curves/secp256k1.js'),
      nodeGypBuild: nativeAddonDir ? require.resolve('node-gyp-build') : undefined,
      nativeDir: nativeAddonDir,
    };
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  get size(): number {
    return this.slots.length;
  }

  /** Verdicts for a batch, in order: the same as `verifyMany(items)`, computed on the workers. */
  async verifyMany(items: readonly VerifyItem[]): Promise<SignatureVerdict[]> {
    if (this.closed) throw new Error('VerifierPool is closed');
    const verdicts = new Array<SignatureVerdict>(items.length);
    const records = new Uint8Array(items.length * RECORD);
    const slots: number[] = []; // which item each record is
    for (let i = 0; i < items.length; i++) {
      const verdict = this.encode(items[i], records, slots.length * RECORD);
      if (verdict) verdicts[i] = verdict;
      else slots.push(i);
    }
    if (slots.length) {
      const parts = this.dispatch(records, slots);
      const answers = await Promise.all(parts.map((p) => p.done));
      parts.forEach((p, k) => p.slots.forEach((item, j) => (verdicts[item] = WORKER_VERDICTS[answers[k][j]])));
    }
    return verdicts;
  }

  /** One item's verdict; calls made in the same turn of the event loop travel as one batch. */
  verify(item: VerifyItem): Promise<SignatureVerdict> {
    if (this.closed) return Promise.reject(new Error('VerifierPool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.maxBatch * this.slots.length) this.flush();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Stops the workers; calls still in flight are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const q of this.queue.splice(0)) q.reject(new Error('VerifierPool is closed'));
    const slots = this.slots.splice(0);
    for (const slot of slots) for (const job of slot.jobs.values()) job.reject(new Error('VerifierPool is closed'));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  /** Sends what has queued up, in messages of maxBatch, each answering its own callers as it returns. */
  private flush(): void {
    this.flushScheduled = false;
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.verifyMany(batch.map((q) => q.item)).then(
        (verdicts) => batch.forEach((q, i) => q.resolve(verdicts[i])),
        (error) => batch.forEach((q) => q.reject(error)),
      );
    }
  }

  /** Writes the item's record at `offset`, or returns its verdict when it is malformed. */
  private encode(item: VerifyItem, records: Uint8Array, offset: number): SignatureVerdict | undefined {
    try {
      const digest = payloadDigest(item);
      const byKey = item.publicKey !== undefined;
      const { compact, recovery } = parseSignature(item.signature, byKey);
      const key = byKey ? publicKeyForVerify(item.publicKey!) : parseAddress(item.address as string);
      records[offset] = byKey ? KIND_PUBLIC_KEY : KIND_ADDRESS;
      records[offset + 1] = recovery & 0xff;
      records.set(compact, offset + 2);
      records.set(digest, offset + 66);
      records.set(key, offset + 98);
      return undefined;
    } catch (error) {
      if (isSignatureError(error)) return error.code;
      throw error;
    }
  }

  /** Splits the records over the least-loaded workers, in chunks of at most maxBatch. */
  private dispatch(records: Uint8Array, slots: number[]): { slots: number[]; done: Promise<Uint8Array> }[] {
    const chunk = Math.min(this.maxBatch, Math.max(16, Math.ceil(slots.length / this.slots.length)));
    const parts: { slots: number[]; done: Promise<Uint8Array> }[] = [];
    for (let start = 0; start < slots.length; start += chunk) {
      const end = Math.min(slots.length, start + chunk);
      const buffer = records.slice(start * RECORD, end * RECORD).buffer; // a copy of its own, transferred
      const slot = this.slots.reduce((a, b) => (b.records < a.records ? b : a));
      const id = ++this.nextId;
      const count = end - start;
      const done = new Promise<Uint8Array>((resolve, reject) => {
        slot.jobs.set(id, { resolve, reject });
        if (slot.jobs.size === 1) slot.worker.ref();
        slot.records += count;
        slot.worker.postMessage({ id, buffer, count }, [buffer]);
      });
      parts.push({ slots: slots.slice(start, end), done });
    }
    return parts;
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: this.workerData });
    const slot: Slot = { worker, jobs: new Map(), records: 0 };
    worker.unref(); // an idle pool never keeps the process alive; a busy one does (ref in dispatch)
    worker.on('message', ({ id, verdicts }: { id: number; verdicts: Uint8Array }) => {
      const job = slot.jobs.get(id);
      if (!job) return;
      slot.jobs.delete(id);
      slot.records -= verdicts.length;
      if (slot.jobs.size === 0) worker.unref();
      job.resolve(verdicts);
    });
    const fail = (error: unknown) => {
      const jobs = [...slot.jobs.values()];
      slot.jobs.clear();
      slot.records = 0;
      for (const job of jobs) job.reject(error);
      const i = this.slots.indexOf(slot);
      if (i >= 0 && !this.closed) this.slots[i] = this.spawn(); // replace a crashed worker
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!this.closed) fail(new Error(`verifier worker exited with code ${code}`));
    });
    return slot;
  }
}

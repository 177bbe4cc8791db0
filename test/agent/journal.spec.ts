import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeviceEnvelope } from '@fanmesh/protocol';
import { Journal, type Reading } from '../../apps/agent/src/journal';
import { tempDir } from './support';

const env = (seq: number, body = '{}'): DeviceEnvelope => ({ deviceId: '0x' + '11'.repeat(20), seq, sentAt: new Date().toISOString(), body, signature: '0x' + '22'.repeat(65) });
const r = (v: number): Reading => ['generic', Date.now(), v, 'test.n'];
const open = (dir: string, maxQueued = 1000, shed: [number, number, number][] = [], notes: string[] = []) =>
  Journal.open(dir, { maxQueued, onShed: (n, a, b) => shed.push([n, a, b]), onCorrupt: (m) => notes.push(m) });

describe("the agent's on-disk queue", () => {
  it('keeps queued readings, the pending envelope and its fate across a restart', async () => {
    const dir = tempDir('journal');
    let j = await open(dir);
    await j.add([1, 2, 3, 4, 5].map((v) => ({ r: r(v) })));
    const first = j.queued[0].n;
    await j.claim(env(7), first, 3, 3);
    await j.close();

    j = await open(dir); // as after kill -9: the envelope is still pending, the rest queued
    expect(j.pending).toMatchObject({ env: { seq: 7 }, count: 3, void: false });
    expect(j.queued.map((q) => q.r[2])).toEqual([4, 5]);
    expect(j.highestSeq).toBe(7);
    await j.markVoid(7, 'event_not_open');
    await j.close();

    j = await open(dir);
    expect(j.pending?.void).toBe(true); // its seq is spent: it must go out under a new one
    await j.resign(env(9), 3);
    await j.done(9, 'replayed');
    await j.close();

    j = await open(dir);
    expect(j.pending).toBeUndefined();
    expect(j.highestSeq).toBe(9);
    expect(j.queued.map((q) => q.r[2])).toEqual([4, 5]);
    await j.close();
  });

  it('cuts off a line torn by a crash mid-append (never acknowledged), and remembers delivery keys', async () => {
    const dir = tempDir('journal-torn');
    let j = await open(dir);
    await j.add([{ r: r(1), d: 'topic|1|abc' }]);
    await j.close();
    appendFileSync(join(dir, 'queue/readings.jsonl'), '{"n":1,"r":["generic",1');
    const notes: string[] = [];
    j = await open(dir, 1000, [], notes);
    expect(notes.join()).toContain('cut off an incomplete last line');
    expect(j.queued.map((q) => q.r[2])).toEqual([1]);
    expect(j.isDuplicate('topic|1|abc')).toBe(true);
    expect(j.isDuplicate('topic|2|abc')).toBe(false);
    await j.add([{ r: r(2) }]);
    await j.close();
    j = await open(dir);
    expect(j.queued.map((q) => q.r[2])).toEqual([1, 2]);
    await j.close();
  });

  it('sheds the oldest readings beyond its bound, and says so', async () => {
    const dir = tempDir('journal-shed');
    const shed: [number, number, number][] = [];
    let j = await open(dir, 100, shed);
    await j.add(Array.from({ length: 150 }, (_, i) => ({ r: r(i + 1) })));
    expect(j.queued).toHaveLength(100);
    expect(j.queued[0].r[2]).toBe(51);
    expect(shed[0][0]).toBe(50);
    expect(j.stats().shed).toBe(50);
    await j.close();
    j = await open(dir, 100);
    expect(j.queued[0].r[2]).toBe(51);
    await j.close();
  });

  it('compacts both files, keeping the pending envelope, the queue and the counter', async () => {
    const dir = tempDir('journal-compact');
    let j = await open(dir, 100_000);
    await j.add(Array.from({ length: 25_000 }, (_, i) => ({ r: r(i + 1), d: `k${i}` })));
    let seq = 10;
    while (j.queued.length > 10) {
      const p = await j.claim(env(++seq), j.queued[0].n, Math.min(2000, j.queued.length - 10), 1);
      if (j.queued.length > 10) await j.done(p.env.seq, 'accepted');
    }
    expect(j.pending?.env.seq).toBe(seq);
    expect(await j.maybeCompact()).toBe(true);
    expect(readFileSync(join(dir, 'queue/readings.jsonl'), 'utf8').trim().split('\n')).toHaveLength(10);
    expect(readFileSync(join(dir, 'queue/outbox.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    await j.close();
    j = await open(dir, 100_000);
    expect(j.pending?.env.seq).toBe(seq);
    expect(j.highestSeq).toBe(seq);
    expect(j.queued.map((q) => q.r[2])).toEqual(Array.from({ length: 10 }, (_, i) => 24_991 + i));
    expect(j.isDuplicate('k24999')).toBe(true);
    await j.add([{ r: r(25_001) }]);
    expect(j.queued.at(-1)!.n).toBe(25_000); // ordinals go on after a compaction
    await j.close();
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The PWA and device agents import this library: only ethers and @noble/* from outside, nothing Node-only.
const ALLOWED = /^(\.\/|ethers$|@noble\/(curves|hashes)\/)/;

describe('protocol purity', () => {
  it('imports nothing but itself, ethers and @noble/*, and uses no Node globals', () => {
    const dir = __dirname;
    const sources = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
    expect(sources.length).toBeGreaterThan(5);
    for (const f of sources) {
      const text = readFileSync(join(dir, f), 'utf8');
      for (const [, spec] of text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) expect(spec, `${f} imports ${spec}`).toMatch(ALLOWED);
      const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      expect(code, `${f} uses a Node global`).not.toMatch(/\b(Buffer|process|require|__dirname)\b/);
    }
  });
});

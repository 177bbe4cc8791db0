import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The agent runs on a device: Node's own modules, a few npm packages, and of the libs only the wire contract.
const ALLOWED = /^(\.\/|node:|@fanmesh\/protocol$|ethers$|mqtt$|qrcode$)/;

describe('agent imports', () => {
  it('depends on @fanmesh/protocol only of the libs (no Nest, no typeorm), and on ethers, mqtt and qrcode', () => {
    const dir = join(__dirname, '../../apps/agent/src');
    const sources = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(sources.length).toBeGreaterThan(10);
    for (const f of sources) {
      const text = readFileSync(join(dir, f), 'utf8');
      for (const [, spec] of text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) expect(spec, `${f} imports ${spec}`).toMatch(ALLOWED);
    }
    const pkg = JSON.parse(readFileSync(join(__dirname, '../../apps/agent/package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const root = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    // the container installs these: same versions as the repo is tested with
    for (const [name, version] of Object.entries(pkg.dependencies)) expect(version, name).toBe((root.dependencies[name] ?? root.devDependencies[name]).replace(/^\^/, ''));
  });
});

import { statSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The workers share the suite, so it ends when the last of them ends: a long file started last
 * keeps one worker busy while the others idle. With durations from an earlier run (a local
 * checkout) vitest's own order, longest first, is kept. A clean clone (CI) has none, and vitest
 * would go by file size, which puts the short but slow specs (a whole simulated season in 50
 * lines) at the end; so there the specs that start an app, a browser or a simulation go first,
 * the slowest kinds first, each kind by size, and the quick unit specs fill the gaps at the end.
 */
const KINDS: [RegExp, number][] = [
  [/^test\/sim\/.*\.e2e\.spec\.ts$/, 5],
  [/^test\/(web|agent)\//, 4],
  [/\.e2e\.spec\.ts$/, 3],
  [/^test\//, 2],
];

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const key = (f: TestSpecification) => `${f.project.name}:${relative(root, f.moduleId)}`;
    if (files.every((f) => this.ctx.cache.getFileTestResults(key(f)))) return super.sort(files);
    const weight = (f: TestSpecification) => KINDS.find(([re]) => re.test(relative(root, f.moduleId)))?.[1] ?? 1;
    const size = (f: TestSpecification) => statSync(f.moduleId).size;
    return [...files].sort((a, b) => weight(b) - weight(a) || size(b) - size(a));
  }
}

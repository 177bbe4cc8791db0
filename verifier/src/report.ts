/**
 * Verdicts: every check prints one line as it is made (PASS, FAIL or SKIP, its name, and the numbers
 * that decide it), and the report ends with one VERDICT line. A single FAIL makes the whole verdict a
 * mismatch (exit code 1); SKIP is for what public data cannot show, said in words.
 */
export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
}

export type Printer = (line: string) => void;

export class Report {
  readonly checks: Check[] = [];

  constructor(
    /** what is verified, e.g. `epoch 3` or `poll 7c9e…` */
    readonly subject: string,
    private readonly print: Printer = () => undefined,
  ) {}

  pass(name: string, detail: string): void {
    this.add({ name, status: 'pass', detail });
  }

  fail(name: string, detail: string): void {
    this.add({ name, status: 'fail', detail });
  }

  skip(name: string, detail: string): void {
    this.add({ name, status: 'skip', detail });
  }

  /** PASS with `ok`'s detail, or FAIL with `bad`'s. */
  check(name: string, ok: boolean, good: string, bad: string): boolean {
    this.add({ name, status: ok ? 'pass' : 'fail', detail: ok ? good : bad });
    return ok;
  }

  get ok(): boolean {
    return this.checks.length > 0 && this.checks.every((c) => c.status !== 'fail');
  }

  get failed(): Check[] {
    return this.checks.filter((c) => c.status === 'fail');
  }

  /** The failed check called `name`, if any (tests read the reason from it). */
  failure(name: string): Check | undefined {
    return this.failed.find((c) => c.name === name);
  }

  verdict(): string {
    const passed = this.checks.filter((c) => c.status === 'pass').length;
    const skipped = this.checks.length - passed - this.failed.length;
    const tail = skipped ? `, ${skipped} not checkable from public data` : '';
    return this.ok
      ? `VERDICT ${this.subject}: OK (${passed} checks passed${tail})`
      : `VERDICT ${this.subject}: MISMATCH (${this.failed.length} of ${this.checks.length} checks failed: ${this.failed.map((c) => c.name).join(', ')})`;
  }

  end(): this {
    this.print(this.verdict());
    return this;
  }

  private add(c: Check): void {
    this.checks.push(c);
    this.print(`${c.status.toUpperCase().padEnd(4)}  ${c.name}: ${c.detail}`);
  }
}

/** The verification could not be carried out (unreachable API or node, bad arguments): exit code 2, not a verdict. */
export class VerifyError extends Error {}

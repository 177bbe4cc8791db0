/**
 * Collects items from many concurrent callers and hands them to `flush` in one batch, at most every
 * `maxWaitMs` or when `maxSize` are waiting; each caller's promise settles with its own result.
 * Hot paths use it to turn one INSERT per request into one statement per few milliseconds.
 */
export class Batcher<T, R> {
  private queue: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = 0;

  constructor(
    private readonly flush: (items: T[]) => Promise<R[]>,
    private readonly opts: { maxSize: number; maxWaitMs: number; concurrency?: number },
  ) {}

  push(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.opts.maxSize && this.running < (this.opts.concurrency ?? 2)) this.drain();
      else this.timer ??= setTimeout(() => this.drain(), this.opts.maxWaitMs);
    });
  }

  get pending(): number {
    return this.queue.length;
  }

  private drain(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.queue.length) return;
    const batch = this.queue.splice(0, this.opts.maxSize);
    this.running++;
    this.flush(batch.map((b) => b.item))
      .then(
        (results) => batch.forEach((b, i) => b.resolve(results[i])),
        (err) => batch.forEach((b) => b.reject(err)),
      )
      .finally(() => {
        this.running--;
        if (this.queue.length) {
          if (this.queue.length >= this.opts.maxSize) this.drain();
          else this.timer ??= setTimeout(() => this.drain(), this.opts.maxWaitMs);
        }
      });
  }
}

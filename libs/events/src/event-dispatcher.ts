import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { DomainEvent, DomainEventName } from './domain-events';
import { DOMAIN_EVENT_HANDLER, DomainEventHandlerMeta } from './decorators';
import { DomainEventRepository, StoredEvent } from './domain-event.repository';
import { DomainEvents } from './domain-events.service';
import { HandlerExplorer } from './handler-explorer';
import { EVENTS_OPTIONS, EventsOptions } from './events.options';

/** What a handler gets beside its events: the delivery's transaction and an after-commit hook. */
export interface DeliveryContext {
  /** Write the handler's effects through this: they commit together with the cursor, exactly once. */
  tx: EntityManager;
  /** Runs `fn` after the batch has committed (live pushes); never for a batch that rolled back. */
  afterCommit(fn: () => void): void;
}

export type DomainEventHandler<K extends DomainEventName = DomainEventName> = (events: DomainEvent<K>[], ctx: DeliveryContext) => Promise<void>;

interface Consumer {
  name: string;
  names: DomainEventName[];
  batchSize: number;
  handle: DomainEventHandler;
  /** After a failure, deliver one event at a time to find the one that fails. */
  single: boolean;
  retryAt: number;
  busy: boolean;
  /** A pump loop is running for this consumer; `again` asks it for one more pass. */
  pumping: boolean;
  again: boolean;
  /** When a poll last pumped it (Date.now()). */
  pumpedAt: number;
}

const MAX_FAILURES = 5;
/**
 * A poll pumps only the consumers of the event names that arrived since the last one, and every
 * other consumer at most this often: that pass moves its cursor past what it does not consume,
 * so its reads stay short.
 */
const SKIP_AHEAD_MS = 2_000;

/**
 * Delivers domain events to their consumers. Every instance runs this; the cursor row lock
 * (`FOR UPDATE SKIP LOCKED`) lets one instance at a time deliver to a consumer, so a second
 * instance neither doubles nor loses a delivery, and takes over when the first dies.
 */
@Injectable()
export class EventDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventDispatcher.name);
  private consumers: Consumer[] = [];
  private timer?: NodeJS.Timeout;
  private running = false;
  private lastHead = '';
  private lastHeadAt?: { xid: string; id: string };
  private tick?: Promise<void>;
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    private readonly ds: DataSource,
    private readonly repo: DomainEventRepository,
    private readonly explorer: HandlerExplorer,
    events: DomainEvents,
    @Inject(EVENTS_OPTIONS) private readonly options: EventsOptions,
  ) {
    events.attach(this);
  }

  async onApplicationBootstrap(): Promise<void> {
    const found = this.explorer.find<DomainEventHandlerMeta>(DOMAIN_EVENT_HANDLER);
    const seen = new Set<string>();
    for (const h of found) {
      const name = h.meta.consumer ?? `${h.className}.${h.method}`;
      if (seen.has(name)) throw new Error(`two domain event consumers are named ${name}; give one a consumer name`);
      seen.add(name);
      this.consumers.push({
        name,
        names: h.meta.names,
        batchSize: h.meta.batchSize ?? 500,
        handle: h.call as DomainEventHandler,
        single: false,
        retryAt: 0,
        busy: false,
        pumping: false,
        again: false,
        pumpedAt: 0,
      });
    }
    await this.repo.ensureCursors(this.consumers.map((c) => c.name));
    this.logger.log({ consumers: this.consumers.map((c) => c.name) }, 'domain event consumers ready');
    if (this.options.dispatch) {
      this.running = true;
      this.schedule(0);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.tick?.catch(() => undefined);
    await Promise.allSettled([...this.inflight]);
  }

  /** Events of these names were committed on this instance: their consumers deliver now (the others wait for the poll). */
  wake(names: DomainEventName[]): void {
    for (const c of this.consumers) if (c.names.some((n) => names.includes(n))) this.pump(c);
  }

  /** One delivery pass over every consumer, on this instance; resolves with how many events were handed over. */
  async deliverOnce(): Promise<number> {
    let n = 0;
    for (const c of this.consumers) n += await this.deliverAll(c, true);
    return n;
  }

  /** Delivers everything committed so far to every consumer (tests, and one-shot tools). */
  async drain(timeoutMs = 15_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      await this.tick?.catch(() => undefined);
      for (const c of this.consumers) await this.deliverAll(c, true);
      let left = false;
      for (const c of this.consumers) if (await this.repo.pending(c.name, c.names)) left = true;
      if (!left) return;
      if (Date.now() > until) throw new Error('domain events did not drain in time');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.tick = this.runTick().finally(() => {
        this.tick = undefined;
        this.schedule(this.options.pollMs);
      });
    }, ms);
    this.timer.unref?.();
  }

  /** The poll: one cheap head query; when something new is final pump every consumer. */
  private async runTick(): Promise<void> {
    try {
      const head = await this.repo.head(this.ds);
      const key = head ? `${head.xid}:${head.id}` : '';
      if (key === this.lastHead) {
        // Nothing new: only consumers whose handler failed retry, once their back-off is over.
        for (const c of this.consumers) if (c.retryAt && Date.now() >= c.retryAt) this.pump(c);
        return;
      }
      const since = this.lastHeadAt;
      this.lastHead = key;
      this.lastHeadAt = head;
      // Everything up to the head is final, and nothing final can appear below the previous head,
      // so the names between the two are all that arrived.
      const arrived = since && head ? new Set(await this.repo.namesBetween(this.ds, since, head)) : undefined;
      const now = Date.now();
      for (const c of this.consumers) {
        const due = !arrived || c.names.some((n) => arrived.has(n)) || now - c.pumpedAt >= SKIP_AHEAD_MS || (c.retryAt > 0 && now >= c.retryAt);
        if (!due) continue;
        c.pumpedAt = now;
        this.pump(c);
      }
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'domain event delivery tick failed');
    }
  }

  /**
   * Runs one consumer's deliveries on its own, so a slow consumer (a 1,000-admission ledger batch)
   * never holds back a fast one (a moment's drop). A pump asked for while one runs runs once more after.
   */
  private pump(c: Consumer): void {
    c.again = true;
    if (c.pumping || !this.running) return;
    c.pumping = true;
    const run = (async () => {
      try {
        while (c.again && this.running) {
          c.again = false;
          await this.deliverAll(c);
        }
      } finally {
        c.pumping = false;
      }
    })();
    this.inflight.add(run);
    void run.finally(() => this.inflight.delete(run));
  }

  /** Delivers batches to one consumer until it has caught up (or another instance holds it). */
  private async deliverAll(c: Consumer, now = false): Promise<number> {
    if (c.busy || (!now && Date.now() < c.retryAt)) return 0;
    c.busy = true;
    let total = 0;
    try {
      for (;;) {
        const n = await this.deliverBatch(c);
        total += n;
        if (n === 0 || n < (c.single ? 1 : c.batchSize)) break;
      }
    } finally {
      c.busy = false;
    }
    return total;
  }

  private async deliverBatch(c: Consumer): Promise<number> {
    const after: (() => void)[] = [];
    let batch: StoredEvent[] = [];
    try {
      const n = await this.ds.transaction(async (tx) => {
        const cursor = await this.repo.lockCursor(tx, c.name);
        if (!cursor) return 0;
        const { horizon } = cursor;
        batch = await this.repo.batch(tx, cursor, horizon, c.names, c.single ? 1 : c.batchSize);
        if (!batch.length) {
          // Nothing of ours below the horizon: skip past everything final, so the next read starts late.
          const head = await this.repo.head(tx, horizon);
          if (head && (BigInt(head.xid) > BigInt(cursor.xid) || (head.xid === cursor.xid && BigInt(head.id) > BigInt(cursor.id)))) await this.repo.moveCursor(tx, c.name, head, 0);
          return 0;
        }
        await c.handle(batch, { tx, afterCommit: (fn) => after.push(fn) });
        await this.repo.moveCursor(tx, c.name, batch[batch.length - 1], batch.length);
        return batch.length;
      });
      c.single = false;
      c.retryAt = 0;
      for (const fn of after) {
        try {
          fn();
        } catch (err) {
          this.logger.error({ consumer: c.name, err: (err as Error).message }, 'an after-commit callback threw');
        }
      }
      return n;
    } catch (err) {
      const message = (err as Error).message ?? String(err);
      const failures = await this.repo.recordFailure(c.name, message).catch(() => 0);
      this.logger.warn({ consumer: c.name, failures, err: message, events: batch.length }, 'domain event handler failed; retrying');
      if (c.single && batch.length === 1 && failures >= MAX_FAILURES) {
        await this.repo.park(c.name, batch[0], message);
        this.logger.error({ consumer: c.name, eventId: batch[0].id, name: batch[0].name, err: message }, 'domain event parked after repeated failures');
        c.single = false;
        return 0;
      }
      c.single = batch.length > 1 || c.single;
      c.retryAt = Date.now() + Math.min(10_000, 100 * 2 ** Math.min(failures, 7));
      return 0;
    }
  }
}

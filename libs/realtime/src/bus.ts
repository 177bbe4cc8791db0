import { EventEmitter } from 'node:events';
import Redis from 'ioredis';

export type BusHandler = (message: unknown, topic: string) => void;
export type RawBusHandler = (raw: string, topic: string) => void;

/**
 * The one way anything publishes across API instances: Redis pub/sub when REDIS_URL is set,
 * an in-process emitter otherwise. Messages are JSON; delivery is at-most-once (durable facts live
 * in Postgres, the bus only tells other instances that something happened).
 */
export interface Bus {
  readonly kind: 'redis' | 'memory';
  publish(topic: string, message: unknown): Promise<void>;
  /** Subscribes to one exact topic, or to a pattern ending in `*` (`event:*`). Returns the unsubscribe. */
  subscribe(topic: string, handler: BusHandler): Promise<() => Promise<void>>;
  /** The same, for messages that are already serialized (fan-out forwards them without re-encoding). */
  publishRaw(topic: string, raw: string): Promise<void>;
  subscribeRaw(topic: string, handler: RawBusHandler): Promise<() => Promise<void>>;
  ping(): Promise<number>;
  close(): Promise<void>;
}

export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private readonly patterns = new Map<string, Set<RawBusHandler>>();

  async publish(topic: string, message: unknown): Promise<void> {
    // Serialize like Redis would, so a message that cannot cross the wire fails here too.
    await this.publishRaw(topic, JSON.stringify(message));
  }

  async publishRaw(topic: string, raw: string): Promise<void> {
    queueMicrotask(() => {
      this.emitter.emit(topic, raw, topic);
      for (const [prefix, handlers] of this.patterns) {
        if (topic.startsWith(prefix)) for (const h of handlers) h(raw, topic);
      }
    });
  }

  subscribe(topic: string, handler: BusHandler): Promise<() => Promise<void>> {
    return this.subscribeRaw(topic, (raw, t) => handler(JSON.parse(raw), t));
  }

  async subscribeRaw(topic: string, handler: RawBusHandler): Promise<() => Promise<void>> {
    if (topic.endsWith('*')) {
      const prefix = topic.slice(0, -1);
      const set = this.patterns.get(prefix) ?? new Set();
      set.add(handler);
      this.patterns.set(prefix, set);
      return async () => {
        set.delete(handler);
      };
    }
    this.emitter.on(topic, handler);
    return async () => {
      this.emitter.off(topic, handler);
    };
  }

  async ping(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
    this.patterns.clear();
  }
}

export class RedisBus implements Bus {
  readonly kind = 'redis' as const;
  readonly pub: Redis;
  private readonly sub: Redis;
  private readonly handlers = new Map<string, Set<RawBusHandler>>();
  /** Prepended to every key and topic, so deployments (or test runs) sharing one Redis never see each other. */
  readonly prefix: string;

  constructor(url: string, namespace?: string) {
    this.prefix = namespace ? `${namespace}:` : '';
    const options = { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true };
    // keyPrefix covers keys (also a script's KEYS); pub/sub channels are not keys, so topics are prefixed here.
    this.pub = new Redis(url, { ...options, keyPrefix: this.prefix });
    this.sub = new Redis(url, options);
    // ioredis reconnects by itself; an unhandled 'error' event would crash the process.
    this.pub.on('error', () => undefined);
    this.sub.on('error', () => undefined);
    this.sub.on('message', (topic: string, raw: string) => this.deliver(topic, topic, raw));
    this.sub.on('pmessage', (pattern: string, topic: string, raw: string) => this.deliver(pattern, topic, raw));
  }

  async connect(): Promise<void> {
    await Promise.all([this.pub.connect(), this.sub.connect()]);
  }

  async publish(topic: string, message: unknown): Promise<void> {
    await this.pub.publish(this.prefix + topic, JSON.stringify(message));
  }

  async publishRaw(topic: string, raw: string): Promise<void> {
    await this.pub.publish(this.prefix + topic, raw);
  }

  subscribe(topic: string, handler: BusHandler): Promise<() => Promise<void>> {
    return this.subscribeRaw(topic, (raw, t) => {
      let message: unknown;
      try {
        message = JSON.parse(raw);
      } catch {
        return; // not ours: someone else published non-JSON on our topic
      }
      handler(message, t);
    });
  }

  async subscribeRaw(topic: string, handler: RawBusHandler): Promise<() => Promise<void>> {
    const full = this.prefix + topic;
    let set = this.handlers.get(full);
    if (!set) {
      set = new Set();
      this.handlers.set(full, set);
      if (topic.endsWith('*')) await this.sub.psubscribe(full);
      else await this.sub.subscribe(full);
    }
    set.add(handler);
    return async () => {
      set.delete(handler);
      if (set.size === 0 && this.handlers.get(full) === set) {
        this.handlers.delete(full);
        if (topic.endsWith('*')) await this.sub.punsubscribe(full);
        else await this.sub.unsubscribe(full);
      }
    };
  }

  async ping(): Promise<number> {
    const t0 = performance.now();
    await this.pub.ping();
    return performance.now() - t0;
  }

  async close(): Promise<void> {
    this.handlers.clear();
    await Promise.allSettled([this.pub.quit(), this.sub.quit()]);
  }

  private deliver(key: string, topic: string, raw: string): void {
    const set = this.handlers.get(key);
    if (!set) return;
    const own = topic.slice(this.prefix.length);
    for (const h of set) h(raw, own);
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ReadingKind } from '@fanmesh/protocol';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import type { Reading } from './journal';
import type { Logger } from './log';
import { parsePayload, type ReadingDefaults } from './readings';

/** Where readings go: `add` resolves once they are on disk (then the source may acknowledge them). */
export interface Sink {
  add(items: { r: Reading; d?: string }[]): Promise<void>;
  /** True when this delivery key was already stored (an MQTT redelivery). */
  isDuplicate(d: string): boolean;
}

export interface Source {
  readonly description: string;
  start(sink: Sink): Promise<void>;
  stop(): Promise<void>;
  /** False while the source is down (MQTT disconnected, command exited): heartbeats say `degraded`. */
  healthy(): boolean;
}

// ---------------------------------------------------------------- MQTT

export interface TopicMapping {
  filter: string;
  kind?: ReadingKind;
  label?: string;
}

/** `filter[=kind[:label]]`, e.g. `stadium/n101/sound=sound`, `stadium/+/temp=generic:temp.c`, `gates/N-A=turnstile:N-A`. */
export function parseTopicMapping(spec: string): TopicMapping {
  const eq = spec.lastIndexOf('=');
  if (eq < 0) return { filter: spec };
  const [kind, label] = spec.slice(eq + 1).split(':', 2);
  return { filter: spec.slice(0, eq), kind: (kind || undefined) as ReadingKind | undefined, label: label || undefined };
}

/** MQTT topic filter matching (`+` one level, `#` the rest). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * Subscribes with QoS 1 on a persistent session (fixed client id, clean: false): the broker keeps
 * what is published while the agent is down, and redelivers what it sent but never got a PUBACK
 * for. The PUBACK goes out only after the reading is fsync'd in the journal; a redelivery (DUP
 * flag) of a message already stored is recognised by its topic, packet id and payload, and only
 * acknowledged. Publishers must use QoS 1 too (QoS 0 messages can be lost on the way, by MQTT's design).
 */
export class MqttSource implements Source {
  private client: MqttClient | undefined;
  private connected = false;

  constructor(
    private readonly url: string,
    private readonly topics: TopicMapping[],
    private readonly clientId: string,
    private readonly defaults: ReadingDefaults,
    private readonly log: Logger,
    private readonly auth: { username?: string; password?: string } = {},
  ) {}

  get description(): string {
    return `MQTT ${this.url} (${this.topics.map((t) => t.filter).join(', ')})`;
  }

  healthy(): boolean {
    return this.connected;
  }

  async start(sink: Sink): Promise<void> {
    const client = mqtt.connect(this.url, {
      clientId: this.clientId,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
      username: this.auth.username,
      password: this.auth.password,
    });
    this.client = client;
    client.handleMessage = (packet: IPublishPacket, done: (err?: Error) => void) => {
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload.toString('utf8') : String(packet.payload);
      const key = packet.qos > 0 && packet.messageId !== undefined ? `${packet.topic}|${packet.messageId}|${createHash('sha1').update(payload).digest('base64url')}` : undefined;
      if (key && packet.dup && sink.isDuplicate(key)) {
        this.log.debug(`MQTT redelivery of a stored message on ${packet.topic}: acknowledged, not stored twice`);
        return done();
      }
      const mapping = this.topics.find((t) => topicMatches(t.filter, packet.topic));
      const defaults: ReadingDefaults = { ...this.defaults, kind: mapping?.kind ?? this.defaults.kind, label: mapping?.label ?? this.defaults.label };
      const parsed = parsePayload(payload, defaults);
      for (const e of parsed.errors) this.log.every(`bad-${packet.topic}`, 10_000, 'warn', `ignored a message on ${packet.topic}: ${e}`);
      // The key goes on the message's last reading: one write holds them all, so if the last is on disk, all are.
      const items = parsed.readings.map((r, i) => (i === parsed.readings.length - 1 && key ? { r, d: key } : { r }));
      sink.add(items).then(
        () => done(),
        (err: Error) => done(err),
      );
    };
    client.on('connect', (ack) => {
      this.connected = true;
      this.log.info(`MQTT connected to ${this.url}${ack.sessionPresent ? ' (session resumed: messages sent while the agent was away follow)' : ''}`);
      client.subscribe(
        this.topics.map((t) => t.filter),
        { qos: 1 },
        (err) => {
          if (err) this.log.error(`MQTT subscribe failed: ${err.message}`);
        },
      );
    });
    client.on('close', () => {
      if (this.connected) this.log.warn(`MQTT connection to ${this.url} closed; reconnecting`);
      this.connected = false;
    });
    client.on('error', (err) => this.log.every('mqtt-error', 30_000, 'warn', `MQTT ${this.url}: ${err.message}`));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.client ? this.client.end(false, {}, () => resolve()) : resolve()));
  }
}

// ---------------------------------------------------------------- lines: stdin or a command

/** JSON lines (or bare numbers) from stdin or from a command's stdout; each chunk is written in one fsync before more is read. */
export class LineSource implements Source {
  private child: ChildProcess | undefined;
  private stopping = false;
  private up = false;

  constructor(
    private readonly command: string | undefined,
    private readonly defaults: ReadingDefaults,
    private readonly log: Logger,
  ) {}

  get description(): string {
    return this.command ? `lines from \`${this.command}\`` : 'lines on stdin';
  }

  healthy(): boolean {
    return this.up;
  }

  async start(sink: Sink): Promise<void> {
    if (!this.command) {
      this.up = true;
      this.read(process.stdin, sink, () => {
        this.up = false;
        this.log.warn('stdin closed: no more readings from it (heartbeats go on)');
      });
      return;
    }
    const run = () => {
      if (this.stopping) return;
      const child = spawn('/bin/sh', ['-c', this.command!], { stdio: ['ignore', 'pipe', 'inherit'] });
      this.child = child;
      this.up = true;
      this.read(child.stdout!, sink, () => undefined);
      child.on('exit', (code, signal) => {
        this.up = false;
        if (this.stopping) return;
        this.log.warn(`the source command exited (${signal ?? code}); starting it again in 5 s`);
        setTimeout(run, 5000).unref();
      });
    };
    run();
  }

  private read(stream: Readable, sink: Sink, onEnd: () => void): void {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      const items: { r: Reading }[] = [];
      for (const line of lines) {
        if (!line.trim()) continue;
        const parsed = parsePayload(line, this.defaults);
        for (const e of parsed.errors) this.log.every('bad-line', 10_000, 'warn', `ignored a line: ${e}`);
        for (const r of parsed.readings) items.push({ r });
      }
      if (!items.length) return;
      stream.pause();
      sink.add(items).then(
        () => stream.resume(),
        (err: Error) => stream.destroy(err),
      );
    });
    stream.on('end', onEnd);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.child?.kill('SIGTERM');
  }
}

// ---------------------------------------------------------------- synthetic

/** Made-up readings for demos: crowd noise with the odd roar (sensor), or passages at a gate (turnstile). */
export class SyntheticSource implements Source {
  private timer: NodeJS.Timeout | undefined;
  private t = 0;

  constructor(
    private readonly defaults: ReadingDefaults,
    private readonly everyMs = 1000,
  ) {}

  get description(): string {
    return `synthetic ${this.defaults.kind} readings every ${this.everyMs} ms`;
  }

  healthy(): boolean {
    return true;
  }

  async start(sink: Sink): Promise<void> {
    this.timer = setInterval(() => {
      this.t++;
      const now = Date.now();
      const k = this.defaults.kind;
      let value: number;
      if (k === 'turnstile') value = Math.floor(Math.random() * 4);
      else if (k === 'occupancy') value = Math.round(800 + 400 * Math.sin(this.t / 300));
      else if (k === 'sound') value = Math.round((this.t % 120 < 4 ? 96 + Math.random() * 6 : 62 + Math.random() * 8) * 10) / 10;
      else value = Math.round(Math.random() * 1000) / 10;
      const r: Reading = this.defaults.label ? [k, now, value, this.defaults.label] : [k, now, value];
      void sink.add([{ r }]);
    }, this.everyMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
  }
}

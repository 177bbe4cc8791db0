import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { DeviceKind, PairingPayload, ReadingKind } from '@fanmesh/protocol';
import { ApiClient, Clock, describeOffset } from './api';
import { EventTracker } from './events';
import { ChallengeStock, portalHandler } from './hotspot';
import { html, json, listen, parseListen, publicUrl, readJson } from './http';
import { Journal } from './journal';
import { DeviceKey } from './key';
import { acquireLock } from './lock';
import type { Logger } from './log';
import { Pairing, PairingError } from './pairing';
import { probeRegistration, type Registration } from './probe';
import type { ReadingDefaults } from './readings';
import { LineSource, MqttSource, parseTopicMapping, SyntheticSource, type Sink, type Source } from './sources';
import { StateFile } from './state';
import { statusPage } from './status-page';
import { Wire } from './wire';

export const VERSION = '0.1.0';

export type Role = 'sensor' | 'turnstile' | 'hotspot';
export const ROLE_KIND: Record<Role, DeviceKind> = { sensor: 'sensor', turnstile: 'gate', hotspot: 'hotspot' };

export interface AgentOptions {
  api: string;
  data: string;
  role: Role;
  source: string;
  topics: string[];
  kind?: ReadingKind;
  label?: string;
  mqttUsername?: string;
  mqttPassword?: string;
  status: string;
  publicUrl?: string;
  portal: string;
  portalUrl?: string;
  appUrl?: string;
  clientsCommand?: string;
  venue?: string;
  event?: string;
  batchMs: number;
  batchMax: number;
  queueMax: number;
  heartbeatS: number;
  timeoutMs: number;
  offerTtlS: number;
}

/** A status snapshot: the status page, `status.json`, and what `doctor` reads from a running agent. */
export interface AgentStatus {
  version: string;
  device: string;
  role: Role;
  kind: DeviceKind;
  api: string;
  registration: Registration['state'] | 'checking';
  registrationDetail?: string;
  venueId?: string;
  event?: { id: string; status: string };
  clock: { offsetMs?: number; text: string; ok: boolean };
  queue: { queued: number; pending: number; oldestAt?: string; shed: number; dropped: number };
  sent: Wire['stats'];
  lastAccepted?: { seq: number; type: string; at: string };
  lastRefusal?: { seq: number; type: string; code: string; detail: string; at: string };
  source?: { description: string; healthy: boolean };
  portal?: { url: string; served: number };
  pairing?: PairingPayload & { expiresAt: string };
  startedAt: string;
}

/** `agent run`: the long-running device program. */
export class Agent {
  private key!: DeviceKey;
  private state!: StateFile;
  private journal!: Journal;
  private api!: ApiClient;
  private wire!: Wire;
  private events!: EventTracker;
  private pairing!: Pairing;
  private source: Source | undefined;
  private stock: ChallengeStock | undefined;
  private servers: Server[] = [];
  private timers: NodeJS.Timeout[] = [];
  private releaseLock: (() => void) | undefined;
  private registration: Registration | undefined;
  private rolesStarted = false;
  private statusUrl: string | undefined;
  private portalUrl: string | undefined;
  private shownOffer: string | undefined;
  private readonly startedAt = new Date();
  private stopping = false;

  constructor(
    private readonly opts: AgentOptions,
    private readonly log: Logger,
    private readonly out: NodeJS.WritableStream = process.stdout,
  ) {}

  async start(): Promise<void> {
    const o = this.opts;
    mkdirSync(o.data, { recursive: true, mode: 0o700 });
    const { key, created } = DeviceKey.load(o.data, { create: true });
    this.key = key;
    if (created) this.log.info(`made a new device key in ${o.data}/device.key (mode 0600, never printed)`, { device: key.address });
    this.releaseLock = acquireLock(o.data);
    this.state = StateFile.load(o.data);
    if (o.venue && this.state.state.venueId !== o.venue) this.state.update({ venueId: o.venue });
    this.journal = await Journal.open(o.data, {
      maxQueued: o.queueMax,
      onShed: (n, from, to) =>
        this.log.error(
          `the queue is full (${o.queueMax} readings, --queue-max): shed the oldest ${n} readings, taken ${new Date(from).toISOString()} to ${new Date(to).toISOString()}; they will never be sent`,
        ),
      onCorrupt: (msg) => this.log.warn(msg),
    });
    const recovered = this.journal.stats();
    const clock = new Clock(this.state.state.clock);
    this.api = new ApiClient(o.api, clock, o.timeoutMs);
    this.events = new EventTracker(this.api, this.state, this.log, o.event);
    this.wire = new Wire(this.key, this.api, this.journal, this.state, this.events, this.log, { batchMax: o.batchMax, batchMs: o.batchMs, heartbeatS: o.heartbeatS });
    this.wire.onAccepted = (seq, type) => {
      if (type === 'readings' || type === 'heartbeat' || Date.now() - Date.parse(this.state.state.lastAccepted?.at ?? '1970-01-01') > 5000) {
        this.state.update({ lastAccepted: { seq, type, at: new Date().toISOString() }, clock: this.clockState() });
      }
    };
    this.wire.onDeviceRefusal = (code, detail) => void this.onDeviceRefusal(code, detail);
    this.pairing = new Pairing(this.key, ROLE_KIND[o.role], this.api, o.offerTtlS);

    this.log.info(`FanMesh agent ${VERSION}: ${o.role} (device kind ${ROLE_KIND[o.role]}), device ${key.address}, API ${this.api.base}, data ${o.data}`);
    if (recovered.queued || recovered.pending)
      this.log.info(
        `recovered ${recovered.queued} queued readings and ${recovered.pending ? `a pending envelope (seq ${this.journal.pending!.env.seq}, ${recovered.pending} readings)` : 'no pending envelope'} from disk`,
      );

    if (o.status !== 'off') {
      const { host, port } = parseListen(o.status, '--status');
      const s = await listen(
        host,
        port,
        (req, res, url) => this.serveStatus(req, res, url),
        (err) => this.log.error(`status page: ${err.message}`),
      );
      this.servers.push(s.server);
      this.statusUrl = o.publicUrl ?? publicUrl(host, s.port);
      this.log.info(`status page: http://${host.includes(':') ? `[${host}]` : host}:${s.port}/ (others reach it as ${this.statusUrl})`);
    }

    if (this.state.state.paired) {
      this.log.info('paired before: starting at once (checking with the API in the background)');
      await this.startRoles();
    }
    await this.checkRegistration();
    this.every(3_000, () => (this.rolesStarted && this.registration?.state === 'paired' ? undefined : this.checkRegistration()));
    this.every(60_000, () => (this.rolesStarted ? this.checkRegistration() : undefined));
    this.every(60_000, () => this.state.update({ clock: this.clockState() }));
  }

  private every(ms: number, fn: () => Promise<void> | void): void {
    const t = setInterval(() => {
      Promise.resolve(fn()).catch((err: Error) => this.log.error(err.message, { stack: err.stack }));
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  private clockState() {
    return this.api.clock.offsetMs === undefined ? this.state.state.clock : { offsetMs: this.api.clock.offsetMs, at: new Date().toISOString() };
  }

  private async checkRegistration(): Promise<void> {
    if (this.stopping) return;
    const r = await probeRegistration(this.api, this.key);
    const before = this.registration?.state;
    this.registration = r;
    if (r.state === 'paired') {
      if (!this.state.state.paired) {
        const venues = [...new Set(this.state.state.intents.map((i) => i.venueId))];
        const venueId = this.opts.venue ?? this.state.state.venueId ?? (venues.length === 1 ? venues[0] : undefined);
        this.state.update({ paired: true, pairedAt: new Date().toISOString(), venueId });
        this.log.info(`paired: the API knows this device${venueId ? ` (venue ${venueId})` : ''}`);
        if (!venueId)
          this.log.warn(
            venues.length > 1 ? `registrations were signed for several venues (${venues.join(', ')}): pass --venue <uuid>` : 'the venue is unknown: pass --venue <uuid>',
          );
      }
      await this.startRoles();
      return;
    }
    if (r.state === 'unreachable') {
      this.log.every('probe-unreachable', 60_000, 'warn', `cannot reach the API: ${r.detail}`);
      if (!this.state.state.paired) await this.showOffer();
      return;
    }
    if (r.state === 'unpaired') {
      if (this.state.state.paired) {
        this.log.warn('the API does not know this device any more (released or never stored): showing the pairing code again');
        this.state.update({ paired: false });
      }
      await this.showOffer();
      return;
    }
    if (before !== r.state) this.log.error(this.stateAdvice(r));
  }

  private stateAdvice(r: Registration): string {
    switch (r.state) {
      case 'revoked':
        return `this device is revoked: ${r.detail} Nothing is sent until it is paired again (move the data folder away to pair as a new device).`;
      case 'denylisted':
        return `this device is on the denylist: ${r.detail} The owner can appeal from the app; readings stay queued meanwhile.`;
      case 'key_mismatch':
        return `the API holds another key for this device address: ${r.detail}`;
      default:
        return `the API answered the registration check unexpectedly: ${'detail' in r ? r.detail : ''}`;
    }
  }

  private async onDeviceRefusal(code: string, detail: string): Promise<void> {
    if (code === 'device_not_found') return this.checkRegistration();
    this.log.every(`refusal-${code}`, 300_000, 'error', `the API refuses this device's messages (${code}): ${detail}`);
  }

  /** Prints the pairing QR (once per offer) in the terminal. */
  private async showOffer(): Promise<void> {
    const o = await this.pairing.offer();
    if (this.shownOffer === o.offer.nonce) return;
    this.shownOffer = o.offer.nonce;
    const qr = await Pairing.terminalQr(Pairing.qrText(this.pairing.payload(this.statusUrl, o)));
    this.out.write(
      `\nPair this ${this.opts.role} (${this.key.address}): scan the code with the FanMesh app (Devices → Add)${this.statusUrl ? `, or open ${this.statusUrl}/` : ''}.\n` +
        `${qr}\nShort code (to type instead): ${o.code}   valid until ${new Date(o.offer.expiresAt * 1000).toISOString()}\n\n`,
    );
    this.log.info(`showing a pairing offer, code ${o.code}, until ${new Date(o.offer.expiresAt * 1000).toISOString()}`);
  }

  private async startRoles(): Promise<void> {
    if (this.rolesStarted) return;
    this.rolesStarted = true;
    const o = this.opts;
    await this.events.refresh(true);
    this.wire.start();
    if (o.role === 'hotspot') {
      this.stock = new ChallengeStock(this.key, this.wire, this.events, this.api.clock, this.log, o.clientsCommand);
      this.stock.start();
      const { host, port } = parseListen(o.portal, '--portal');
      const appUrl = o.appUrl ?? this.api.base;
      const s = await listen(
        host,
        port,
        portalHandler(this.stock, appUrl, () => this.portalUrl!),
        (err) => this.log.error(`portal: ${err.message}`),
      );
      this.servers.push(s.server);
      this.portalUrl = o.portalUrl ?? publicUrl(host, s.port);
      this.log.info(`captive portal on ${host}:${s.port}: phones get challenges at ${this.portalUrl}/fanmesh/challenge; / opens ${appUrl}/tickets?hotspot=…`);
    } else {
      this.source = this.makeSource();
      const sink: Sink = {
        add: async (items) => {
          const e = this.events.current()?.id;
          try {
            await this.journal.add(items.map((it) => (e ? { ...it, e } : it)));
          } catch (err) {
            // Nothing acknowledged a reading that is not on disk; stop rather than pretend.
            this.log.error(`cannot write readings to the queue in ${o.data}: ${(err as Error).message}; stopping (nothing unwritten was acknowledged)`);
            process.exit(74);
          }
          this.wire.poke();
        },
        isDuplicate: (d) => this.journal.isDuplicate(d),
      };
      await this.source.start(sink);
      this.log.info(`reading from ${this.source.description}`);
    }
    this.every(15_000, () => this.events.refresh());
    this.every(30_000, async () => void (await this.journal.maybeCompact()));
    this.every(1_000, () => {
      if (this.source?.healthy()) this.sourceUpAt = Date.now();
    });
    // One heartbeat at a time, the next one interval after the last finished (sent, refused or timed out).
    const beat = () => {
      if (this.stopping) return;
      this.heartbeat()
        .catch((err: Error) => this.log.error(`heartbeat: ${err.message}`))
        .finally(() => {
          if (this.stopping) return;
          this.heartbeatTimer = setTimeout(beat, o.heartbeatS * 1000);
          this.heartbeatTimer.unref();
        });
    };
    // the first once the source had a moment to connect, so it does not report it down
    this.heartbeatTimer = setTimeout(beat, 2000);
    this.heartbeatTimer.unref();
  }

  private heartbeatTimer: NodeJS.Timeout | undefined;

  /** When the source was last seen up: heartbeats say `degraded` once it has been down for 10 s. */
  private sourceUpAt = Date.now();

  private async heartbeat(): Promise<void> {
    const q = this.journal.stats();
    const body: Record<string, unknown> = {
      type: 'heartbeat',
      uptimeS: Math.floor((Date.now() - this.startedAt.getTime()) / 1000),
      agent: `fanmesh-agent/${VERSION}`,
      role: this.opts.role,
      queued: q.queued + q.pending,
    };
    if (this.source?.healthy()) this.sourceUpAt = Date.now();
    else if (this.source && Date.now() - this.sourceUpAt > 10_000) body.degraded = true;
    if (this.stock) body.clients = await this.stock.clientCount();
    const outcome = await this.wire.send(body, this.opts.heartbeatS * 1000);
    this.log.debug(`heartbeat: ${outcome.kind}${outcome.kind === 'refused' ? ` ${outcome.code}` : outcome.kind === 'network' ? ` (${outcome.error})` : ''}`);
    if (outcome.kind === 'refused') this.log.every(`hb-${outcome.code}`, 300_000, 'warn', `heartbeat refused: ${outcome.code}: ${outcome.detail}`);
  }

  private makeSource(): Source {
    const o = this.opts;
    const kind: ReadingKind = o.role === 'turnstile' ? 'turnstile' : (o.kind ?? 'sound');
    const defaults: ReadingDefaults = {
      kind,
      label: o.label ?? (kind === 'generic' ? 'value' : undefined),
      allowed: o.role === 'turnstile' ? ['turnstile'] : ['turnstile', 'occupancy', 'sound', 'generic'],
    };
    if (o.source === 'synthetic') return new SyntheticSource(defaults);
    if (o.source === 'stdin') return new LineSource(undefined, defaults, this.log);
    if (o.source.startsWith('exec:')) return new LineSource(o.source.slice(5), defaults, this.log);
    if (/^mqtts?:\/\//.test(o.source) || /^wss?:\/\//.test(o.source)) {
      if (!o.topics.length) throw new Error('an MQTT source needs at least one --topic <filter[=kind[:label]]>');
      const clientId = `fanmesh-${this.key.address.slice(2, 14).toLowerCase()}-${o.role}`;
      return new MqttSource(o.source, o.topics.map(parseTopicMapping), clientId, defaults, this.log, { username: o.mqttUsername, password: o.mqttPassword });
    }
    throw new Error(`unknown --source ${o.source}: use synthetic, stdin, exec:<command> or mqtt://host:port`);
  }

  status(): AgentStatus {
    const q = this.journal.stats();
    const refusal = this.api.clock.refusal();
    const offset = this.api.clock.offsetMs;
    const s: AgentStatus = {
      version: VERSION,
      device: this.key.address,
      role: this.opts.role,
      kind: ROLE_KIND[this.opts.role],
      api: this.api.base,
      registration: this.registration?.state ?? 'checking',
      registrationDetail: this.registration && 'detail' in this.registration ? this.registration.detail : undefined,
      venueId: this.state.state.venueId,
      event: this.events.current(),
      clock: { offsetMs: offset, ok: !refusal, text: offset === undefined ? 'not measured yet' : `${describeOffset(offset)} the API's` },
      queue: { queued: q.queued, pending: q.pending, oldestAt: q.oldestAtMs ? new Date(q.oldestAtMs).toISOString() : undefined, shed: q.shed, dropped: q.dropped },
      sent: { ...this.wire.stats },
      lastAccepted: this.state.state.lastAccepted,
      lastRefusal: this.state.state.lastRefusal,
      source: this.source ? { description: this.source.description, healthy: this.source.healthy() } : undefined,
      portal: this.portalUrl && this.stock ? { url: this.portalUrl, served: this.stock.served } : undefined,
      startedAt: this.startedAt.toISOString(),
    };
    return s;
  }

  private async serveStatus(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, url: URL): Promise<void> {
    const unpaired = this.registration?.state === 'unpaired' || (!this.state.state.paired && this.registration?.state !== 'paired');
    if (url.pathname === '/status.json') return json(res, 200, this.status());
    if (url.pathname === '/pairing.json') {
      if (!unpaired) return json(res, 409, { code: 'paired', detail: 'This device is paired; it shows no pairing code.' });
      const o = await this.pairing.offer();
      if (o.renewed) void this.showOffer();
      const payload = this.pairing.payload(this.statusUrl, o);
      return json(res, 200, { ...payload, qr: Pairing.qrText(payload), expiresAt: new Date(o.offer.expiresAt * 1000).toISOString() });
    }
    if (url.pathname === '/pairing/registration' && req.method === 'POST') {
      if (!unpaired) return json(res, 409, { code: 'paired', detail: 'This device is already paired.' });
      const body = await readJson(req);
      try {
        const signed = await this.pairing.signRegistration(body);
        const intent = {
          owner: signed.registration.owner.toLowerCase(),
          venueId: String(body.venueId).toLowerCase(),
          sectionCode: typeof body.sectionCode === 'string' ? body.sectionCode : undefined,
          at: new Date().toISOString(),
        };
        this.state.update({ intents: [...this.state.state.intents.filter((i) => i.owner !== intent.owner || i.venueId !== intent.venueId).slice(-9), intent] });
        this.log.info(`signed the registration for owner ${intent.owner} at venue ${intent.venueId}; the owner's app now sends it with its own signature`);
        return json(res, 200, signed);
      } catch (err) {
        if (err instanceof PairingError) return json(res, err.status, { code: err.code, detail: err.message });
        throw err;
      }
    }
    if (url.pathname === '/' || url.pathname === '/index.html') {
      let pairing: { payload: string; code: string; expiresAt: string } | undefined;
      if (unpaired) {
        const o = await this.pairing.offer();
        if (o.renewed) void this.showOffer();
        pairing = { payload: Pairing.qrText(this.pairing.payload(this.statusUrl, o)), code: o.code, expiresAt: new Date(o.offer.expiresAt * 1000).toISOString() };
      }
      return html(res, 200, await statusPage(this.status(), pairing));
    }
    json(res, 404, { code: 'not_found', detail: 'The agent serves /, /status.json, /pairing.json and POST /pairing/registration.' });
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    clearTimeout(this.heartbeatTimer);
    this.stock?.stop();
    await this.source?.stop().catch(() => undefined);
    await this.wire?.stop();
    await Promise.all(this.servers.map((s) => new Promise((r) => s.close(r))));
    if (this.state && this.api) this.state.update({ clock: this.clockState() });
    await this.journal?.close();
    this.releaseLock?.();
  }
}

import { execFile } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { challengeDigest, type Challenge, type SignedChallenge } from '@fanmesh/protocol';
import type { Clock } from './api';
import { CHALLENGES_OPEN, type EventTracker } from './events';
import { json } from './http';
import type { DeviceKey } from './key';
import { MAX_CHALLENGES_PER_REQUEST } from './limits';
import type { Logger } from './log';
import type { Wire } from './wire';

/** A challenge handed to a phone needs this much life left for the phone to co-sign and send it. */
const MIN_LIFE_MS = 8_000;
const CLIENT_WINDOW_MS = 5 * 60_000;

/**
 * The hotspot's side of proof of coverage. It asks the API for challenges (signed
 * `challenge.request` envelopes), signs each with the device key and hands each to exactly one
 * phone at `GET <portal>/fanmesh/challenge` (the PWA's witness mode polls it every 10 s). A small
 * stock is kept while phones are asking, so a phone rarely waits for the API.
 */
export class ChallengeStock {
  private stock: SignedChallenge[] = [];
  private clients = new Map<string, number>();
  private demand: number[] = [];
  private refilling: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  served = 0;

  constructor(
    private readonly key: DeviceKey,
    private readonly wire: Wire,
    private readonly events: EventTracker,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly clientsCommand?: string,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.keepWarm(), 5_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Phones that fetched a challenge in the last 5 minutes (or what --clients-command prints). */
  async clientCount(): Promise<number> {
    if (this.clientsCommand) {
      const out = await new Promise<string>((resolve) => execFile('/bin/sh', ['-c', this.clientsCommand!], { timeout: 5000 }, (_e, stdout) => resolve(String(stdout ?? ''))));
      const n = Number.parseInt(out.trim(), 10);
      if (Number.isInteger(n) && n >= 0) return n;
      this.log.every(
        'clients-cmd',
        300_000,
        'warn',
        `--clients-command printed ${JSON.stringify(out.trim().slice(0, 40))}, not a count; counting phones that fetched challenges instead`,
      );
    }
    const since = Date.now() - CLIENT_WINDOW_MS;
    for (const [ip, at] of this.clients) if (at < since) this.clients.delete(ip);
    return this.clients.size;
  }

  /** The portal's route: one fresh signed challenge per request, never the same one twice. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ip = req.socket.remoteAddress ?? 'unknown';
    this.clients.set(ip, Date.now());
    this.demand.push(Date.now());
    let c = this.take();
    if (!c) {
      await this.refill(2);
      c = this.take();
    }
    if (!c)
      return json(res, 503, {
        code: 'no_challenge',
        detail: this.events.current() ? 'The hotspot has no challenge right now; try again in a few seconds.' : 'No event is open at this venue right now.',
      });
    this.served++;
    json(res, 200, c);
  }

  private take(): SignedChallenge | undefined {
    const cutoff = this.clock.serverNow() + MIN_LIFE_MS;
    this.stock = this.stock.filter((s) => Date.parse(s.challenge.expiresAt) > cutoff);
    return this.stock.shift();
  }

  /** While phones asked in the last minute, keep about as many challenges as they used in the last 30 s. */
  private async keepWarm(): Promise<void> {
    const now = Date.now();
    this.demand = this.demand.filter((t) => t > now - 60_000);
    if (!this.demand.length) return;
    const want = Math.min(MAX_CHALLENGES_PER_REQUEST, this.demand.filter((t) => t > now - 30_000).length + 2);
    this.take(); // drops the expired
    if (this.stock.length < want / 2) await this.refill(want - this.stock.length);
  }

  private refill(count: number): Promise<void> {
    this.refilling ??= this.request(count).finally(() => (this.refilling = undefined));
    return this.refilling;
  }

  private async request(count: number): Promise<void> {
    await this.events.refresh();
    const event = this.events.current();
    if (!event || !CHALLENGES_OPEN.has(event.status)) return;
    const n = Math.max(1, Math.min(MAX_CHALLENGES_PER_REQUEST, count));
    const o = await this.wire.send({ type: 'challenge.request', eventId: event.id, count: n }, 5_000);
    if (o.kind === 'accepted') {
      const challenges = (o.body.challenges ?? []) as Challenge[];
      for (const c of challenges) this.stock.push({ challenge: c, signature: this.key.signDigest(challengeDigest(c)) });
      this.log.debug(`got ${challenges.length} challenges for event ${event.id}`);
    } else if (o.kind === 'refused') {
      this.log.every(`challenge-${o.code}`, 60_000, 'warn', `the API gave no challenges (${o.code}: ${o.detail})`);
      if (o.code === 'event_not_open') await this.events.refresh(true);
    } else {
      this.log.every('challenge-net', 60_000, 'warn', `could not ask for challenges: ${o.kind === 'network' ? o.error : o.kind}`);
    }
  }
}

/** The captive portal: `/fanmesh/challenge` for witness mode; everything else opens the PWA in witness mode. */
export function portalHandler(stock: ChallengeStock, appUrl: string, portalUrl: () => string) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    if (url.pathname === '/fanmesh/challenge' && req.method === 'GET') return stock.handle(req, res);
    const target = `${appUrl.replace(/\/+$/, '')}/tickets?hotspot=${encodeURIComponent(portalUrl())}`;
    res.writeHead(302, { location: target, 'content-type': 'text/plain' }).end(`FanMesh hotspot: open ${target}\n`);
  };
}

import { Injectable, Logger } from '@nestjs/common';
import { Interface, TypedDataDomain } from 'ethers';
import { DataSource, EntityManager } from 'typeorm';
import { isAdmin, Principal, requireVenueRole } from '@fanmesh/common';
import { ARTIFACTS, ChainService, DOMAIN_NAMES, eip712Domain, REGISTRATION_TYPES } from '@fanmesh/chain';
import { RealtimeService } from '@fanmesh/realtime';
import { DeviceError } from './device.error';
import { AppealRow, DeviceLogRepository, DeviceRepository, DeviceRow, HeartbeatSummary } from './device.repository';
import { envelopeSignedBy, PAIRING_DOMAIN, PAIRING_OFFER_TYPES, typedSigner, uuidToBytes32 } from './device-signatures';

export const CLOCK_SKEW_MS = 30_000;
const ONLINE_MS = 90_000;

export type DeviceStatus = 'online' | 'degraded' | 'offline' | 'revoked' | 'denylisted';

export interface PairingRequest {
  offer: { device: string; kind: 'hotspot' | 'sensor' | 'gate'; nonce: string; expiresAt: number; signature: string };
  venueId: string;
  sectionCode: string;
  deadline: number;
  deviceSignature: string;
  ownerSignature: string;
}

export interface Envelope {
  deviceId: string;
  seq: number;
  sentAt: string;
  body: string;
  signature: string;
}

/** What a body handler gets: the verified device, its envelope and parsed body, and the transaction that advances `seq`. */
export interface EnvelopeContext {
  device: DeviceRow;
  envelope: Envelope;
  body: { type: string } & Record<string, unknown>;
  /** Write through this: the handler's rows commit together with the device's new `seq`, or not at all. */
  tx: EntityManager;
  /** Runs `fn` once the transaction has committed (live signals that read the rows just written); never on a refusal. */
  afterCommit(fn: () => void): void;
}

/**
 * Handles one body type (`readings`, `challenge.request`, ...). Throw a DomainError to refuse the
 * envelope (nothing is written and `seq` does not move); the returned object is merged into the answer.
 */
export type BodyHandler = (ctx: EnvelopeContext) => Promise<Record<string, unknown> | void>;

/**
 * Device pairing (device offer + both signatures over one registration, as DeviceRegistry checks
 * them on chain), signed envelopes with strictly increasing sequence numbers, heartbeats and
 * status, revocation and the denylist.
 */
@Injectable()
export class DevicesService {
  private readonly logger = new Logger(DevicesService.name);
  private readonly lastStatus = new Map<string, DeviceStatus>();
  private readonly handlers = new Map<string, BodyHandler>([['heartbeat', (ctx) => this.repo.logHeartbeat(ctx.tx, ctx.device.address, ctx.body)]]);

  constructor(
    private readonly repo: DeviceRepository,
    private readonly ds: DataSource,
    private readonly chain: ChainService,
    private readonly realtime: RealtimeService,
    private readonly logs: DeviceLogRepository,
  ) {}

  /** The EIP-712 domains a device and its owner sign in; the registration one is the chain's registry. */
  domains(): { offer: TypedDataDomain; registration: TypedDataDomain; onChain: boolean } {
    const registry = this.chain.deployment?.DeviceRegistry;
    return {
      offer: PAIRING_DOMAIN,
      registration: registry ? eip712Domain(DOMAIN_NAMES.DeviceRegistry, this.chain.chainId!, registry) : { name: DOMAIN_NAMES.DeviceRegistry, version: '1' },
      onChain: !!registry,
    };
  }

  async pair(req: PairingRequest, owner: Principal): Promise<DeviceRow> {
    const device = req.offer.device.toLowerCase();
    const offerSigner = typedSigner(PAIRING_DOMAIN, PAIRING_OFFER_TYPES, { device: req.offer.device, kind: req.offer.kind, nonce: req.offer.nonce, expiresAt: req.offer.expiresAt }, req.offer.signature);
    if (!offerSigner || offerSigner.address !== device) throw new DeviceError('bad_offer_signature', 'The pairing offer was not signed by the device it names. Rescan the code on the device.');
    if (req.offer.expiresAt * 1000 < Date.now()) throw new DeviceError('offer_expired', 'The pairing code has expired; the device shows a new one every few minutes.');
    const sections: { code: string }[] = await this.ds.query(`SELECT code FROM sections WHERE venue_id = $1 AND code = $2`, [req.venueId, req.sectionCode]);
    if (!sections.length) throw new DeviceError('unknown_section', `This venue has no section ${req.sectionCode}.`);
    const registration = { device: req.offer.device, owner: owner.subject, venueId: uuidToBytes32(req.venueId), deadline: req.deadline };
    const domain = this.domains().registration;
    if (typedSigner(domain, REGISTRATION_TYPES, registration, req.ownerSignature)?.address !== owner.subject) {
      throw new DeviceError('bad_owner_signature', 'The registration was not signed by your account.');
    }
    if (typedSigner(domain, REGISTRATION_TYPES, registration, req.deviceSignature)?.address !== device) {
      throw new DeviceError('bad_device_signature', 'The registration was not signed by the device.');
    }
    const outcome = await this.repo.pair({ address: device, publicKey: offerSigner.publicKey, kind: req.offer.kind, owner: owner.subject, venueId: req.venueId, sectionCode: req.sectionCode, nonce: req.offer.nonce });
    if (outcome === 'offer_used') throw new DeviceError('offer_used', 'This pairing code was already used; the device must show a fresh one.');
    if (outcome === 'device_paired') throw new DeviceError('device_paired', 'This device is already paired to an owner. The owner can release it first.');
    if (this.domains().onChain) {
      const registry = new Interface(ARTIFACTS.DeviceRegistry.abi as never);
      await this.chain.enqueue({
        kind: 'device.register',
        idempotencyKey: `device-register:${device}`,
        to: this.chain.deployment!.DeviceRegistry,
        data: registry.encodeFunctionData('register', [req.offer.device, owner.subject, registration.venueId, req.deadline, req.deviceSignature, req.ownerSignature]),
      });
    }
    this.logger.log({ device, owner: owner.subject, kind: req.offer.kind }, 'device paired');
    return (await this.repo.find(device))!;
  }

  /** Other contexts register the body types they own; a device message of that type reaches them verified. */
  registerBody(type: string, handler: BodyHandler): void {
    if (this.handlers.has(type)) throw new Error(`a handler for device body type ${type} is already registered`);
    this.handlers.set(type, handler);
  }

  async device(address: string): Promise<DeviceRow | undefined> {
    return this.repo.find(address.toLowerCase());
  }

  async ingest(env: Envelope): Promise<{ accepted: true; seq: number } & Record<string, unknown>> {
    const address = env.deviceId.toLowerCase();
    const device = await this.repo.find(address);
    if (!device) throw new DeviceError('device_not_found', 'Unknown device; pair it first.');
    if (!envelopeSignedBy(device.publicKey, env.deviceId, env.seq, env.sentAt, env.body, env.signature)) throw new DeviceError('bad_envelope_signature', 'The message was not signed by this device.');
    if (device.revokedAt) throw new DeviceError('device_revoked', `This device was revoked: ${device.revokedReason}.`);
    if (device.denylisted) throw new DeviceError('denylisted', `This device or its owner is on the denylist: ${device.denylisted}. The owner can appeal from the app.`);
    if (Math.abs(Date.parse(env.sentAt) - Date.now()) > CLOCK_SKEW_MS) throw new DeviceError('clock_skew', `sentAt is more than ${CLOCK_SKEW_MS / 1000} s from the server's clock; sync the device clock.`);
    let body: { type?: string } & Record<string, unknown>;
    try {
      body = JSON.parse(env.body);
    } catch {
      throw new DeviceError('unsupported_body', 'body must be a JSON object serialized as a string.');
    }
    const handler = typeof body?.type === 'string' ? this.handlers.get(body.type) : undefined;
    if (!handler || typeof body !== 'object' || Array.isArray(body)) {
      throw new DeviceError('unsupported_body', `Unknown body type ${JSON.stringify(body?.type)}; devices send one of: ${[...this.handlers.keys()].join(', ')}.`);
    }
    const heartbeat = body.type === 'heartbeat' ? body : null;
    const committed: (() => void)[] = [];
    const result = await this.ds.transaction(async (tx) => {
      if (!(await this.repo.advance(address, env.seq, heartbeat, tx))) {
        throw new DeviceError('replayed_seq', `seq ${env.seq} is not above the last accepted ${device.lastSeq}; replays and reordered messages are refused.`, { lastSeq: Number(device.lastSeq) });
      }
      return handler({ device, envelope: env, body: body as EnvelopeContext['body'], tx, afterCommit: (fn) => committed.push(fn) });
    });
    for (const fn of committed) {
      try {
        fn();
      } catch (err) {
        this.logger.error({ err, device: address, seq: env.seq }, 'an after-commit listener threw');
      }
    }
    await this.publishStatus({ ...device, lastSeenAt: new Date(), lastHeartbeat: heartbeat ?? device.lastHeartbeat });
    return { ...(result ?? {}), accepted: true, seq: env.seq };
  }

  status(d: DeviceRow): DeviceStatus {
    if (d.revokedAt) return 'revoked';
    if (d.denylisted) return 'denylisted';
    if (!d.lastSeenAt || Date.now() - new Date(d.lastSeenAt).getTime() > ONLINE_MS) return 'offline';
    return d.lastHeartbeat?.degraded === true ? 'degraded' : 'online';
  }

  async list(filter: { owner?: string; venueIds?: string[] }) {
    return (await this.repo.list(filter)).map((d) => this.view(d));
  }

  async revoke(address: string, reason: string, by: Principal): Promise<void> {
    const d = await this.repo.find(address.toLowerCase());
    if (!d) throw new DeviceError('device_not_found', `No device ${address}.`);
    if (d.owner !== by.subject && !isAdmin(by)) requireVenueRole(by, ['staff'], d.venueId);
    await this.repo.revoke(d.address, reason);
    await this.publishStatus({ ...d, revokedAt: new Date(), revokedReason: reason });
  }

  async denylist(type: 'device' | 'owner', subject: string, reason: string, venueId: string, by: Principal): Promise<void> {
    requireVenueRole(by, ['staff'], venueId);
    await this.repo.denylist(type, subject.toLowerCase(), reason, by.subject);
    this.logger.warn({ type, subject, reason, by: by.subject }, 'denylisted');
  }

  /**
   * What the devices said about themselves between `from` and `to`: heartbeat count, how many
   * `bucketS`-second buckets had one (uptime), and the medians of reported clients and throughput.
   * Devices with no heartbeat in the window are absent.
   */
  async heartbeatSummary(devices: string[], from: Date, to: Date, bucketS = 60): Promise<HeartbeatSummary[]> {
    return this.logs.heartbeatSummary(devices.map((d) => d.toLowerCase()), from, to, bucketS);
  }

  /** The owner asks staff to lift the denylisting that stops their device; one open appeal per device. */
  async fileAppeal(address: string, message: string, by: Principal): Promise<AppealView> {
    const d = await this.repo.find(address.toLowerCase());
    if (!d) throw new DeviceError('device_not_found', `No device ${address}.`);
    if (d.owner !== by.subject) throw new DeviceError('not_device_owner', 'Only the owner of a device can appeal for it.');
    const entry = await this.logs.activeDenylisting(d.address, d.owner);
    if (!entry) throw new DeviceError('not_denylisted', 'This device is not on the denylist; there is nothing to appeal.');
    const appeal = await this.logs.fileAppeal({ device: d.address, venueId: d.venueId, owner: d.owner, denylistId: entry.id, message });
    if (!appeal) {
      const [open] = await this.logs.appeals({ device: d.address, status: 'open' });
      throw new DeviceError('appeal_open', 'An appeal for this device is already open; staff will decide it.', { appealId: open?.id });
    }
    this.logger.log({ appealId: appeal.id, device: d.address, venueId: d.venueId }, 'appeal filed');
    await this.realtime.publish(`staff:${d.venueId}`, { type: 'device.appeal', appealId: appeal.id, device: d.address, status: appeal.status, reason: appeal.denylistReason });
    return appealView(appeal);
  }

  async appeals(filter: { venueId?: string; status?: 'open' | 'accepted' | 'rejected' }, by: Principal): Promise<AppealView[]> {
    let venueIds: string[] | undefined;
    if (filter.venueId) {
      requireVenueRole(by, ['staff'], filter.venueId);
      venueIds = [filter.venueId];
    } else if (!isAdmin(by)) {
      venueIds = by.roles.filter((r) => r.startsWith('staff@')).map((r) => r.slice(6));
    }
    return (await this.logs.appeals({ venueIds, status: filter.status })).map(appealView);
  }

  /** The latest appeal for a device (open or decided), for the owner's report. */
  async latestAppeal(address: string): Promise<AppealView | undefined> {
    const [latest] = await this.logs.appeals({ device: address.toLowerCase() });
    return latest ? appealView(latest) : undefined;
  }

  /** Staff of the device's venue accept (the denylist entry is lifted) or reject (it stays) an open appeal, with a note. */
  async decideAppeal(id: string, decision: 'accept' | 'reject', note: string, by: Principal): Promise<AppealView> {
    const appeal = await this.logs.appeal(id);
    if (!appeal) throw new DeviceError('appeal_not_found', `No appeal ${id}.`);
    requireVenueRole(by, ['staff'], appeal.venueId);
    const status = decision === 'accept' ? 'accepted' : 'rejected';
    if (!(await this.logs.decideAppeal(id, status, by.subject, note))) {
      const now = (await this.logs.appeal(id))!;
      throw new DeviceError('appeal_decided', `This appeal was already ${now.status}.`, { status: now.status });
    }
    const after = (await this.logs.appeal(id))!;
    this.logger.log({ appealId: id, device: after.device, status, by: by.subject }, 'appeal decided');
    await this.realtime.publish(`staff:${after.venueId}`, { type: 'device.appeal', appealId: id, device: after.device, status });
    await this.realtime.publish(`fan:${after.owner}`, { type: 'device.appeal', appealId: id, device: after.device, status, note });
    const d = await this.repo.find(after.device);
    if (d) await this.publishStatus(d);
    return appealView(after);
  }

  view(d: DeviceRow) {
    return {
      address: d.address,
      kind: d.kind,
      owner: d.owner,
      venueId: d.venueId,
      sectionCode: d.sectionCode,
      status: this.status(d),
      lastSeq: Number(d.lastSeq),
      lastSeenAt: d.lastSeenAt ? new Date(d.lastSeenAt).toISOString() : null,
      pairedAt: new Date(d.pairedAt).toISOString(),
      revokedReason: d.revokedReason,
      denylistedReason: d.denylisted,
    };
  }

  private async publishStatus(d: DeviceRow): Promise<void> {
    const status = this.status(d);
    if (this.lastStatus.get(d.address) === status) return;
    this.lastStatus.set(d.address, status);
    await this.realtime.publish(`staff:${d.venueId}`, { type: 'device.status', device: d.address, kind: d.kind, sectionCode: d.sectionCode, status });
  }
}

export interface AppealView {
  id: string;
  device: string;
  venueId: string;
  owner: string;
  /** Why the device is (or was) on the denylist. */
  denylistReason: string;
  message: string;
  status: 'open' | 'accepted' | 'rejected';
  filedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
}

function appealView(a: AppealRow): AppealView {
  return {
    id: a.id,
    device: a.device,
    venueId: a.venueId,
    owner: a.owner,
    denylistReason: a.denylistReason,
    message: a.message,
    status: a.status,
    filedAt: new Date(a.filedAt).toISOString(),
    decidedBy: a.decidedBy,
    decidedAt: a.decidedAt ? new Date(a.decidedAt).toISOString() : null,
    decisionNote: a.decisionNote,
  };
}

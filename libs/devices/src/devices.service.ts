import { Injectable, Logger } from '@nestjs/common';
import { Interface, TypedDataDomain } from 'ethers';
import { DomainError, isAdmin, Principal, requireVenueRole } from '@fanmesh/common';
import { ARTIFACTS, ChainService } from '@fanmesh/chain';
import { DeviceDirectory, VenueDirectory } from '@fanmesh/directory';
import { DeviceEnvelope, DeviceMessageContext, DeviceMessageHandlers, OnDeviceMessage } from '@fanmesh/events';
import { IdentityRateLimit, RateLimiter } from '@fanmesh/identity';
import { DEVICE_TRANSFER_TYPES, DOMAIN_NAMES, eip712Domain, PAIRING_DOMAIN, PAIRING_OFFER_TYPES, REGISTRATION_TYPES, uuidToBytes32 } from '@fanmesh/protocol';
import type { AppealView, DeviceKind, DeviceStatus, DeviceTransferTermsView, DeviceTransferView, DeviceView } from '@fanmesh/protocol';
import { RealtimeService } from '@fanmesh/realtime';
import { DeviceError } from './device.error';
import { DeviceLogRepository, DeviceRepository, DeviceRow, HeartbeatSummary } from './device.repository';
import { envelopeSignedBy, typedSigner } from './device-signatures';
import { DeviceChainRepository } from './device-chain.repository';
import { DeviceChainSync } from './device-chain-sync.service';
import { appealView, deviceStatus, deviceView, transferView } from './devices.mapper';
import { DeviceOwnerRepository } from './device-owner.repository';
import { refusalOf } from './device-owner.mapper';

export const CLOCK_SKEW_MS = 30_000;

/**
 * Signed messages (readings, heartbeats, challenge requests: every envelope) per device, shared by
 * every instance, counted once the signature is checked (no one else can spend a device's budget).
 * Honest devices send a heartbeat every half minute and readings every few seconds; the agent's
 * backlog after an outage drains in bursts, and the ingest benchmark's senders reach ~25 a second
 * for a few seconds: 600 at once, 10 a second after. `RATE_LIMITS=device.messages=…` changes it.
 */
export const DEVICE_MESSAGE_LIMIT: IdentityRateLimit = { name: 'device.messages', limit: 600, windowMs: 60_000, per: 'device' };

export type { DeviceStatus };

export interface PairingRequest {
  offer: { device: string; kind: DeviceKind; nonce: string; expiresAt: number; signature: string };
  venueId: string;
  sectionCode: string;
  deadline: number;
  deviceSignature: string;
  ownerSignature: string;
}

/** The owner's signed handover (DEVICE_TRANSFER_TYPES over the nonce GET /devices/:address/transfer gave). */
export interface TransferRequest {
  to: string;
  deadline: number;
  ownerSignature: string;
}

/** A signed device message, as it arrives. */
export type Envelope = DeviceEnvelope;

/**
 * Device pairing (device offer + both signatures over one registration, as DeviceRegistry checks
 * them on chain), signed envelopes with strictly increasing sequence numbers, heartbeats and
 * status, revocation and the denylist.
 */
@Injectable()
export class DevicesService implements DeviceDirectory {
  private readonly logger = new Logger(DevicesService.name);
  private readonly lastStatus = new Map<string, DeviceStatus>();

  constructor(
    private readonly repo: DeviceRepository,
    private readonly chain: ChainService,
    private readonly realtime: RealtimeService,
    private readonly logs: DeviceLogRepository,
    private readonly handlers: DeviceMessageHandlers,
    private readonly venues: VenueDirectory,
    private readonly transfers: DeviceChainRepository,
    private readonly sync: DeviceChainSync,
    private readonly limiter: RateLimiter,
    private readonly owners: DeviceOwnerRepository,
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
    const offerSigner = typedSigner(
      PAIRING_DOMAIN,
      PAIRING_OFFER_TYPES,
      { device: req.offer.device, kind: req.offer.kind, nonce: req.offer.nonce, expiresAt: req.offer.expiresAt },
      req.offer.signature,
    );
    if (!offerSigner || offerSigner.address !== device)
      throw new DeviceError('bad_offer_signature', 'The pairing offer was not signed by the device it names. Rescan the code on the device.');
    if (req.offer.expiresAt * 1000 < Date.now()) throw new DeviceError('offer_expired', 'The pairing code has expired; the device shows a new one every few minutes.');
    if (!(await this.venues.hasSection(req.venueId, req.sectionCode))) throw new DeviceError('unknown_section', `This venue has no section ${req.sectionCode}.`);
    const registration = { device: req.offer.device, owner: owner.subject, venueId: uuidToBytes32(req.venueId), deadline: req.deadline };
    const domain = this.domains().registration;
    if (typedSigner(domain, REGISTRATION_TYPES, registration, req.ownerSignature)?.address !== owner.subject) {
      throw new DeviceError('bad_owner_signature', 'The registration was not signed by your account.');
    }
    if (typedSigner(domain, REGISTRATION_TYPES, registration, req.deviceSignature)?.address !== device) {
      throw new DeviceError('bad_device_signature', 'The registration was not signed by the device.');
    }
    const outcome = await this.repo.pair({
      address: device,
      publicKey: offerSigner.publicKey,
      kind: req.offer.kind,
      owner: owner.subject,
      venueId: req.venueId,
      sectionCode: req.sectionCode,
      nonce: req.offer.nonce,
    });
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

  /** Every heartbeat is kept (uptime per epoch is counted from them); the latest is on the device row. */
  @OnDeviceMessage('heartbeat')
  async heartbeat(ctx: DeviceMessageContext): Promise<void> {
    await this.repo.logHeartbeat(ctx.tx, ctx.device.address, ctx.body);
  }

  async device(address: string): Promise<DeviceRow | undefined> {
    return this.repo.find(address.toLowerCase());
  }

  /** `network`: the sender's address (req.ip), handed to the body's handler (a challenge is bound to it). */
  async ingest(env: Envelope, network?: string): Promise<{ accepted: true; seq: number } & Record<string, unknown>> {
    const address = env.deviceId.toLowerCase();
    const device = await this.repo.find(address);
    if (!device) throw new DeviceError('device_not_found', 'Unknown device; pair it first.');
    if (!envelopeSignedBy(device.publicKey, env.deviceId, env.seq, env.sentAt, env.body, env.signature))
      throw new DeviceError('bad_envelope_signature', 'The message was not signed by this device.');
    await this.limiter.enforce(DEVICE_MESSAGE_LIMIT, address);
    try {
      return await this.accept(device, env, network);
    } catch (err) {
      // Counted for the owner app (only once the signature shows the device sent it), then answered as it is.
      if (err instanceof DomainError) {
        await this.owners
          .recordRefusal(refusalOf(address, env.body, err.code, err.detail))
          .catch((e) => this.logger.warn({ device: address, err: (e as Error).message }, 'refusal not counted'));
      }
      throw err;
    }
  }

  private async accept(device: DeviceRow, env: Envelope, network?: string): Promise<{ accepted: true; seq: number } & Record<string, unknown>> {
    const address = device.address;
    if (device.revokedAt) throw new DeviceError('device_revoked', `This device was revoked: ${device.revokedReason}.`);
    if (device.denylisted) throw new DeviceError('denylisted', `This device or its owner is on the denylist: ${device.denylisted}. The owner can appeal from the app.`);
    if (Math.abs(Date.parse(env.sentAt) - Date.now()) > CLOCK_SKEW_MS)
      throw new DeviceError('clock_skew', `sentAt is more than ${CLOCK_SKEW_MS / 1000} s from the server's clock; sync the device clock.`);
    let body: { type?: string } & Record<string, unknown>;
    try {
      body = JSON.parse(env.body);
    } catch {
      throw new DeviceError('unsupported_body', 'body must be a JSON object serialized as a string.');
    }
    const handler = typeof body?.type === 'string' ? this.handlers.get(body.type) : undefined;
    if (!handler || typeof body !== 'object' || Array.isArray(body)) {
      throw new DeviceError('unsupported_body', `Unknown body type ${JSON.stringify(body?.type)}; devices send one of: ${this.handlers.types().join(', ')}.`);
    }
    const heartbeat = body.type === 'heartbeat' ? body : null;
    const committed: (() => void)[] = [];
    const result = await this.repo.advanceWith(
      address,
      env.seq,
      heartbeat,
      (tx) => handler({ device, envelope: env, body: body as DeviceMessageContext['body'], network, tx, afterCommit: (fn) => committed.push(fn) }),
      () => {
        throw new DeviceError('replayed_seq', `seq ${env.seq} is not above the last accepted ${device.lastSeq}; replays and reordered messages are refused.`, {
          lastSeq: Number(device.lastSeq),
        });
      },
    );
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
    return deviceStatus(d);
  }

  async list(filter: { owner?: string; venueIds?: string[] }): Promise<DeviceView[]> {
    return (await this.repo.list(filter)).map(deviceView);
  }

  async revoke(address: string, reason: string, by: Principal): Promise<void> {
    const d = await this.repo.find(address.toLowerCase());
    if (!d) throw new DeviceError('device_not_found', `No device ${address}.`);
    if (d.owner !== by.subject && !isAdmin(by)) requireVenueRole(by, ['staff'], d.venueId);
    if (!(await this.repo.revoke(d.address, reason))) return;
    await this.publishStatus({ ...d, revokedAt: new Date(), revokedReason: reason });
    // To the registry as well; if this fails (RPC down, registration still on its way) the chain sync job retries.
    void this.sync.relayRevocation(d.address).catch((err) => this.logger.warn({ device: d.address, err: (err as Error).message }, 'revocation relayed later'));
  }

  /** What the owner signs to hand the device over: the registry's domain and the nonce the signature must carry. */
  async transferTerms(address: string, by: Principal): Promise<DeviceTransferTermsView> {
    const d = await this.owned(address, by);
    return { domain: this.domains().registration as DeviceTransferTermsView['domain'], nonce: await this.transferNonce(d), onChain: this.sync.onChain };
  }

  /**
   * The owner hands the device to another account with a signature DeviceRegistry.transferBySig
   * accepts: it changes hands here at once and the signature is relayed to the registry (a refusal
   * there undoes it here). Devices on the denylist stay with their owner until it is lifted.
   */
  async transfer(address: string, req: TransferRequest, by: Principal): Promise<DeviceTransferView> {
    const d = await this.owned(address, by);
    if (d.revokedAt) throw new DeviceError('device_revoked', 'A revoked device cannot be handed over.');
    if (d.denylisted) throw new DeviceError('denylisted', `This device is on the denylist (${d.denylisted}); it cannot change hands until that is lifted.`);
    const to = req.to.toLowerCase();
    if (to === d.owner || BigInt(to) === 0n) throw new DeviceError('bad_recipient', 'Hand the device to another account: not to yourself, not to the zero address.');
    if (req.deadline * 1000 < Date.now()) throw new DeviceError('transfer_expired', 'The signed transfer has expired; sign it again.');
    const nonce = await this.transferNonce(d);
    const message = { device: d.address, to, nonce, deadline: req.deadline };
    if (typedSigner(this.domains().registration, DEVICE_TRANSFER_TYPES, message, req.ownerSignature)?.address !== d.owner) {
      throw new DeviceError('bad_owner_signature', `The transfer was not signed by the device's owner over its current nonce (${nonce}).`, { nonce });
    }
    const onChain = this.sync.onChain;
    const t = await this.transfers.transfer({
      device: d.address,
      from: d.owner,
      to,
      nonce,
      deadline: req.deadline,
      signature: req.ownerSignature,
      status: onChain ? 'queued' : 'off_chain',
    });
    if (t === 'owner_changed') throw new DeviceError('not_device_owner', 'The device changed hands or was revoked meanwhile.');
    if (t === 'nonce_used') throw new DeviceError('transfer_replayed', `A transfer with nonce ${nonce} is already recorded for this device.`, { nonce });
    if (onChain) await this.sync.relayTransfer(t).catch((err) => this.logger.warn({ device: d.address, err: (err as Error).message }, 'transfer relayed later'));
    this.logger.log({ device: d.address, from: d.owner, to, nonce }, 'device transferred');
    return transferView(t);
  }

  /** The transfers the caller gave or received, newest first, with where each stands on the registry. */
  async myTransfers(by: Principal): Promise<DeviceTransferView[]> {
    return (await this.transfers.forParty(by.subject)).map(transferView);
  }

  /**
   * Entries are scoped to a venue, authorised against the venue the server finds: a device's own
   * (staff of another venue are refused), or for an owner the venue given, where it stops only that
   * owner's devices there. Only an admin makes an entry for every venue (an owner without a venue).
   */
  async denylist(type: 'device' | 'owner', subject: string, reason: string, venueId: string | undefined, by: Principal): Promise<void> {
    const s = subject.toLowerCase();
    let at: string | null;
    if (type === 'device') {
      const d = await this.repo.find(s);
      if (!d) throw new DeviceError('device_not_found', `No device ${subject}.`);
      this.requireStaffAt(by, d.venueId);
      if (venueId && venueId !== d.venueId) throw new DeviceError('venue_mismatch', `This device is at venue ${d.venueId}, not ${venueId}.`, { venueId: d.venueId });
      at = d.venueId;
    } else {
      if (!venueId && !isAdmin(by)) throw new DeviceError('venue_required', 'Name the venue where this owner is denylisted (venueId).');
      if (venueId) this.requireStaffAt(by, venueId);
      at = venueId ?? null;
    }
    await this.repo.denylist(type, s, reason, at, by.subject);
    this.logger.warn({ type, subject: s, venueId: at, reason, by: by.subject }, 'denylisted');
  }

  private requireStaffAt(by: Principal, venueId: string): void {
    if (isAdmin(by) || by.roles.includes(`staff@${venueId}`)) return;
    throw new DeviceError('not_venue_staff', `Only staff of venue ${venueId} may denylist there.`, { venueId });
  }

  private async owned(address: string, by: Principal): Promise<DeviceRow> {
    const d = await this.repo.find(address.toLowerCase());
    // As GET /devices/:address/chain: someone else's device is not told apart from no device.
    if (!d || d.owner !== by.subject) throw new DeviceError('device_not_found', 'You own no device with this address.');
    return d;
  }

  /** The nonce the owner's next transfer signature must carry: the registry's (which must agree on the owner), or ours without a chain. */
  private async transferNonce(d: DeviceRow): Promise<number> {
    if (!this.sync.onChain) return this.transfers.offChainNonce(d.address);
    let onChain;
    try {
      onChain = await this.sync.registryDevice(d.address);
    } catch (err) {
      throw new DeviceError('chain_unavailable', `The chain cannot be read right now (${(err as Error).message.slice(0, 120)}); try again shortly.`);
    }
    if (onChain.revoked) throw new DeviceError('device_revoked', 'The registry has revoked this device.');
    if (onChain.owner !== d.owner) {
      throw new DeviceError('chain_pending', 'The registry has not caught up with this device yet (its registration or last transfer is on its way); try again in a moment.');
    }
    return onChain.nonce;
  }

  /**
   * What the devices said about themselves between `from` and `to`: heartbeat count, how many
   * `bucketS`-second buckets had one (uptime), and the medians of reported clients and throughput.
   * Devices with no heartbeat in the window are absent.
   */
  async heartbeatSummary(devices: string[], from: Date, to: Date, bucketS = 60): Promise<HeartbeatSummary[]> {
    return this.logs.heartbeatSummary(
      devices.map((d) => d.toLowerCase()),
      from,
      to,
      bucketS,
    );
  }

  /** The owner asks staff to lift the denylisting that stops their device; one open appeal per device. */
  async fileAppeal(address: string, message: string, by: Principal): Promise<AppealView> {
    const d = await this.repo.find(address.toLowerCase());
    if (!d) throw new DeviceError('device_not_found', `No device ${address}.`);
    if (d.owner !== by.subject) throw new DeviceError('not_device_owner', 'Only the owner of a device can appeal for it.');
    const entry = await this.logs.activeDenylisting(d.address, d.owner, d.venueId);
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

  view(d: DeviceRow): DeviceView {
    return deviceView(d);
  }

  private async publishStatus(d: DeviceRow): Promise<void> {
    const status = this.status(d);
    if (this.lastStatus.get(d.address) === status) return;
    this.lastStatus.set(d.address, status);
    await this.realtime.publish(`staff:${d.venueId}`, { type: 'device.status', device: d.address, kind: d.kind, sectionCode: d.sectionCode, status });
  }
}

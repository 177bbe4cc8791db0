import { randomBytes } from 'node:crypto';
import {
  encodePairingQr,
  normalizeCode,
  PAIRING_DOMAIN,
  PAIRING_OFFER_TYPES,
  REGISTRATION_TYPES,
  shortCode,
  uuidToBytes32,
  type DeviceKind,
  type PairingOffer,
  type PairingPayload,
  type TypedDataDomain,
} from '@fanmesh/protocol';
import { getAddress } from 'ethers';
import QRCode from 'qrcode';
import type { ApiClient } from './api';
import type { DeviceKey } from './key';

export class PairingError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The device's side of pairing. It shows a signed offer (QR + short code), renewed before it
 * expires; the owner's app scans it, asks this agent (status page, `POST /pairing/registration`,
 * with the code) to sign the Registration {device, owner, venueId, deadline} in the API's
 * registration domain, adds the owner's own signature and sends both to `POST /devices/pairings`.
 * The device key never leaves the device; the code proves the asker saw the device's screen.
 */
export class Pairing {
  private current: { offer: PairingOffer; code: string } | undefined;
  private previous: { offer: PairingOffer; code: string } | undefined;

  constructor(
    private readonly key: DeviceKey,
    private readonly kind: DeviceKind,
    private readonly api: ApiClient,
    private readonly ttlS = 600,
  ) {}

  /** The offer to show now; a new one when the current one is within a minute of expiring. */
  async offer(): Promise<{ offer: PairingOffer; code: string; renewed: boolean }> {
    const now = Math.floor(Date.now() / 1000);
    if (this.current && this.current.offer.expiresAt - now > 60) return { ...this.current, renewed: false };
    const value = { device: this.key.address, kind: this.kind, nonce: '0x' + randomBytes(32).toString('hex'), expiresAt: now + this.ttlS };
    const signature = await this.key.signTypedData(PAIRING_DOMAIN, PAIRING_OFFER_TYPES, value);
    this.previous = this.current;
    this.current = { offer: { ...value, signature }, code: shortCode(value.nonce) };
    return { ...this.current, renewed: true };
  }

  payload(agentUrl: string | undefined, o: { offer: PairingOffer; code: string }): PairingPayload {
    return { fanmesh: 'pair', v: 1, offer: o.offer, ...(agentUrl ? { agent: agentUrl } : {}), code: o.code };
  }

  /** The text of the QR the agent shows: the compact form (protocol's `encodePairingQr`), quick for a phone camera to read. */
  static qrText(payload: PairingPayload): string {
    return encodePairingQr(payload);
  }

  static terminalQr(text: string): Promise<string> {
    return QRCode.toString(text, { type: 'terminal', small: true, errorCorrectionLevel: 'L' });
  }

  static svgQr(text: string): Promise<string> {
    return QRCode.toString(text, { type: 'svg', margin: 2, errorCorrectionLevel: 'L' });
  }

  /** The offer a typed code (or a scanned nonce) stands for, while it is valid. */
  find(codeOrNonce: string): PairingOffer | undefined {
    const now = Math.floor(Date.now() / 1000);
    for (const o of [this.current, this.previous]) {
      if (!o || o.offer.expiresAt <= now) continue;
      if (codeOrNonce.toLowerCase() === o.offer.nonce || normalizeCode(codeOrNonce) === normalizeCode(o.code)) return o.offer;
    }
    return undefined;
  }

  /** The device's signature over the registration an owner asks for (after checking the code). */
  async signRegistration(req: { code?: unknown; owner?: unknown; venueId?: unknown; deadline?: unknown }): Promise<{
    offer: PairingOffer;
    registration: { device: string; owner: string; venueId: string; deadline: number };
    domain: TypedDataDomain;
    deviceSignature: string;
  }> {
    const offer = typeof req.code === 'string' ? this.find(req.code) : undefined;
    if (!offer) throw new PairingError(403, 'bad_code', 'That code is not the one this device shows (or it expired): read it again from the device.');
    let owner: string;
    try {
      owner = getAddress(String(req.owner));
    } catch {
      throw new PairingError(400, 'bad_owner', 'owner must be the 0x address of the account that will own this device.');
    }
    if (typeof req.venueId !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(req.venueId)) {
      throw new PairingError(400, 'bad_venue', 'venueId must be the venue UUID.');
    }
    const now = Math.floor(Date.now() / 1000);
    const deadline = Number(req.deadline);
    if (!Number.isInteger(deadline) || deadline <= now || deadline > now + 86_400) {
      throw new PairingError(400, 'bad_deadline', 'deadline must be unix seconds within the next 24 hours.');
    }
    const domains = await this.api.request<{ registration: TypedDataDomain }>('GET', '/api/v1/devices/pairing-domains');
    if (domains.status !== 200) throw new PairingError(502, 'api_unavailable', `The API did not give its pairing domains (${domains.status}); try again.`);
    const domain = domains.body.registration;
    const registration = { device: this.key.address, owner, venueId: uuidToBytes32(req.venueId), deadline };
    const deviceSignature = await this.key.signTypedData(domain, REGISTRATION_TYPES, registration);
    return { offer, registration, domain, deviceSignature };
  }
}

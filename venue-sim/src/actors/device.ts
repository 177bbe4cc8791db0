import { randomBytes } from 'node:crypto';
import { getBytes, hexlify, SigningKey, TypedDataDomain } from 'ethers';
import { Answer, ApiClient, RequestObserver } from '../client';
import { Challenge, challengeDigest, Envelope, freshWallet, PAIRING_DOMAIN, PAIRING_OFFER_TYPES, REGISTRATION_TYPES, signEnvelope, venueIdBytes32 } from '../protocol';
import type { Fan } from './fan';

export type DeviceKind = 'hotspot' | 'sensor' | 'gate';

/** A device owner: a fan account that pairs its boxes from the app. */
export class Owner {
  readonly wallet = freshWallet();
  readonly client: ApiClient;
  constructor(url: string, observe?: RequestObserver) {
    this.client = new ApiClient(url, observe);
  }
  async signIn(): Promise<this> {
    await this.client.signIn(this.wallet);
    return this;
  }
}

/**
 * A device with its own secp256k1 key: paired by its owner with the device-signed offer and both
 * signatures over the registration, then talking only in signed envelopes with a rising seq.
 */
export class Device {
  readonly wallet = freshWallet();
  private readonly key = new SigningKey(this.wallet.privateKey);
  seq = 0;
  readonly sent: Envelope[] = [];
  private outbox: Promise<unknown> = Promise.resolve();

  constructor(
    readonly kind: DeviceKind,
    readonly section: string,
    readonly owner: Owner,
    protected devices: ApiClient,
  ) {}

  /** Posts its envelopes through `client` from now on (a ground's devices at the next match, counted by its meter). */
  connect(client: ApiClient): this {
    this.devices = client;
    return this;
  }

  get address(): string {
    return this.wallet.address.toLowerCase();
  }

  async pair(venueId: string, registrationDomain: TypedDataDomain): Promise<void> {
    const offer = { device: this.wallet.address, kind: this.kind, nonce: hexlify(randomBytes(32)), expiresAt: Math.floor(Date.now() / 1000) + 300 };
    const registration = { device: this.wallet.address, owner: this.owner.wallet.address, venueId: venueIdBytes32(venueId), deadline: Math.floor(Date.now() / 1000) + 3600 };
    await this.owner.client.post('/api/v1/devices/pairings', {
      offer: { ...offer, signature: await this.wallet.signTypedData(PAIRING_DOMAIN, PAIRING_OFFER_TYPES, offer) },
      venueId,
      sectionCode: this.section,
      deadline: registration.deadline,
      deviceSignature: await this.wallet.signTypedData(registrationDomain, REGISTRATION_TYPES, registration),
      ownerSignature: await this.owner.wallet.signTypedData(registrationDomain, REGISTRATION_TYPES, registration),
    });
  }

  envelope(body: object): Envelope {
    const env = signEnvelope(this.key, this.wallet.address, ++this.seq, body);
    if (this.sent.length < 50) this.sent.push(env);
    return env;
  }

  /** One message at a time, in seq order, as firmware does: the API refuses a seq below one it already took. */
  send<T = Record<string, unknown>>(body: object): Promise<Answer<T>> {
    const next = this.outbox.then(() => this.devices.attempt<T>('POST', '/api/v1/devices/messages', this.envelope(body)));
    this.outbox = next.catch(() => undefined);
    return next;
  }

  /** Sends an envelope exactly as it was captured: what a replaying attacker does. */
  replay(env: Envelope): Promise<Answer> {
    return this.devices.attempt('POST', '/api/v1/devices/messages', env);
  }

  heartbeat(extra: Record<string, unknown> = {}): Promise<Answer> {
    return this.send({ type: 'heartbeat', uptimeS: Math.floor(process.uptime()), ...extra });
  }
}

/** A WiFi hotspot: asks the server for challenges and signs them for the phones connected through it. */
export class Hotspot extends Device {
  constructor(section: string, owner: Owner, devices: ApiClient) {
    super('hotspot', section, owner, devices);
  }

  async challenges(eventId: string, count: number): Promise<Challenge[]> {
    const a = await this.send<{ challenges: Challenge[] }>({ type: 'challenge.request', eventId, count });
    if (a.status !== 200) throw new Error(`challenge.request refused: ${a.status} ${a.body.code}`);
    return a.body.challenges;
  }

  /** The hotspot's raw signature over the challenge, as its firmware hands it to phones. */
  sign(c: Challenge): string {
    return new SigningKey(this.wallet.privateKey).sign(getBytes(challengeDigest(c))).serialized;
  }

  /** One challenge, signed and co-signed by a connected phone. */
  async witnessedBy(fan: Fan, eventId: string): Promise<Answer<{ verdict: string; witnessId: string }>> {
    const [c] = await this.challenges(eventId, 1);
    return fan.witness(c, this.sign(c));
  }
}

export type ReadingKind = 'sound' | 'turnstile' | 'occupancy';

/** An attendance or sound sensor: batches of signed readings. */
export class Sensor extends Device {
  constructor(
    readonly measures: ReadingKind,
    section: string,
    owner: Owner,
    devices: ApiClient,
  ) {
    super('sensor', section, owner, devices);
  }

  readings(eventId: string, readings: [ReadingKind, number, number][]): Promise<Answer<{ readings: number }>> {
    return this.send({ type: 'readings', eventId, readings });
  }
}

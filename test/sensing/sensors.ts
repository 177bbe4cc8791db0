import { BaseWallet, getBytes, SigningKey } from 'ethers';
import request from 'supertest';
import { envelopeDigest } from '@fanmesh/protocol';
import { adminPrincipal, type RunningApp } from '../support/app';
import { pairDeviceKey } from '../support/devices';

export type Reading = [kind: string, atMs: number, value: number, label?: string];

/** A paired device with its own key that signs envelopes with a strictly increasing seq. */
export class Sensor {
  seq = 0;
  constructor(
    readonly api: RunningApp,
    readonly wallet: BaseWallet,
    readonly owner: BaseWallet,
    readonly section: string,
  ) {}

  get address(): string {
    return this.wallet.address.toLowerCase();
  }

  /**
   * Pairs a fresh device key (kind sensor, hotspot or gate) to `venueId`/`section` under `owner`
   * (fresh if omitted). `approved`: the venue's staff approve it, as a venue does for the sensors it
   * installs, so it starts at full trust (a new sensor otherwise earns it).
   */
  static async pair(
    api: RunningApp,
    venueId: string,
    section: string,
    opts: { kind?: 'sensor' | 'gate' | 'hotspot'; owner?: BaseWallet; approved?: boolean } = {},
  ): Promise<Sensor> {
    const { device, owner } = await pairDeviceKey(api, venueId, section, opts);
    const sensor = new Sensor(api, device, owner, section);
    if (opts.approved) await sensor.approve(venueId);
    return sensor;
  }

  /** The venue's staff (here an admin) approve this sensor. */
  async approve(venueId: string): Promise<void> {
    const res = await request(this.api.url)
      .post(`/api/v1/venues/${venueId}/sensors/${this.address}/approval`)
      .set('authorization', `Bearer ${await this.api.tokenFor(adminPrincipal)}`);
    if (res.status !== 200) throw new Error(`approving sensor ${this.address}: ${res.status} ${JSON.stringify(res.body)}`);
  }

  /** A signed envelope (the next seq unless given), exactly as a device would send it. */
  envelope(body: object, opts: { seq?: number; sentAt?: string } = {}) {
    const seq = opts.seq ?? ++this.seq;
    const sentAt = opts.sentAt ?? new Date().toISOString();
    const b = JSON.stringify(body);
    const signature = new SigningKey(this.wallet.privateKey).sign(getBytes(envelopeDigest(this.wallet.address, seq, sentAt, b))).serialized;
    return { deviceId: this.wallet.address, seq, sentAt, body: b, signature };
  }

  readingsEnvelope(eventId: string, readings: Reading[], opts: { seq?: number; sentAt?: string } = {}) {
    return this.envelope({ type: 'readings', eventId, readings }, opts);
  }

  /** Sends readings; resolves to the HTTP answer (status and body). */
  async send(eventId: string, readings: Reading[]): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await request(this.api.url).post('/api/v1/devices/messages').send(this.readingsEnvelope(eventId, readings));
    return { status: res.status, body: res.body };
  }
}

export async function eventually<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

import { BaseWallet, getBytes, SigningKey, Wallet } from 'ethers';
import request, { Response } from 'supertest';
import { Challenge, challengeDigest, envelopeDigest, witnessDigest } from '@fanmesh/protocol';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import type { RunningApp } from '../support/app';
import { pairDeviceKey } from '../support/devices';
import { IssuedTicket, qrFor } from '../support/tickets';

/** A paired device with its own key and its own envelope sequence. */
export class TestDevice {
  private seq = 0;
  constructor(
    readonly wallet: BaseWallet,
    readonly owner: BaseWallet,
    readonly section: string,
  ) {}

  get address(): string {
    return this.wallet.address.toLowerCase();
  }

  envelope(body: object, seq = ++this.seq, sentAt = new Date().toISOString()) {
    const b = JSON.stringify(body);
    const signature = new SigningKey(this.wallet.privateKey).sign(getBytes(envelopeDigest(this.wallet.address, seq, sentAt, b))).serialized;
    return { deviceId: this.wallet.address, seq, sentAt, body: b, signature };
  }

  /** The hotspot's raw signature over the challenge, as its firmware hands it to phones. */
  sign(c: Challenge): string {
    return new SigningKey(this.wallet.privateKey).sign(getBytes(challengeDigest(c))).serialized;
  }
}

export async function fanAuth(api: RunningApp, w: BaseWallet): Promise<string> {
  return `Bearer ${await api.tokenFor({ subject: w.address.toLowerCase(), kind: 'account', roles: ['fan'] })}`;
}

/** Pairs a device (real offer and both registration signatures) in a section of the demo venue. */
export async function pairDevice(api: RunningApp, section: string, opts: { kind?: 'hotspot' | 'sensor'; owner?: BaseWallet; venueId?: string } = {}): Promise<TestDevice> {
  const { device, owner } = await pairDeviceKey(api, opts.venueId ?? DEMO_VENUE_ID, section, { kind: opts.kind ?? 'hotspot', owner: opts.owner });
  return new TestDevice(device, owner, section);
}

export function sendEnvelope(api: RunningApp, env: object) {
  return request(api.url).post('/api/v1/devices/messages').send(env);
}

/** Asks for `count` challenges with a signed envelope; throws with the problem when refused. */
export async function challenges(api: RunningApp, hotspot: TestDevice, eventId: string, count = 1): Promise<Challenge[]> {
  const res = await sendEnvelope(api, hotspot.envelope({ type: 'challenge.request', eventId, count }));
  if (res.status !== 200) throw new Error(`challenge.request refused: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.challenges;
}

/** What a fan's phone submits after co-signing the hotspot-signed challenge. */
export async function witnessBody(fan: BaseWallet, c: Challenge, hotspotSignature: string, opts: { signedAt?: string; eventId?: string } = {}) {
  const signedAt = opts.signedAt ?? new Date().toISOString();
  const eventId = opts.eventId ?? c.eventId;
  const fanSignature = await fan.signMessage(getBytes(witnessDigest(challengeDigest(c), fan.address, c.eventId, signedAt)));
  return { challengeId: c.id, eventId, hotspotSignature, fanSignature, signedAt };
}

/** Submits a witness as `fan` (or with `auth`); awaitable, or `.expect(status)` like supertest. */
export function submit(api: RunningApp, fan: BaseWallet, body: object, auth?: string) {
  const sent = (async () => request(api.url).post('/api/v1/coverage/witnesses').set('authorization', auth ?? (await fanAuth(api, fan))).send(body))();
  return {
    then: sent.then.bind(sent),
    async expect(status: number): Promise<Response> {
      const res = await sent;
      if (res.status !== status) throw new Error(`expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
      return res;
    },
  };
}

/** One fresh challenge from the hotspot, signed by it, co-signed by the fan, submitted: the verdict. */
export async function witness(api: RunningApp, hotspot: TestDevice, fan: BaseWallet, eventId: string): Promise<{ verdict: string; witnessId: string; hotspot: string; eventId: string }> {
  const [c] = await challenges(api, hotspot, eventId);
  const res = await submit(api, fan, await witnessBody(fan, c, hotspot.sign(c)));
  if (res.status !== 200) throw new Error(`witness refused: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Tickets for fresh keys, round robin over `sections`, on seats no other call takes. */
export async function ticketsFor(api: RunningApp, admin: string, eventId: string, count: number, sections: string[]): Promise<IssuedTicket[]> {
  const wallets = Array.from({ length: count }, () => Wallet.createRandom());
  const seats = wallets.map((w, i) => ({ holder: w.address, section: sections[i % sections.length], seat: `s-${w.address.slice(2, 12)}`, tier: 'standard' }));
  const { body } = await request(api.url).post(`/api/v1/events/${eventId}/tickets`).set('authorization', admin).send({ tickets: seats }).expect(201);
  return body.tickets.map((t: Omit<IssuedTicket, 'wallet'>, k: number) => ({ ...t, wallet: wallets[k] }));
}

/** Fans with tickets in the given sections, admitted through the gate that serves each section. */
export async function admittedFans(api: RunningApp, admin: string, eventId: string, count: number, sections: string[]): Promise<BaseWallet[]> {
  const venue = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`).expect(200)).body;
  const tickets = await ticketsFor(api, admin, eventId, count, sections);
  const byGate = new Map<string, typeof tickets>();
  for (const t of tickets) {
    const gate = venue.gates.find((g: { sectionCodes: string[] }) => g.sectionCodes.includes(t.section));
    byGate.set(gate.id, [...(byGate.get(gate.id) ?? []), t]);
  }
  for (const [gateId, batch] of byGate) {
    for (let i = 0; i < batch.length; i += 50) {
      const chunk = batch.slice(i, i + 50);
      const res = await request(api.url).post(`/api/v1/gates/${gateId}/scans/batch`).set('authorization', admin).send({ codes: chunk.map((t) => qrFor(t, t.wallet)) }).expect(200);
      const refused = res.body.results.filter((r: { decision: string }) => r.decision !== 'admit');
      if (refused.length) throw new Error(`tickets not admitted: ${JSON.stringify(refused)}`);
    }
  }
  return tickets.map((t) => t.wallet); // in the order of `sections`, round robin
}

export async function transition(api: RunningApp, admin: string, eventId: string, to: string): Promise<void> {
  await request(api.url).post(`/api/v1/events/${eventId}/transitions`).set('authorization', admin).send({ to }).expect(200);
}

export async function setPolicy(api: RunningApp, admin: string, eventId: string, policy: { intervalS: number; fanWitnessesPerInterval: number; hotspotWitnessesPerInterval: number; challengeTtlS: number }) {
  await request(api.url).put(`/api/v1/coverage/events/${eventId}/policy`).set('authorization', admin).send(policy).expect(200);
}

import {
  decodePairingQr,
  DEVICE_TRANSFER_TYPES,
  REGISTRATION_TYPES,
  type DeviceEarningsView,
  type DeviceReadingsView,
  type DeviceTransferTermsView,
  type DeviceTransferView,
  type PairingPayload,
  uuidToBytes32,
  type DeviceView,
  type EventView,
  type TypedDataDomain,
  type VenueSummaryView,
  type VenueView,
} from '@fanmesh/protocol';
import { ApiProblem, getJson, postJson } from '../api/client';
import type { Session } from '../lib/session';

export type { PairingPayload };

/** Reads a scanned QR (the agent's compact form, or its JSON); undefined when it is not a FanMesh pairing code. */
export const parsePairing = (text: string): PairingPayload | undefined => decodePairingQr(text);

/** The agent's status page URL as typed: a bare host:port gets http://, trailing slashes go. */
export function agentUrl(typed: string): string {
  const t = typed.trim().replace(/\/+$/, '');
  return /^https?:\/\//i.test(t) ? t : `http://${t}`;
}

async function agentCall<T>(url: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch {
    throw new ApiProblem(0, 'agent_unreachable', `Cannot reach the device at ${new URL(url).origin}. Is this phone on the same network as the device?`);
  }
  const body = (await res.json().catch(() => ({}))) as T & { code?: string; detail?: string };
  if (!res.ok) throw new ApiProblem(res.status, body.code ?? 'agent_error', body.detail ?? `The device answered ${res.status}.`);
  return body;
}

/** Typed path: the offer the device shows now, read from its status page. */
export async function offerFromAgent(agent: string, code: string): Promise<PairingPayload> {
  const p = await agentCall<PairingPayload>(`${agentUrl(agent)}/pairing.json`);
  const norm = (c: string) =>
    c
      .toUpperCase()
      .replace(/[^0-9A-Z]/g, '')
      .replace(/O/g, '0')
      .replace(/[IL]/g, '1');
  if (norm(p.code) !== norm(code)) throw new ApiProblem(403, 'bad_code', 'That code is not the one this device shows now: read it again from the device.');
  return { ...p, agent: agentUrl(agent) };
}

export type PairStep = 'device' | 'owner' | 'api' | 'chain' | 'online';

/**
 * The owner's steps 4 and 5: the device signs the registration (its status page), this phone's key
 * signs the same registration, and both go to the API with the device's offer.
 */
export async function pairDevice(session: Session, p: PairingPayload, venueId: string, sectionCode: string, step: (s: PairStep) => void): Promise<DeviceView> {
  if (!p.agent) throw new ApiProblem(400, 'no_agent', "This code does not say where the device answers: type the device's address.");
  const deadline = Math.floor(Date.now() / 1000) + 3600;
  const owner = session.wallet.address;
  const [signed, domains] = await Promise.all([
    agentCall<{ deviceSignature: string }>(`${p.agent}/pairing/registration`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: p.code, owner, venueId, sectionCode, deadline }),
    }),
    getJson<{ registration: TypedDataDomain; onChain: boolean }>('/api/v1/devices/pairing-domains'),
  ]);
  step('owner');
  const registration = { device: p.offer.device, owner, venueId: uuidToBytes32(venueId), deadline };
  const ownerSignature = await session.wallet.signTypedData(domains.registration as never, REGISTRATION_TYPES as never, registration);
  step('api');
  const view = await postJson<DeviceView>('/api/v1/devices/pairings', { offer: p.offer, venueId, sectionCode, deadline, deviceSignature: signed.deviceSignature, ownerSignature });
  step('chain');
  return view;
}

export interface ChainStatus {
  onChain: boolean;
  status: 'no_chain' | 'not_queued' | 'pending' | 'sent' | 'confirmed' | 'failed';
  blockNumber: number | null;
  lastError: string | null;
}

export const chainStatus = (address: string) => getJson<ChainStatus>(`/api/v1/devices/${address}/chain`);
export const myDevices = () => getJson<DeviceView[]>('/api/v1/devices/mine');
export const venues = () => getJson<VenueSummaryView[]>('/api/v1/venues');
export const venue = (id: string) => getJson<VenueView>(`/api/v1/venues/${id}`);
export const revokeDevice = (address: string, reason: string) => postJson<void>(`/api/v1/devices/${address}/revoke`, { reason });
export const fileAppeal = (address: string, message: string) => postJson<unknown>(`/api/v1/devices/${address}/appeals`, { message });
export const myTransfers = () => getJson<DeviceTransferView[]>('/api/v1/devices/transfers/mine');

export type TransferStep = 'sign' | 'api';

/** Fired after a transfer is accepted, so the transfers list shows it at once (the device's card is gone with it). */
export const transfers = new EventTarget();

/**
 * The owner hands a device over: the API names the registry's domain and the device's transfer
 * nonce, this phone's key signs Transfer(device, to, nonce, deadline) (what DeviceRegistry.transferBySig
 * checks), and the API moves it and relays the signature to the chain.
 */
export async function transferDevice(session: Session, device: string, to: string, step: (s: TransferStep) => void): Promise<DeviceTransferView> {
  step('sign');
  const terms = await getJson<DeviceTransferTermsView>(`/api/v1/devices/${device}/transfer`);
  const deadline = Math.floor(Date.now() / 1000) + 3600;
  const ownerSignature = await session.wallet.signTypedData(terms.domain as never, DEVICE_TRANSFER_TYPES as never, { device, to, nonce: terms.nonce, deadline });
  step('api');
  const view = await postJson<DeviceTransferView>(`/api/v1/devices/${device}/transfer`, { to, deadline, ownerSignature });
  transfers.dispatchEvent(new Event('transferred'));
  return view;
}

/** The hotspot report the coverage owner endpoint gives for one event. */
export interface HotspotReport {
  hotspot: string;
  eventId: string;
  verdicts: Record<string, number>;
  refusals: { reason: string; count: number; meaning: string }[];
  uniqueWitnesses: number;
  uptime: number;
  quality: number;
  score: number;
  storedScore: number | null;
  denylist: { reason: string; appeal: { status: string; decisionNote: string | null } | null } | null;
}

/** The latest event at each venue that has begun (live, gates open or ended), for the hotspot reports. */
export async function currentEvent(venueId: string): Promise<EventView | undefined> {
  const events = await getJson<EventView[]>(`/api/v1/events?venueId=${venueId}`).catch(() => [] as EventView[]);
  return events.find((e) => e.status === 'live' || e.status === 'gates_open') ?? events.find((e) => e.status === 'ended');
}

export const myHotspots = (eventId: string) => getJson<HotspotReport[]>(`/api/v1/coverage/events/${eventId}/hotspots/mine`);

/** Per event: readings accepted, refused and why (GET /devices/:address/readings). */
export const deviceReadings = (address: string) => getJson<DeviceReadingsView>(`/api/v1/devices/${address}/readings`);
/** Per reward epoch: score and earnings, and the owner's claim (GET /devices/:address/earnings). */
export const deviceEarnings = (address: string) => getJson<DeviceEarningsView>(`/api/v1/devices/${address}/earnings`);

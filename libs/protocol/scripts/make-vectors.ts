/**
 * Writes libs/protocol/vectors.json: fixed keys, inputs and the expected outputs of every wire format
 * in @fanmesh/protocol. Run once when a format is added (never to "fix" a failing check: a changed
 * output is a changed protocol, and every deployed client would disagree):
 *
 *   npx esbuild libs/protocol/scripts/make-vectors.ts --bundle --platform=node --log-level=warning --outfile=/tmp/make-vectors.cjs && node /tmp/make-vectors.cjs
 *
 * Signatures are deterministic (RFC 6979), so the same keys always give the same file.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { getBytes, hexlify, id, SigningKey, TypedDataEncoder, Wallet } from 'ethers';
import {
  BALLOT_TYPES,
  bytes16ToUuid,
  CLAIM_TYPES,
  challengeDigest,
  decodeQr,
  DEVICE_TRANSFER_TYPES,
  DOMAIN_NAMES,
  eip712Domain,
  encodeMerchTag,
  encodeQr,
  envelopeDigest,
  MERCH_DOMAIN,
  MERCH_TYPES,
  momentContextDigest,
  type MomentEvidenceContext,
  PAIRING_DOMAIN,
  PAIRING_OFFER_TYPES,
  parseChannel,
  PERMIT_TYPES,
  pollKey,
  qrDigest,
  qrMessageHash,
  QR_WINDOW_SECONDS,
  REGISTRATION_TYPES,
  TICKET_DOMAIN,
  TICKET_TYPES,
  ticketHash,
  ticketTypedValue,
  uuid16,
  uuidToBytes16,
  uuidToBytes32,
  witnessDigest,
  type TypedDataDomain,
  type TypedDataTypes,
} from '../src';

/** A key from its name: keccak256("fanmesh protocol vectors: <name>"). Test keys only: never fund them. */
const key = (name: string) => {
  const privateKey = id(`fanmesh protocol vectors: ${name}`);
  const k = new SigningKey(privateKey);
  return { privateKey, address: new Wallet(privateKey).address.toLowerCase(), publicKey: k.compressedPublicKey, signingKey: k, wallet: new Wallet(privateKey) };
};
const keys = {
  issuer: key('ticket issuer'),
  holder: key('ticket holder'),
  device: key('device'),
  hotspot: key('hotspot'),
  fan: key('fan'),
  owner: key('device owner'),
  merchIssuer: key('merch issuer'),
};

const sign = (k: { signingKey: SigningKey }, digest: string | Uint8Array) => k.signingKey.sign(getBytes(digest)).serialized;
const personal = (k: { wallet: Wallet }, digest: string) => k.wallet.signMessageSync(getBytes(digest));
const typed = (domain: TypedDataDomain, types: TypedDataTypes, message: Record<string, unknown>) => TypedDataEncoder.hash(domain, types, message);

const EVENT = '5eed0000-0000-4000-8000-0000000000e1';
const VENUE = '5eed0000-0000-4000-8000-00000000000a';
const TICKETS = ['3f1c2b9a-7d4e-4c1a-9b2f-0a1b2c3d4e5f', 'A3C1F1C2-3B7E-4D55-9B3A-1D2E3F405060'];

// ---------------------------------------------------------------- ids

const uuids = [EVENT, VENUE, ...TICKETS, '7c9e6679-7425-40de-944b-e07fc1f90ae7'].map((uuid) => ({
  uuid,
  bytes16: uuidToBytes16(uuid),
  bytes16Lower: uuid16(uuid),
  bytes32: uuidToBytes32(uuid),
  pollKey: pollKey(uuid),
  roundTrip: bytes16ToUuid(uuidToBytes16(uuid)),
}));

// ---------------------------------------------------------------- tickets and their codes

const tickets = [
  { ticketId: TICKETS[0], eventId: EVENT, holder: keys.holder.address, section: 'N101', seat: '12', tier: 'standard', version: 1 },
  { ticketId: TICKETS[0], eventId: EVENT, holder: keys.fan.address, section: 'N101', seat: '12', tier: 'standard', version: 2 },
  { ticketId: TICKETS[1].toLowerCase(), eventId: EVENT, holder: keys.holder.address, section: 'S-2', seat: 'Fila 3 · 7ª', tier: 'vip', version: 4294967295 },
].map((claims) => {
  const digest = hexlify(ticketHash(claims));
  return { claims, typedValue: ticketTypedValue(claims), digest, issuerSignature: sign(keys.issuer, digest) };
});

const qr = [
  { ticketId: TICKETS[0], version: 1, window: 0 },
  { ticketId: TICKETS[0], version: 3, window: 123456789 },
  { ticketId: TICKETS[0], version: 1, window: Math.floor(Date.parse('2026-12-20T20:00:07.000Z') / 1000 / QR_WINDOW_SECONDS) },
  { ticketId: TICKETS[1].toLowerCase(), version: 4294967295, window: 2 ** 40 },
].map((q) => {
  const digest = qrDigest(q.ticketId, q.version, q.window);
  const signature = personal(keys.holder, digest);
  const code = encodeQr({ ...q, signature: getBytes(signature) });
  return { ...q, digest, messageHash: hexlify(qrMessageHash(q.ticketId, q.version, q.window)), signature, code, signer: keys.holder.address };
});

const good = qr[1].code;
/** Codes the gate reads (Node's lenient base64url: skipped characters, a trailing `=` or lone character) and what they say. */
const qrLenient = [good + '=', good + 'A', good.slice(0, 40) + ' ' + good.slice(40), good.slice(0, 10) + '.' + good.slice(10)].map((code) => {
  const p = decodeQr(code)!;
  return { code, ticketId: p.ticketId, version: p.version, window: p.window, signature: hexlify(p.signature) };
});
/** Strings that are not ticket codes. */
const qrRejected = ['', 'FM1.', 'FM2.' + good.slice(4), good + 'AA', good.slice(0, -4), 'x'.repeat(500), 'FM1.' + 'A'.repeat(196), good.slice(0, 60) + '=' + good.slice(61)];
for (const bad of qrRejected) if (decodeQr(bad)) throw new Error(`expected ${bad} to be refused`);

// ---------------------------------------------------------------- devices

const envelopes = [
  { seq: 1, sentAt: '2026-12-20T20:00:00.000Z', body: JSON.stringify({ type: 'heartbeat', clients: 3 }) },
  {
    seq: 7,
    sentAt: '2026-12-20T20:01:02.345Z',
    body: JSON.stringify({
      type: 'readings',
      eventId: EVENT,
      readings: [
        ['sound', 1797796862345, 88.5],
        ['turnstile', 1797796862345, 3, 'N-A'],
      ],
    }),
  },
  { seq: 2 ** 40, sentAt: '2026-12-20T20:01:02.345Z', body: '{"type":"heartbeat","note":"ünïcødé ✓"}' },
].map((e) => {
  const digest = envelopeDigest(keys.device.address, e.seq, e.sentAt, e.body);
  return { deviceId: keys.device.address, ...e, digest, signature: sign(keys.device, digest) };
});

const offer = { device: keys.device.address, kind: 'sensor', nonce: '0x' + '42'.repeat(32), expiresAt: 1797796800 };
const registration = { device: keys.device.address, owner: keys.owner.address, venueId: uuidToBytes32(VENUE), deadline: '1797800400' };
const CHAIN_ID = 31337;
const CONTRACT = '0x5fbdb2315678afecb367f032d93f642f64180aa3';

// ---------------------------------------------------------------- coverage

const challenges = [
  {
    id: '0b7e7c1e-1111-4aaa-8bbb-123456789abc',
    eventId: EVENT,
    hotspot: keys.hotspot.address,
    nonce: '0x' + '11'.repeat(32),
    issuedAt: '2026-12-20T20:00:00.000Z',
    expiresAt: '2026-12-20T20:00:30.000Z',
  },
  {
    id: 'A3C1F1C2-3B7E-4D55-9B3A-1D2E3F405060',
    eventId: EVENT.toUpperCase(),
    hotspot: new Wallet(keys.hotspot.privateKey).address,
    nonce: '0x' + 'ab'.repeat(32),
    issuedAt: '2026-12-20T20:00:00.000Z',
    expiresAt: '2026-12-20T20:00:30.999Z',
  },
].map((challenge) => {
  const digest = challengeDigest(challenge);
  return { challenge, digest, hotspotSignature: sign(keys.hotspot, digest) };
});

const witnesses = challenges.map((c, i) => {
  const input = {
    challengeDigest: c.digest,
    fan: i ? new Wallet(keys.fan.privateKey).address : keys.fan.address,
    eventId: c.challenge.eventId,
    signedAt: `2026-12-20T20:00:0${5 + i}.000Z`,
  };
  const digest = witnessDigest(input.challengeDigest, input.fan, input.eventId, input.signedAt);
  return { ...input, digest, fanSignature: personal(keys.fan, digest), signer: keys.fan.address };
});

// ---------------------------------------------------------------- merch

const merchTags = [
  { sku: 'SCARF-2026', serial: 'SC-000123' },
  { sku: 'CAMISOLA-Ñ', serial: 'Nº 7 · ✓' },
].map((item) => {
  const digest = typed(MERCH_DOMAIN, MERCH_TYPES, item);
  const signature = sign(keys.merchIssuer, digest);
  return { ...item, digest, signature, tag: encodeMerchTag({ ...item, signature }), issuer: keys.merchIssuer.address };
});

// ---------------------------------------------------------------- EIP-712

const contract = (name: string) => eip712Domain(name, CHAIN_ID, CONTRACT);
const typedMessages = [
  { name: 'ticket', domain: TICKET_DOMAIN, types: TICKET_TYPES, primaryType: 'Ticket', message: tickets[0].typedValue, signer: keys.issuer },
  { name: 'merch', domain: MERCH_DOMAIN, types: MERCH_TYPES, primaryType: 'MerchItem', message: { sku: merchTags[0].sku, serial: merchTags[0].serial }, signer: keys.merchIssuer },
  { name: 'pairing offer', domain: PAIRING_DOMAIN, types: PAIRING_OFFER_TYPES, primaryType: 'PairingOffer', message: offer, signer: keys.device },
  {
    name: 'registration (device)',
    domain: contract(DOMAIN_NAMES.DeviceRegistry),
    types: REGISTRATION_TYPES,
    primaryType: 'Registration',
    message: registration,
    signer: keys.device,
  },
  {
    name: 'registration (owner)',
    domain: contract(DOMAIN_NAMES.DeviceRegistry),
    types: REGISTRATION_TYPES,
    primaryType: 'Registration',
    message: registration,
    signer: keys.owner,
  },
  {
    name: 'registration, chain off',
    domain: { name: DOMAIN_NAMES.DeviceRegistry, version: '1' },
    types: REGISTRATION_TYPES,
    primaryType: 'Registration',
    message: registration,
    signer: keys.owner,
  },
  {
    name: 'device transfer',
    domain: contract(DOMAIN_NAMES.DeviceRegistry),
    types: DEVICE_TRANSFER_TYPES,
    primaryType: 'Transfer',
    message: { device: keys.device.address, to: keys.fan.address, nonce: '0', deadline: '1797800400' },
    signer: keys.owner,
  },
  {
    name: 'claim',
    domain: contract(DOMAIN_NAMES.RewardDistributor),
    types: CLAIM_TYPES,
    primaryType: 'Claim',
    message: { account: keys.fan.address, cumulativeAmount: '12500000000000000000', recipient: keys.fan.address, deadline: '1797800400' },
    signer: keys.fan,
  },
  {
    name: 'ballot',
    domain: contract(DOMAIN_NAMES.PollAttestor),
    types: BALLOT_TYPES,
    primaryType: 'Ballot',
    message: { pollId: pollKey('7c9e6679-7425-40de-944b-e07fc1f90ae7'), option: 2, issuedAt: 1797796800 },
    signer: keys.fan,
  },
  {
    name: 'ballot, chain off',
    domain: { name: DOMAIN_NAMES.PollAttestor, version: '1' },
    types: BALLOT_TYPES,
    primaryType: 'Ballot',
    message: { pollId: pollKey('7c9e6679-7425-40de-944b-e07fc1f90ae7'), option: 0, issuedAt: 1797796800 },
    signer: keys.fan,
  },
  {
    name: 'permit',
    domain: contract('FanMesh Token'),
    types: PERMIT_TYPES,
    primaryType: 'Permit',
    message: { owner: keys.fan.address, spender: CONTRACT, value: '1000000000000000000', nonce: '0', deadline: '1797800400' },
    signer: keys.fan,
  },
].map(({ signer, ...m }) => {
  const digest = typed(m.domain, m.types, m.message);
  return { ...m, digest, signature: sign(signer, digest), signer: signer.address };
});

// ---------------------------------------------------------------- channels

const channelNames = [
  `fan:${keys.fan.address}`,
  `event:${EVENT}`,
  `staff:${VENUE}`,
  `sponsor:${EVENT}`,
  `fan:${new Wallet(keys.fan.privateKey).address}`,
  `event:${EVENT.toUpperCase()}`,
  'event:not-a-uuid',
  'staff:',
  'admin:' + VENUE,
  `fan:${keys.fan.address}:x`,
];
const channelVectors = channelNames.map((name) => ({ name, parsed: parseChannel(name) ?? null }));

// ---------------------------------------------------------------- moment evidence context

// The exact JSON text is what the tree commits (key order and number spelling included), so the vector keeps the text.
const contextJson = JSON.stringify({
  v: 1,
  eventId: EVENT,
  rule: { name: 'sound-quorum', version: 1, windowMs: 20_000, spikeDb: 12, floorDb: 95, ambientPercentile: 50, minDevices: 3, minOwners: 2, minSections: 2, minWeight: 2 },
  samples: { kind: 'sound', fromMs: 1_767_000_000_000, toMs: 1_767_000_300_000 },
  burst: { fromMs: 1_767_000_200_000, toMs: 1_767_000_204_000, atMs: 1_767_000_203_000, peakDb: 108.5 },
  devices: [
    {
      device: keys.device.address.toLowerCase(),
      section: 'N1',
      owner: keys.owner.address.toLowerCase(),
      weight: 1,
      ambientDb: 82,
      thresholdDb: 95,
      readings: 31,
      firstSpikeMs: 1_767_000_200_000,
    },
    {
      device: keys.hotspot.address.toLowerCase(),
      section: 'S1',
      owner: keys.fan.address.toLowerCase(),
      weight: 0.5,
      ambientDb: 84.5,
      thresholdDb: 96.5,
      readings: 30,
      firstSpikeMs: 1_767_000_203_000,
    },
  ],
} satisfies MomentEvidenceContext);
const momentContexts = [
  { json: contextJson, digest: momentContextDigest(contextJson) },
  // one byte of whitespace is another context: the text is committed, not its parsed value
  { json: contextJson.replace('{', '{ '), digest: momentContextDigest(contextJson.replace('{', '{ ')) },
];

const publicKeys = (k: ReturnType<typeof key>) => ({ privateKey: k.privateKey, address: k.address, publicKey: k.publicKey });

const vectors = {
  about:
    'Test vectors of the FanMesh wire contract (libs/protocol). Made by libs/protocol/scripts/make-vectors.ts; checked by libs/protocol/src/*.spec.ts, by the API contexts and by venue-sim (test/sim/protocol.spec.ts). The keys are test keys derived from their names: never use them for anything else.',
  keys: Object.fromEntries(Object.entries(keys).map(([n, k]) => [n, publicKeys(k)])),
  constants: { qrWindowSeconds: QR_WINDOW_SECONDS, chainId: CHAIN_ID, verifyingContract: CONTRACT, domainNames: DOMAIN_NAMES },
  uuids,
  tickets,
  qr,
  qrLenient,
  qrRejected,
  envelopes,
  pairing: { domain: PAIRING_DOMAIN, types: PAIRING_OFFER_TYPES, offer, registrationTypes: REGISTRATION_TYPES, registration },
  challenges,
  witnesses,
  merchTags,
  eip712: {
    tables: {
      TICKET_DOMAIN,
      TICKET_TYPES,
      MERCH_DOMAIN,
      MERCH_TYPES,
      PAIRING_DOMAIN,
      PAIRING_OFFER_TYPES,
      REGISTRATION_TYPES,
      DEVICE_TRANSFER_TYPES,
      CLAIM_TYPES,
      BALLOT_TYPES,
      PERMIT_TYPES,
    },
    messages: typedMessages,
  },
  channels: channelVectors,
  momentContexts,
};

const out = resolve(process.cwd(), 'libs/protocol/vectors.json');
writeFileSync(out, JSON.stringify(vectors, null, 2) + '\n');
console.log(`wrote ${out}`);

import { concat, getBytes, hashMessage, hexlify, keccak256, recoverAddress, toBeHex, toUtf8Bytes, verifyTypedData, Wallet } from 'ethers';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import vectors from '@fanmesh/protocol-vectors';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { createEvent, IssuedTicket, issueTickets, openGates } from '../support/tickets';

/**
 * A ticket scanner written from docs/protocol.md alone ("The rotating ticket code", "Windows and clock
 * tolerance"), on ethers and Node's Buffer: no import of the codec in libs/protocol or libs/access.
 * It must read the vectors as the doc says and judge live codes as the server does.
 */

// ---------------------------------------------------------------- the scanner, from the page

const WINDOW_S = 15;
const SKEW_S = 10;
const PREFIX = 'FM1.';

interface Scanned {
  ticketId: string;
  version: number;
  window: number;
  signature: string;
}

/** `FM1.` + base64url of 93 bytes: ticketId 16 ‖ version uint32 BE ‖ window uint64 BE ‖ signature 65; at most 200 characters. */
function decode(code: string): Scanned | undefined {
  if (!code.startsWith(PREFIX) || code.length > 200) return undefined;
  const bytes = Buffer.from(code.slice(PREFIX.length), 'base64url'); // the doc's decoding rules are Node's
  if (bytes.length !== 93) return undefined;
  const hex = bytes.subarray(0, 16).toString('hex');
  return {
    ticketId: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
    version: bytes.readUInt32BE(16),
    window: Number(bytes.readBigUInt64BE(20)),
    signature: '0x' + bytes.subarray(28).toString('hex'),
  };
}

/** keccak256("FanMesh QR" ‖ ticketId (16) ‖ version (uint32) ‖ window (uint64)) */
const digestOf = (ticketId: string, version: number, window: number) =>
  keccak256(concat([toUtf8Bytes('FanMesh QR'), '0x' + ticketId.replace(/-/g, ''), toBeHex(version, 4), toBeHex(window, 8)]));

/** The holder signed the digest with EIP-191 personal_sign: recover from keccak256("\x19Ethereum Signed Message:\n32" ‖ digest). */
const signerOf = (s: Scanned) => recoverAddress(hashMessage(getBytes(digestOf(s.ticketId, s.version, s.window))), s.signature).toLowerCase();

function encode(ticketId: string, version: number, window: number, signature: string): string {
  return PREFIX + Buffer.from(getBytes(concat(['0x' + ticketId.replace(/-/g, ''), toBeHex(version, 4), toBeHex(window, 8), signature]))).toString('base64url');
}

type Verdict = 'accept' | 'malformed_code' | 'expired_code' | 'future_code' | 'bad_signature';

/** The doc's checks a scanner makes without the server: well-formed, the window against its clock, signed by the holder. */
function judge(code: string, holder: string, nowMs: number): Verdict {
  const s = decode(code);
  if (!s) return 'malformed_code';
  const current = Math.floor(nowMs / 1000 / WINDOW_S);
  if (s.window < current - 1) return 'expired_code';
  if (s.window > current + 1 || (s.window === current + 1 && (current + 1) * WINDOW_S * 1000 - nowMs > SKEW_S * 1000)) return 'future_code';
  try {
    return signerOf(s) === holder.toLowerCase() ? 'accept' : 'bad_signature';
  } catch {
    return 'bad_signature';
  }
}

// ---------------------------------------------------------------- the vectors

describe('a scanner built from docs/protocol.md', () => {
  it('reads every ticket-code vector: fields, digest, message hash and signer', () => {
    for (const q of vectors.qr) {
      const s = decode(q.code)!;
      expect(s).toEqual({ ticketId: q.ticketId, version: q.version, window: q.window, signature: q.signature });
      expect(digestOf(q.ticketId, q.version, q.window)).toBe(q.digest);
      expect(hashMessage(getBytes(q.digest))).toBe(q.messageHash);
      expect(signerOf(s)).toBe(q.signer);
      expect(encode(q.ticketId, q.version, q.window, q.signature)).toBe(q.code);
      // judged at the start of its own window: accepted
      expect(judge(q.code, q.signer, q.window * WINDOW_S * 1000)).toBe('accept');
    }
  });

  it('reads the lenient forms and refuses the rejected ones', () => {
    for (const q of vectors.qrLenient) expect(decode(q.code)).toEqual({ ticketId: q.ticketId, version: q.version, window: q.window, signature: q.signature });
    for (const bad of vectors.qrRejected) expect(decode(bad), bad.slice(0, 40)).toBeUndefined();
  });

  it('checks the issuer signature of the ticket vectors with the domain and type the doc gives', () => {
    const domain = { name: 'FanMesh Tickets', version: '1' };
    const types = {
      Ticket: [
        { name: 'ticketId', type: 'bytes16' },
        { name: 'eventId', type: 'bytes16' },
        { name: 'holder', type: 'address' },
        { name: 'section', type: 'string' },
        { name: 'seat', type: 'string' },
        { name: 'tier', type: 'string' },
        { name: 'version', type: 'uint32' },
      ],
    };
    for (const t of vectors.tickets) {
      const value = { ...t.claims, ticketId: '0x' + t.claims.ticketId.replace(/-/g, ''), eventId: '0x' + t.claims.eventId.replace(/-/g, '') };
      expect(verifyTypedData(domain, types, value, t.issuerSignature).toLowerCase()).toBe(vectors.keys.issuer.address);
    }
  });

  it('takes the span the doc documents: previous, current, next within 10 s; refuses older and further ahead', () => {
    const q = vectors.qr[1];
    const start = q.window * WINDOW_S * 1000;
    expect(judge(q.code, q.signer, start + 29_999)).toBe('accept'); // still the previous window
    expect(judge(q.code, q.signer, start + 30_000)).toBe('expired_code');
    expect(judge(q.code, q.signer, start - 10_000)).toBe('accept'); // a phone 10 s fast
    expect(judge(q.code, q.signer, start - 10_001)).toBe('future_code');
    expect(judge(q.code, vectors.keys.fan.address, start)).toBe('bad_signature');
  });

  // ---------------------------------------------------------------- and the server

  describe('agrees with the server on live codes', () => {
    let api: RunningApp;
    let steward: string;
    let gateId: string;
    let tickets: IssuedTicket[];

    beforeAll(async () => {
      api = await startApp('scanner-from-docs');
      const admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
      steward = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000057d0', kind: 'account', roles: ['fan', `steward@${DEMO_VENUE_ID}`] })}`;
      gateId = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`)).body.gates.find((g: { code: string }) => g.code === 'N-A').id;
      const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Docs night');
      tickets = await issueTickets(api.url, admin, eventId, 8, ['N101']);
      await openGates(api.url, admin, eventId);
    });
    afterAll(() => api?.close());

    it('gives the same verdict as the gate for current, previous, old, future, forged and truncated codes', async () => {
      const codeFor = async (t: IssuedTicket, offset: number, signer: Wallet | IssuedTicket['wallet'] = t.wallet) => {
        const window = Math.floor(Date.now() / 1000 / WINDOW_S) + offset;
        return encode(t.id, t.version, window, await signer.signMessage(getBytes(digestOf(t.id, t.version, window))));
      };
      // The cases name windows relative to now: start them early in a window, so no rotation falls between making and judging them.
      const left = WINDOW_S * 1000 - (Date.now() % (WINDOW_S * 1000));
      if (left < 8_000) await new Promise((r) => setTimeout(r, left + 50));
      const cases: [IssuedTicket, string][] = [
        [tickets[0], await codeFor(tickets[0], 0)],
        [tickets[1], await codeFor(tickets[1], -1)],
        [tickets[2], await codeFor(tickets[2], -2)],
        [tickets[3], await codeFor(tickets[3], +2)],
        [tickets[4], await codeFor(tickets[4], 0, Wallet.createRandom())],
        [tickets[5], (await codeFor(tickets[5], 0)).slice(0, -6)],
      ];
      const seen: string[] = [];
      for (const [t, code] of cases) {
        const mine = judge(code, t.holder, Date.now());
        const { body } = await request(api.url).post(`/api/v1/gates/${gateId}/scans`).set('authorization', steward).send({ code }).expect(200);
        const server = body.decision === 'admit' ? 'accept' : body.reason;
        expect(server, `${hexlify(toUtf8Bytes(code.slice(0, 12)))}: the scanner says ${mine}`).toBe(mine);
        seen.push(mine);
      }
      expect(seen).toEqual(['accept', 'accept', 'expired_code', 'future_code', 'bad_signature', 'malformed_code']);
    });
  });
});

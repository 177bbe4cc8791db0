import { randomBytes } from 'node:crypto';
import { getBytes, hashMessage } from 'ethers';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { encodeQr, qrDigest, windowAt } from '@fanmesh/protocol';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const secp = require('secp256k1') as {
  publicKeyCreate(k: Uint8Array, compressed: boolean): Uint8Array;
  ecdsaSign(m: Uint8Array, k: Uint8Array): { signature: Uint8Array; recid: number };
};

/** A fan with a real secp256k1 key (native, so thousands are cheap; ethers' Wallet.createRandom derives a mnemonic each time). */
export interface CrowdFan {
  key: Uint8Array;
  address: string;
  section: string;
  tier: string;
  ticketId?: string;
  version?: number;
}

export function crowd(n: number, sections: string[], tierOf: (i: number) => string = (i) => (i % 10 === 0 ? 'vip' : 'standard')): CrowdFan[] {
  return Array.from({ length: n }, (_, i) => {
    const key = randomBytes(32);
    const pub = secp.publicKeyCreate(key, false);
    return { key, address: '0x' + Buffer.from(keccak_256(pub.subarray(1)).subarray(12)).toString('hex'), section: sections[i % sections.length], tier: tierOf(i) };
  });
}

/** The rotating code the fan's phone shows now: the holder's EIP-191 signature over ticket, version and window. */
export function qrCode(f: CrowdFan): string {
  const window = windowAt(Date.now());
  const { signature, recid } = secp.ecdsaSign(getBytes(hashMessage(getBytes(qrDigest(f.ticketId!, f.version!, window)))), f.key);
  const sig = new Uint8Array(65);
  sig.set(signature);
  sig[64] = 27 + recid;
  return encodeQr({ ticketId: f.ticketId!, version: f.version!, window, signature: sig });
}

async function call(url: string, path: string, auth: string, body: unknown, expect: number): Promise<any> {
  const res = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify(body) });
  const text = await res.text();
  if (res.status !== expect) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * Issues each fan a ticket and scans it in at a gate serving its section, through the real API:
 * the venue's ticket issue, the holder-signed rotating code, the gate scan (batches of 50, one
 * steward per batch so the per-scanner rate limit is not what is being measured).
 */
export async function admit(
  url: string,
  adminAuth: string,
  eventId: string,
  fans: CrowdFan[],
  gates: { id: string; sectionCodes: string[] }[],
  stewardToken: (i: number) => Promise<string>,
): Promise<void> {
  for (let i = 0; i < fans.length; i += 5000) {
    const chunk = fans.slice(i, i + 5000);
    const body = await call(
      url,
      `/api/v1/events/${eventId}/tickets`,
      adminAuth,
      {
        tickets: chunk.map((f, k) => ({ holder: f.address, section: f.section, seat: `${i + k + 1}`, tier: f.tier })),
      },
      201,
    );
    body.tickets.forEach((t: { id: string; version: number }, k: number) => Object.assign(chunk[k], { ticketId: t.id, version: t.version }));
  }
  const bySection = new Map<string, CrowdFan[]>();
  for (const f of fans) bySection.set(f.section, [...(bySection.get(f.section) ?? []), f]);
  const batches: { gateId: string; fans: CrowdFan[] }[] = [];
  for (const [section, list] of bySection) {
    const gate = gates.find((g) => g.sectionCodes.includes(section))!;
    for (let i = 0; i < list.length; i += 50) batches.push({ gateId: gate.id, fans: list.slice(i, i + 50) });
  }
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const n = next++;
      const b = batches[n];
      const out = await call(url, `/api/v1/gates/${b.gateId}/scans/batch`, `Bearer ${await stewardToken(n)}`, { codes: b.fans.map(qrCode) }, 200);
      const refused = out.results.filter((r: { decision: string }) => r.decision !== 'admit');
      if (refused.length) throw new Error(`scan refused: ${JSON.stringify(refused[0])}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

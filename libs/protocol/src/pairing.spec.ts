import { TypedDataEncoder, verifyTypedData, Wallet } from 'ethers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import QRCode from 'qrcode';
import { DEVICE_KINDS } from './domain';
import { PAIRING_DOMAIN, PAIRING_OFFER_TYPES } from './eip712';
import { decodePairingQr, encodePairingQr, normalizeCode, shortCode, type PairingPayload } from './pairing';

const device = new Wallet('0x' + '7'.repeat(64));

async function signedPayload(kind: (typeof DEVICE_KINDS)[number], nonce: string, expiresAt: number, agent?: string): Promise<PairingPayload> {
  const value = { device: device.address, kind, nonce, expiresAt };
  const signature = await device.signTypedData(PAIRING_DOMAIN, PAIRING_OFFER_TYPES, value);
  return { fanmesh: 'pair', v: 1, offer: { ...value, signature }, ...(agent ? { agent } : {}), code: shortCode(nonce) };
}

describe('the pairing QR', () => {
  it('reads back exactly the payload it was written from, and the offer still verifies', async () => {
    const p = await signedPayload('sensor', '0x' + 'ab'.repeat(32), 1_900_000_000, 'http://192.168.1.40:8088');
    const text = encodePairingQr(p);
    expect(text.length).toBeLessThan(200);
    expect(decodePairingQr(text)).toEqual(p);
    const o = decodePairingQr(text)!.offer;
    const { signature, ...value } = o;
    expect(verifyTypedData(PAIRING_DOMAIN, PAIRING_OFFER_TYPES, value, signature)).toBe(device.address);
    expect(TypedDataEncoder.hash(PAIRING_DOMAIN, PAIRING_OFFER_TYPES, value)).toBe(
      TypedDataEncoder.hash(PAIRING_DOMAIN, PAIRING_OFFER_TYPES, { ...p.offer, signature: undefined }),
    );
  });

  it('round-trips any kind, nonce, expiry and agent (property)', async () => {
    const sig = (await signedPayload('hotspot', '0x' + '00'.repeat(32), 1)).offer.signature;
    fc.assert(
      fc.property(
        fc.constantFrom(...DEVICE_KINDS),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.integer({ min: 1, max: 2 ** 32 - 1 }),
        fc.option(fc.webUrl({ validSchemes: ['http', 'https'] }), { nil: undefined }),
        (kind, nonceBytes, expiresAt, agent) => {
          const nonce = '0x' + Buffer.from(nonceBytes).toString('hex');
          const p: PairingPayload = {
            fanmesh: 'pair',
            v: 1,
            offer: { device: device.address, kind, nonce, expiresAt, signature: sig },
            ...(agent ? { agent } : {}),
            code: shortCode(nonce),
          };
          if (agent && agent.length > 200) return;
          expect(decodePairingQr(encodePairingQr(p))).toEqual(p);
        },
      ),
    );
  });

  it('is a much smaller QR than the JSON form of the same payload', async () => {
    const p = await signedPayload('hotspot', '0x' + 'cd'.repeat(32), 1_900_000_000, 'http://10.0.0.12:8088');
    const compact = QRCode.create(encodePairingQr(p), { errorCorrectionLevel: 'L' }).version;
    const json = QRCode.create(JSON.stringify(p), { errorCorrectionLevel: 'L' }).version;
    expect(compact).toBeLessThanOrEqual(8);
    expect(json).toBeGreaterThanOrEqual(compact + 4);
    expect(decodePairingQr(JSON.stringify(p))).toEqual(p); // the status page's /pairing.json, pasted or scanned
  });

  it('refuses anything that is not a pairing code', async () => {
    const good = encodePairingQr(await signedPayload('gate', '0x' + '11'.repeat(32), 1_900_000_000));
    for (const bad of [
      '',
      'FMP1.',
      'FMP1.' + good.slice(5, -1),
      'FMP1.' + good.slice(5) + 'A',
      'FMP2.' + good.slice(5),
      'FMP1.' + '_' + good.slice(6), // kind byte out of range
      good + '.javascript:alert(1)',
      good + '.http://' + 'a'.repeat(300),
      'FM1.' + good.slice(5),
      '{"fanmesh":"pair","v":1,"code":"X","offer":{"device":"0x1"}}',
      '{not json',
      'null',
    ]) {
      expect(decodePairingQr(bad), bad).toBeUndefined();
    }
  });

  it('has a short code a person can type, forgiving case and look-alikes', () => {
    const code = shortCode('0x' + 'f0'.repeat(32));
    expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(normalizeCode(code.toLowerCase())).toBe(normalizeCode(code));
    expect(normalizeCode('oIl0-1234')).toBe('01101234');
  });
});

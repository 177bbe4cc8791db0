import { Inject, Injectable } from '@nestjs/common';
import { hkdfSync } from 'node:crypto';
import { computeAddress, getBytes } from 'ethers';
import { APP_CONFIG, AppConfig } from '@fanmesh/config';
import { localSecret } from '@fanmesh/common';
import { TicketClaims, ticketHash } from '@fanmesh/protocol';

type NativeSign = { ecdsaSign(msg32: Uint8Array, key: Uint8Array): { signature: Uint8Array; recid: number } };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const secp = require('secp256k1') as NativeSign; // native addon when built, elliptic otherwise

/** Signs tickets with the venue issuer key (TICKET_ISSUER_KEY, or a key kept in the data folder on embedded defaults). */
@Injectable()
export class TicketSigner {
  private readonly key: Uint8Array;
  readonly issuer: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const hex = config.ticketIssuerKey ?? localSecret(config.dataDir, 'ticket-issuer-key', () => '0x' + Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex'));
    this.key = getBytes(hex);
    this.issuer = computeAddress(hex).toLowerCase();
  }

  /** A key for another job (HKDF over the issuer key, named by `purpose`): every instance sharing the issuer key derives the same one. */
  derivedKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.key, new Uint8Array(0), `fanmesh/${purpose}`, 32));
  }

  sign(t: TicketClaims): string {
    const { signature, recid } = secp.ecdsaSign(ticketHash(t), this.key);
    return '0x' + Buffer.from(signature).toString('hex') + (27 + recid).toString(16);
  }
}

import { createHash, createHmac } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { TicketSigner } from './ticket-signer';

/**
 * A link's token is HMAC-SHA256(key, link id): 256 bits nobody can guess without the key, which is
 * derived from the issuer key (so every instance agrees). The database keeps only the token's SHA-256:
 * a copy of it opens no link, while the venue can still export the links it was sent.
 */
@Injectable()
export class ClaimLinkTokens {
  private readonly key: Buffer;

  constructor(signer: TicketSigner) {
    this.key = signer.derivedKey('claim-links/v1');
  }

  token(linkId: string): string {
    return createHmac('sha256', this.key).update(linkId).digest('base64url');
  }

  hash(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }
}

import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/** How far a feed message's timestamp may be from the server clock. */
export const FEED_MAX_SKEW_S = 300;
export const FEED_TIMESTAMP_HEADER = 'x-fanmesh-timestamp';
export const FEED_SIGNATURE_HEADER = 'x-fanmesh-signature';

export interface FeedMessage {
  eventId: string;
  ref: string;
  kind: string;
  team?: string | null;
  at: string;
}

/**
 * What the feed signs: a canonical text of the message, not the JSON bytes (the app parses JSON
 * before any route sees it, and key order or spacing must not matter). One field per line:
 *   v1 \n <timestamp> \n <venueId> \n <eventId> \n <ref> \n <kind> \n <team or empty> \n <at>
 * HMAC-SHA256 with the venue's feed secret, hex, sent as `x-fanmesh-signature: v1=<hex>` beside
 * `x-fanmesh-timestamp: <unix seconds>`.
 */
export function feedCanonical(timestamp: string, venueId: string, m: FeedMessage): string {
  return ['v1', timestamp, venueId.toLowerCase(), m.eventId.toLowerCase(), m.ref, m.kind, m.team ?? '', m.at].join('\n');
}

export function feedSignature(secret: string, timestamp: string, venueId: string, m: FeedMessage): string {
  return (
    'v1=' +
    createHmac('sha256', secret)
      .update(feedCanonical(timestamp, venueId, m))
      .digest('hex')
  );
}

export function feedSignatureValid(secret: string, timestamp: string, venueId: string, m: FeedMessage, signature: string): boolean {
  const expected = Buffer.from(feedSignature(secret, timestamp, venueId, m));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * Feed secrets at rest: AES-256-GCM under a key derived from FEED_SECRET, a root of their own (never
 * stored in the clear, and never the session-signing AUTH_SECRET).
 */
export class FeedSecretBox {
  private readonly key: Buffer;

  constructor(rootSecret: string) {
    this.key = Buffer.from(hkdfSync('sha256', rootSecret, 'fanmesh', 'feed-secret v1', 32));
  }

  static generate(): string {
    return 'fmfs_' + randomBytes(32).toString('base64url');
  }

  seal(secret: string, venueId: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv).setAAD(Buffer.from(venueId));
    const ct = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), ct.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  open(sealed: string, venueId: string): string {
    const [v, iv, ct, tag] = sealed.split('.');
    if (v !== 'v1') throw new Error('unknown feed secret format');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url')).setAAD(Buffer.from(venueId));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** The secret, or undefined when it was sealed under another root (or for another venue). */
  tryOpen(sealed: string, venueId: string): string | undefined {
    try {
      return this.open(sealed, venueId);
    } catch {
      return undefined;
    }
  }
}

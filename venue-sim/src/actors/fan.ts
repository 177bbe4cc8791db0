import { getBytes } from 'ethers';
import { ApiClient, Answer, RequestObserver } from '../client';
import { Challenge, challengeDigest, freshWallet, ticketCode, witnessDigest } from '../protocol';
import type { IssuedTicket } from './operator';

/** A fan with their own key on their phone: a ticket, the rotating code, and a session when they need one. */
export class Fan {
  readonly wallet = freshWallet();
  ticket?: IssuedTicket;
  admitted = false;
  private session?: ApiClient;

  constructor(
    readonly url: string,
    /** Where the fan sits at this match (a season crowd's fans change seats from ground to ground). */
    public section: string,
    private observe?: RequestObserver,
  ) {}

  /** The same fan, key and session, at another match: a new seat, no ticket yet, counted by that match's meter. */
  attend(section: string, observe?: RequestObserver): this {
    this.section = section;
    this.ticket = undefined;
    this.admitted = false;
    this.observe = observe;
    if (this.session) this.session.observe = observe;
    return this;
  }

  get address(): string {
    return this.wallet.address.toLowerCase();
  }

  /** The code the phone shows at `at` (ms); a screenshot is this taken earlier. */
  code(at = Date.now()): string {
    if (!this.ticket) throw new Error('this fan holds no ticket');
    return ticketCode(this.wallet, this.ticket, at);
  }

  /** Signed in with SIWE the first time it is needed (the PWA does the same with its embedded key). */
  async client(): Promise<ApiClient> {
    if (!this.session) {
      const c = new ApiClient(this.url, this.observe);
      await c.signIn(this.wallet);
      this.session = c;
    }
    return this.session;
  }

  /** Co-signs a hotspot-signed challenge handed over by the hotspot, and submits the witness. */
  async witness(c: Challenge, hotspotSignature: string, eventId = c.eventId): Promise<Answer<{ verdict: string; witnessId: string }>> {
    const signedAt = new Date().toISOString();
    const fanSignature = await this.wallet.signMessage(getBytes(witnessDigest(challengeDigest(c), this.wallet.address, c.eventId, signedAt)));
    return (await this.client()).attempt('POST', '/api/v1/coverage/witnesses', { challengeId: c.id, eventId, hotspotSignature, fanSignature, signedAt });
  }
}

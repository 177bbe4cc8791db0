import { ApiClient, RequestObserver } from '../client';
import { freshWallet } from '../protocol';
import type { Operator } from './operator';

export type ScanAnswer = { decision: 'admit'; admissionId: string; ticketId: string } | { decision: 'deny'; reason: string; ticketId?: string };

/** A steward's phone at one gate lane: a real account granted the steward role, signed in. */
export class Steward {
  readonly wallet = freshWallet();
  readonly client: ApiClient;

  constructor(
    url: string,
    readonly gate: { id: string; code: string; sectionCodes: string[] },
    observe?: RequestObserver,
  ) {
    this.client = new ApiClient(url, observe);
  }

  static async hire(op: Operator, url: string, venueId: string, gate: Steward['gate'], observe?: RequestObserver): Promise<Steward> {
    const s = new Steward(url, gate, observe);
    await op.grant(venueId, s.wallet.address, 'steward');
    await s.client.signIn(s.wallet);
    return s;
  }

  scan(code: string): Promise<ScanAnswer> {
    return this.client.post<ScanAnswer>(`/api/v1/gates/${this.gate.id}/scans`, { code });
  }
}

/** The lanes of every gate; a fan goes to a gate that serves their section and takes the next lane. */
export class Gates {
  private readonly next = new Map<string, number>();

  constructor(readonly lanes: Steward[]) {}

  laneFor(section: string): Steward {
    const serving = this.lanes.filter((l) => l.gate.sectionCodes.includes(section));
    const pool = serving.length ? serving : this.lanes;
    const i = this.next.get(section) ?? 0;
    this.next.set(section, i + 1);
    return pool[i % pool.length];
  }

  /** Lanes at two different gates that both serve `section`, if the venue has them. */
  twoGatesFor(section: string): [Steward, Steward] | undefined {
    const serving = this.lanes.filter((l) => l.gate.sectionCodes.includes(section));
    const other = serving.find((l) => l.gate.id !== serving[0]?.gate.id);
    return other ? [serving[0], other] : undefined;
  }
}

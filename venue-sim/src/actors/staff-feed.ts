import WebSocket from 'ws';

/** Frames on the staff channel that are alerts for a human (the dashboard shows them in red). */
export const ALERT_TYPES = new Set(['access.conflict', 'merch.clone_suspected', 'sensing.attendance_alert', 'moments.candidate']);

/** An alert frame, or a live witness count that reports refused witnesses (the dashboard flags those hotspots). */
export const isAlert = (f: StaffFrame) => ALERT_TYPES.has(f.type) || (f.type === 'coverage.witnesses' && Object.keys((f.data.refused as object) ?? {}).length > 0);

export interface StaffFrame {
  type: string;
  at: number;
  data: Record<string, unknown>;
}

/**
 * The staff dashboard's live feed (`staff:<venueId>` over /ws): the sim records every frame, so the
 * verdict table counts the alerts the platform actually raised.
 */
export class StaffFeed {
  readonly frames: StaffFrame[] = [];

  private constructor(private readonly ws: WebSocket) {}

  static async connect(url: string, token: string, venueId: string): Promise<StaffFeed> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws?access_token=${encodeURIComponent(token)}`);
    const feed = new StaffFeed(ws);
    const channel = `staff:${venueId}`;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer subscribing to ${channel} within 5 s`)), 5000);
      ws.on('message', (raw) => {
        const f = JSON.parse(String(raw)) as { type: string; channel?: string; data?: Record<string, unknown> };
        if (f.type === 'welcome') ws.send(JSON.stringify({ type: 'subscribe', channel, id: 1 }));
        else if (f.type === 'subscribed') (clearTimeout(timer), resolve());
        else if (f.type === 'error') (clearTimeout(timer), reject(new Error(`staff feed refused: ${JSON.stringify(f)}`)));
        else if (f.type === 'message' && f.channel === channel && f.data) feed.frames.push({ type: String(f.data.type), at: Date.now(), data: f.data });
      });
      ws.once('error', (err) => (clearTimeout(timer), reject(err)));
    });
    return feed;
  }

  alertsBetween(from: number, to: number, filter: (f: StaffFrame) => boolean = () => true): StaffFrame[] {
    return this.frames.filter((f) => f.at >= from && f.at <= to && isAlert(f) && filter(f));
  }

  close(): void {
    this.ws.close();
  }
}

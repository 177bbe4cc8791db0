import WebSocket from 'ws';

export type Frame = Record<string, unknown> & { type: string };

/** A websocket test client that records every frame and can wait for one matching a predicate. */
export class WsClient {
  readonly frames: Frame[] = [];
  private waiters: Array<{ match: (f: Frame) => boolean; resolve: (f: Frame) => void }> = [];
  closed?: { code: number; reason: string };
  private cursor = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const f = JSON.parse(String(d)) as Frame;
      this.frames.push(f);
      this.waiters = this.waiters.filter((w) => (w.match(f) ? ((this.cursor = this.frames.length), w.resolve(f), false) : true));
    });
    ws.on('close', (code, reason) => (this.closed = { code, reason: String(reason) }));
  }

  static async connect(baseUrl: string, token?: string): Promise<WsClient> {
    const ws = new WebSocket(baseUrl.replace(/^http/, 'ws') + '/ws' + (token ? `?access_token=${token}` : ''));
    const client = new WsClient(ws);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    if (token) await client.next((f) => f.type === 'welcome' || f.type === 'error');
    return client;
  }

  send(frame: object | string): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The first matching frame not yet returned by `next`, whether it already arrived or is still to come. */
  next(match: (f: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const seen = this.frames.findIndex((f, i) => i >= this.cursor && match(f));
    if (seen >= 0) {
      this.cursor = seen + 1;
      return Promise.resolve(this.frames[seen]);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(-5))}`)), timeoutMs);
      this.waiters.push({ match, resolve: (f) => (clearTimeout(timer), resolve(f)) });
    });
  }

  async subscribe(channel: string, lastSeq?: number): Promise<Frame> {
    const id = Math.random();
    this.send({ type: 'subscribe', channel, lastSeq, id });
    return this.next((f) => (f.type === 'subscribed' && f.channel === channel) || (f.type === 'error' && f.ref === id));
  }

  messages(channel: string): Frame[] {
    return this.frames.filter((f) => f.type === 'message' && f.channel === channel);
  }

  async waitForMessages(channel: string, n: number, timeoutMs = 5000): Promise<Frame[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages(channel).length < n) {
      if (Date.now() > deadline) throw new Error(`only ${this.messages(channel).length} of ${n} messages on ${channel}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.messages(channel);
  }

  close(): void {
    this.ws.close();
  }
}

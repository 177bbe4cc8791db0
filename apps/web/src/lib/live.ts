type Listener = (data: unknown) => void;

/**
 * The live connection: one websocket, channels with their last sequence number, and reconnects
 * that ask for exactly what was missed.
 */
export class Live {
  private ws?: WebSocket;
  private readonly channels = new Map<string, { lastSeq?: number; listeners: Set<Listener> }>();
  private closed = false;
  private retry?: ReturnType<typeof setTimeout>;
  private throttled = false;
  /** The network came back: connect now rather than at the next retry (unless the server asked us to back off). */
  private readonly online = () => {
    if (this.closed || this.throttled || this.ws?.readyState === WebSocket.OPEN || this.ws?.readyState === WebSocket.CONNECTING) return;
    clearTimeout(this.retry);
    this.connect();
  };
  state: 'connecting' | 'open' | 'closed' = 'connecting';
  onState?: (s: Live['state']) => void;

  constructor(private readonly token: () => string | null) {
    // globalThis, not window: the same client runs in a worker or a test without a window.
    globalThis.addEventListener?.('online', this.online);
    this.connect();
  }

  subscribe(channel: string, listener: Listener): () => void {
    let c = this.channels.get(channel);
    if (!c) {
      c = { listeners: new Set() };
      this.channels.set(channel, c);
      this.send({ type: 'subscribe', channel });
    }
    c.listeners.add(listener);
    return () => c!.listeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
    globalThis.removeEventListener?.('online', this.online);
    this.ws?.close();
  }

  private connect(): void {
    // The token goes in the first frame, not the URL (URLs end up in proxy and access logs).
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
    this.ws = ws;
    this.setState('connecting');
    ws.onopen = () => {
      this.setState('open');
      const token = this.token();
      if (token) this.send({ type: 'auth', token });
      for (const [channel, c] of this.channels) this.send({ type: 'subscribe', channel, lastSeq: c.lastSeq });
    };
    ws.onmessage = (e) => {
      const frame = JSON.parse(String(e.data)) as { type: string; channel?: string; seq?: number; data?: unknown };
      const c = frame.channel ? this.channels.get(frame.channel) : undefined;
      if (!c) return;
      if (frame.type === 'subscribed' && c.lastSeq === undefined) c.lastSeq = frame.seq;
      if (frame.type === 'message') {
        c.lastSeq = frame.seq;
        for (const l of c.listeners) l(frame.data);
      }
    };
    ws.onclose = (e) => {
      this.setState('closed');
      // 4429: connecting too often; back off (with jitter, so a crowd does not come back at once).
      this.throttled = e.code === 4429;
      if (!this.closed) this.retry = setTimeout(() => this.connect(), this.throttled ? 5000 + Math.random() * 10_000 : 1000);
    };
  }

  private send(frame: object): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  private setState(s: Live['state']): void {
    this.state = s;
    this.onState?.(s);
  }
}

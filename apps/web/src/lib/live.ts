type Listener = (data: unknown) => void;

/**
 * The live connection: one websocket, channels with their last sequence number, and reconnects
 * that ask for exactly what was missed.
 */
export class Live {
  private ws?: WebSocket;
  private readonly channels = new Map<string, { lastSeq?: number; listeners: Set<Listener> }>();
  private closed = false;
  state: 'connecting' | 'open' | 'closed' = 'connecting';
  onState?: (s: Live['state']) => void;

  constructor(private readonly token: () => string | null) {
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
    this.ws?.close();
  }

  private connect(): void {
    const token = this.token();
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws${token ? `?access_token=${encodeURIComponent(token)}` : ''}`;
    const ws = new WebSocket(url);
    this.ws = ws;
    this.setState('connecting');
    ws.onopen = () => {
      this.setState('open');
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
    ws.onclose = () => {
      this.setState('closed');
      if (!this.closed) setTimeout(() => this.connect(), 1000);
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

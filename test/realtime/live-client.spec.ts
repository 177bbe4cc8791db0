import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Live } from '../../apps/web/src/lib/live';

/** The browser's WebSocket, as far as the PWA's Live uses it. */
class FakeSocket {
  static readonly OPEN = 1;
  static made: FakeSocket[] = [];
  readyState = 0;
  readonly sent: Record<string, unknown>[] = [];
  onopen?: () => void;
  onmessage?: (e: { data: string }) => void;
  onclose?: (e: { code: number; reason: string }) => void;
  constructor(readonly url: string) {
    FakeSocket.made.push(this);
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(): void {}
  open(): void {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }
  serverCloses(code: number, reason: string): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

describe("the PWA's live connection (apps/web/src/lib/live.ts)", () => {
  beforeEach(() => {
    FakeSocket.made = [];
    vi.useFakeTimers();
    vi.stubGlobal('WebSocket', FakeSocket);
    vi.stubGlobal('location', { protocol: 'https:', host: 'fans.example.com' });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('sends the access token in an auth frame, never in the URL, before subscribing', () => {
    const live = new Live(() => 'header.payload.signature');
    live.subscribe('fan:0x00000000000000000000000000000000000000c3', () => undefined);
    const [ws] = FakeSocket.made;
    expect(ws.url).toBe('wss://fans.example.com/ws');
    expect(ws.url).not.toContain('header.payload.signature');
    ws.open();
    expect(ws.sent).toEqual([
      { type: 'auth', token: 'header.payload.signature' },
      { type: 'subscribe', channel: 'fan:0x00000000000000000000000000000000000000c3' },
    ]);
    live.close();
  });

  it('reconnects with the token of the moment (a refreshed one), in the first frame again', () => {
    let token = 'first';
    const live = new Live(() => token);
    FakeSocket.made[0].open();
    token = 'refreshed';
    FakeSocket.made[0].serverCloses(4401, 'token_expired');
    vi.advanceTimersByTime(1000);
    const again = FakeSocket.made[1];
    expect(again.url).toBe('wss://fans.example.com/ws');
    again.open();
    expect(again.sent[0]).toEqual({ type: 'auth', token: 'refreshed' });
    live.close();
  });

  it('sends no auth frame when signed out, and backs off when told it connects too often (4429)', () => {
    const live = new Live(() => null);
    const [ws] = FakeSocket.made;
    ws.open();
    expect(ws.sent).toEqual([]);
    ws.serverCloses(4429, 'rate_limited: retry in 30 s');
    vi.advanceTimersByTime(4000);
    expect(FakeSocket.made).toHaveLength(1);
    vi.advanceTimersByTime(11_000);
    expect(FakeSocket.made).toHaveLength(2);
    live.close();
  });
});

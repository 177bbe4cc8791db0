// Opens `count` sockets to a fan-out server and records, per broadcast, how long each socket took.
import WebSocket from 'ws';

const [mode, port, countArg, channel] = process.argv.slice(2);
const count = Number(countArg);
const latencies = new Map<number, number[]>();
const now = () => performance.timeOrigin + performance.now();
const send = (m: object) => process.send!(m);

function record(raw: string): void {
  const msg = JSON.parse(raw) as { type?: string; data?: { n: number; sentAt: number } };
  if (!msg.data || typeof msg.data.n !== 'number') return;
  const list = latencies.get(msg.data.n) ?? [];
  list.push(now() - msg.data.sentAt);
  latencies.set(msg.data.n, list);
}

async function openFanmesh(): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'subscribe', channel })));
    ws.on('message', (d) => {
      const s = String(d);
      if (s.startsWith('{"type":"subscribed"')) resolve();
      else record(s);
    });
  });
}

async function openWs(): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
  ws.on('message', (d) => record(String(d)));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
}

async function openSocketIo(): Promise<void> {
  const { io } = await import('socket.io-client');
  const s = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false, forceNew: true });
  s.on('message', (m: unknown) => record(JSON.stringify(m)));
  await new Promise<void>((resolve, reject) => {
    s.once('connect_error', reject);
    s.once('connect', () => s.emit('join', 'bench', undefined) && setTimeout(resolve, 0));
  });
}

async function main(): Promise<void> {
  const open = mode === 'fanmesh' ? openFanmesh : mode === 'ws' ? openWs : openSocketIo;
  for (let i = 0; i < count; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, count - i) }, open));
  }
  send({ type: 'connected', count });
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'report') send({ type: 'report', latencies: Object.fromEntries(latencies) });
    if (m.cmd === 'exit') process.exit(0);
  });
}

main().catch((err) => {
  send({ type: 'failed', error: String(err) });
  process.exit(1);
});

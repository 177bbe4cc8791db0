// A broadcast server in its own process, for bench/ws-fanout: `fanmesh` (our whole gateway: auth,
// channels, sequence numbers), `ws` (plain ws, the floor) or `socketio` (socket.io 4 rooms, the peer).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RealtimeMessage } from '@fanmesh/protocol';

const mode = process.argv[2] as 'fanmesh' | 'ws' | 'socketio';
const send = (m: object) => process.send!(m);
const gc = () => (global as unknown as { gc?: () => void }).gc?.();

async function start(): Promise<{ port: number; broadcast: (payload: object) => Promise<void>; connections: () => number }> {
  if (mode === 'fanmesh') {
    process.env.LOG_LEVEL = 'silent';
    const { loadConfig } = await import('../libs/config/src');
    const { createApp } = await import('../apps/api/src/app');
    const { RealtimeService, RealtimeGateway } = await import('../libs/realtime/src');
    const dataDir = process.argv[3];
    const config = loadConfig({ ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', CHAIN_EMBEDDED: 'off', LOG_LEVEL: 'silent' });
    const app = await createApp(config);
    await app.listen(0, '127.0.0.1');
    const rt = app.get(RealtimeService);
    const gw = app.get(RealtimeGateway);
    return {
      port: (app.getHttpServer().address() as AddressInfo).port,
      // a bare bench payload, not one of RealtimeMessageMap's messages: the transport carries any JSON
      broadcast: async (payload) => void (await rt.publish(process.argv[4], payload as RealtimeMessage)),
      connections: () => gw.connections,
    };
  }
  const http = createServer();
  if (mode === 'ws') {
    const { WebSocketServer } = await import('ws');
    const wss = new WebSocketServer({ server: http });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    return {
      port: (http.address() as AddressInfo).port,
      // The naive way: serialize per socket.
      broadcast: async (payload) => wss.clients.forEach((c) => c.send(JSON.stringify({ channel: 'bench', data: payload }))),
      connections: () => wss.clients.size,
    };
  }
  const { Server } = await import('socket.io');
  const io = new Server(http, { transports: ['websocket'], serveClient: false });
  io.on('connection', (s) => s.on('join', (room: string) => s.join(room)));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return {
    port: (http.address() as AddressInfo).port,
    broadcast: async (payload) => void io.to('bench').emit('message', { channel: 'bench', data: payload }),
    connections: () => io.engine.clientsCount,
  };
}

start().then((server) => {
  gc();
  send({ type: 'ready', port: server.port });
  process.on('message', async (m: { cmd: string; payload?: object }) => {
    if (m.cmd === 'mem') {
      gc();
      gc();
      const m = process.memoryUsage();
      // JS heap + buffers: what each connection costs the process (RSS also moves with the allocator and WASM).
      send({ type: 'mem', rss: m.rss, heap: m.heapUsed + m.external, connections: server.connections() });
    } else if (m.cmd === 'broadcast') {
      await server.broadcast({ ...m.payload, sentAt: performance.timeOrigin + performance.now() });
      send({ type: 'sent' });
    } else if (m.cmd === 'exit') {
      process.exit(0);
    }
  });
});

// A gate-lane load generator in its own process: holds persistent lanes (one websocket each, bound
// to a gate by hello) and, per phase, pipelines its share of scans over them with a fixed number in
// flight per lane; reports verdicts and each scan's latency (send to verdict).
import WebSocket from 'ws';
import { GATE_LANE_PATH } from '@fanmesh/protocol';

interface Connect {
  cmd: 'connect';
  url: string;
  lanes: { token: string; gateId: string }[];
}
interface Run {
  cmd: 'run';
  /** The codes each lane scans, in order. */
  codes: string[][];
  inFlight: number;
}

const sockets: WebSocket[] = [];

async function connect(job: Connect): Promise<void> {
  for (const lane of job.lanes) {
    const ws = new WebSocket(job.url.replace(/^http/, 'ws') + GATE_LANE_PATH, { perMessageDeflate: false });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const welcome = new Promise<void>((resolve, reject) =>
      ws.once('message', (d) => {
        const f = JSON.parse(String(d));
        if (f.type === 'welcome') resolve();
        else reject(new Error(`hello refused: ${String(d)}`));
      }),
    );
    ws.send(JSON.stringify({ type: 'hello', id: 'hello', token: lane.token, gateId: lane.gateId }));
    await welcome;
    sockets.push(ws);
  }
}

function runLane(ws: WebSocket, codes: string[], inFlight: number, verdicts: Record<string, number>, latencies: number[]): Promise<void> {
  const sentAt = new Float64Array(codes.length);
  let next = 0;
  let answered = 0;
  const send = () => {
    const id = next++;
    sentAt[id] = performance.now();
    ws.send(`{"type":"scan","id":${id},"code":"${codes[id]}"}`);
  };
  return new Promise((resolve) => {
    const onMessage = (d: Buffer) => {
      const f = JSON.parse(d.toString('utf8')) as { type: string; id: number; code?: string; result?: { decision: string; reason?: string } };
      if (typeof f.id !== 'number') return;
      latencies.push(performance.now() - sentAt[f.id]);
      const key = f.type === 'verdict' ? (f.result!.decision === 'admit' ? 'admit' : f.result!.reason!) : `error_${f.code}`;
      verdicts[key] = (verdicts[key] ?? 0) + 1;
      if (next < codes.length) send();
      if (++answered === codes.length) {
        ws.off('message', onMessage);
        resolve();
      }
    };
    ws.on('message', onMessage);
    if (!codes.length) return resolve();
    for (let i = 0; i < Math.min(inFlight, codes.length); i++) send();
  });
}

process.on('message', async (m: Connect | Run | { cmd: 'exit' }) => {
  if (m.cmd === 'connect') {
    await connect(m);
    process.send!({ type: 'connected' });
  } else if (m.cmd === 'run') {
    const verdicts: Record<string, number> = {};
    const latencies: number[] = [];
    const started = performance.now();
    await Promise.all(sockets.map((ws, i) => runLane(ws, m.codes[i] ?? [], m.inFlight, verdicts, latencies)));
    process.send!({ type: 'done', seconds: (performance.now() - started) / 1000, verdicts, latencies });
  } else {
    sockets.forEach((ws) => ws.close());
    process.exit(0);
  }
});

// A load generator in its own process: autocannon over a prepared list of requests; verdicts are
// counted from the answers with a cheap scan, not a JSON parse per answer.
import autocannon from 'autocannon';

interface Job {
  url: string;
  requests: { path: string; body: string; auth: string }[];
  connections: number;
  overallRate?: number;
}

process.once('message', async (job: Job) => {
  const verdicts: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  const result = await autocannon({
    url: job.url,
    connections: job.connections,
    amount: job.requests.length,
    overallRate: job.overallRate,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        setupRequest: (req: { path?: string; body?: string; headers?: Record<string, string> }) => {
          const r = job.requests[next++ % job.requests.length];
          req.path = r.path;
          req.body = r.body;
          req.headers = { 'content-type': 'application/json', authorization: r.auth };
          return req;
        },
        onResponse: (status: number, body: string) => {
          const m = status === 200 ? /"reason":"(\w+)"/.exec(body) : null;
          const key = status !== 200 ? `http_${status}` : m ? m[1] : 'admit';
          verdicts[key] = (verdicts[key] ?? 0) + 1;
        },
      },
    ],
  } as never);
  process.send!({
    type: 'done',
    seconds: (performance.now() - started) / 1000,
    verdicts,
    errors: result.errors + result.timeouts,
    histogram: { p50: result.latency.p50, p99: result.latency.p99 },
  });
  process.exit(0);
});

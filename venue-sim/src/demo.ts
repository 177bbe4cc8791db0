import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hexlify, Wallet } from 'ethers';
import { ApiClient, SimProblem } from './client';
import { ticketCode } from './protocol';

export const DEMO_VENUE_ID = '5eed0000-0000-4000-8000-000000000001';

export interface DemoOptions {
  url: string;
  dataDir: string;
  fans: number;
  /** Wall-clock seconds the gates stay open (the arrival curve is compressed into them). */
  seconds: number;
  stewards?: number;
  /** Addresses to make staff of the demo venue first (the dashboard's own key, shown on /staff). */
  staff?: string[];
}

export interface Progress {
  phase: string;
  admitted: number;
  total: number;
  scansPerSecond: number;
  errors: number;
}

export interface DemoSummary {
  eventId: string;
  fans: number;
  admitted: number;
  denied: Record<string, number>;
  errors: number;
  wallSeconds: number;
  peakScansPerSecond: number;
  p99AdmitMs: number;
  replayedScreenshotsAdmitted: number;
}

/** The code a fan's phone shows now (see libs/access ticket-codec); kept here for older imports. */
export { ticketCode } from './protocol';

const wallet = () => new Wallet(hexlify(randomBytes(32)));

/**
 * The small demo match: a fresh event at the demo stadium, fans with their own keys and tickets,
 * stewards at every gate, gates open, fans arriving mostly near kickoff, then kickoff.
 */
export async function runDemo(opts: DemoOptions, onProgress: (p: Progress) => void = () => undefined): Promise<DemoSummary> {
  const started = Date.now();
  const admin = new ApiClient(opts.url);
  let adminKey: string;
  try {
    adminKey = readFileSync(join(opts.dataDir, 'admin-key'), 'utf8').trim();
  } catch {
    throw new SimProblem(0, 'no_admin_key', `no ${join(opts.dataDir, 'admin-key')}: run the sim on the machine where \`npm start\` keeps its data (or pass --data <dir>)`);
  }
  const roles = await admin.signIn(new Wallet(adminKey));
  if (!roles.includes('admin')) throw new SimProblem(0, 'not_admin', 'the local admin key is not an admin here (is ADMIN_ADDRESS set to someone else?)');

  onProgress({ phase: 'setting up', admitted: 0, total: opts.fans, scansPerSecond: 0, errors: 0 });
  for (const address of opts.staff ?? []) await admin.post(`/api/v1/venues/${DEMO_VENUE_ID}/roles`, { address, role: 'staff' });
  const venue = await admin.get<{ gates: { id: string; code: string; sectionCodes: string[] }[]; sections: { code: string }[] }>(`/api/v1/venues/${DEMO_VENUE_ID}`);
  const event = await admin.post<{ id: string }>('/api/v1/events', {
    venueId: DEMO_VENUE_ID,
    name: `Demo match ${new Date().toISOString().slice(11, 16)}`,
    homeTeam: 'FanMesh FC',
    awayTeam: 'Harbour City',
    startsAt: new Date(Date.now() + opts.seconds * 1000).toISOString(),
  });

  const fans = Array.from({ length: opts.fans }, wallet);
  const sections = venue.sections.map((s) => s.code);
  const issued = await admin.post<{ tickets: { id: string; version: number; section: string; holder: string }[] }>(`/api/v1/events/${event.id}/tickets`, {
    tickets: fans.map((f, i) => ({ holder: f.address, section: sections[i % sections.length], seat: String(Math.floor(i / sections.length) + 1), tier: i % 20 === 0 ? 'vip' : 'standard' })),
  });

  // One steward per gate, each a real account granted the role and signed in.
  const stewards = new Map<string, ApiClient>();
  for (const gate of venue.gates.slice(0, opts.stewards ?? venue.gates.length)) {
    const key = wallet();
    await admin.post(`/api/v1/venues/${DEMO_VENUE_ID}/roles`, { address: key.address, role: 'steward' });
    const client = new ApiClient(opts.url);
    await client.signIn(key);
    stewards.set(gate.id, client);
  }
  const gateFor = (section: string) => venue.gates.find((g) => g.sectionCodes.includes(section) && stewards.has(g.id)) ?? venue.gates.find((g) => stewards.has(g.id))!;
  await admin.post(`/api/v1/events/${event.id}/transitions`, { to: 'gates_open' });

  // Arrivals: u^(1/3) puts most fans in the last part of the window, as crowds do before kickoff.
  const gatesOpenAt = Date.now();
  const plan = issued.tickets.map((t, i) => ({ t, fan: fans[i], at: gatesOpenAt + opts.seconds * 1000 * Math.cbrt(Math.random()) })).sort((a, b) => a.at - b.at);
  const denied: Record<string, number> = {};
  const latencies: number[] = [];
  const perSecond = new Map<number, number>();
  const codes: string[] = [];
  let admitted = 0;
  let errors = 0;
  let inFlight = 0;
  const report = (phase: string) => {
    const now = Math.floor(Date.now() / 1000);
    onProgress({ phase, admitted, total: opts.fans, scansPerSecond: perSecond.get(now - 1) ?? perSecond.get(now) ?? 0, errors });
  };
  const ticker = setInterval(() => report('gates open'), 250);
  try {
    await Promise.all(
      plan.map(async ({ t, fan, at }) => {
        await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
        while (inFlight >= 64) await new Promise((r) => setTimeout(r, 5));
        inFlight++;
        try {
          const code = await ticketCode(fan, t);
          if (codes.length < 5) codes.push(code);
          const gate = gateFor(t.section);
          const t0 = performance.now();
          const res = await stewards.get(gate.id)!.post<{ decision: string; reason?: string }>(`/api/v1/gates/${gate.id}/scans`, { code });
          latencies.push(performance.now() - t0);
          const sec = Math.floor(Date.now() / 1000);
          perSecond.set(sec, (perSecond.get(sec) ?? 0) + 1);
          if (res.decision === 'admit') admitted++;
          else denied[res.reason!] = (denied[res.reason!] ?? 0) + 1;
        } catch {
          errors++;
        } finally {
          inFlight--;
        }
      }),
    );
  } finally {
    clearInterval(ticker);
  }

  // A few fans try a screenshot of a code that was already used: the gate must refuse every one.
  let replayedScreenshotsAdmitted = 0;
  const anyGate = venue.gates.find((g) => stewards.has(g.id))!;
  for (const code of codes) {
    const res = await stewards.get(anyGate.id)!.post<{ decision: string }>(`/api/v1/gates/${anyGate.id}/scans`, { code }).catch(() => ({ decision: 'error' }));
    if (res.decision === 'admit') replayedScreenshotsAdmitted++;
  }
  await admin.post(`/api/v1/events/${event.id}/transitions`, { to: 'live' });
  report('kickoff');
  latencies.sort((a, b) => a - b);
  return {
    eventId: event.id,
    fans: opts.fans,
    admitted,
    denied,
    errors,
    wallSeconds: (Date.now() - started) / 1000,
    peakScansPerSecond: Math.max(0, ...perSecond.values()),
    p99AdmitMs: Math.round(latencies[Math.floor(latencies.length * 0.99)] ?? 0),
    replayedScreenshotsAdmitted,
  };
}

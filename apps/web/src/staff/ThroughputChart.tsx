import { useEffect, useRef } from 'react';
import { Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import type { ThroughputHistory } from '@fanmesh/protocol';

Chart.register(LinearScale, LineController, LineElement, PointElement, Legend, Tooltip);

const COLOURS = ['#c8102e', '#0b3d2e', '#1f5fbf', '#b26b00', '#6b2fa3', '#00838f', '#5d4037', '#ad1457'];
const STEP_MS: Record<ThroughputHistory['bucket'], number> = { second: 1000, minute: 60_000 };

type Point = { x: number; y: number };

/**
 * One gate's buckets as a line that drops to zero where nothing was admitted (the server sends only
 * the buckets with an admission; joining them straight would draw traffic that never happened).
 */
function gateLine(buckets: Map<number, number>, step: number): Point[] {
  const out: Point[] = [];
  for (const [x, y] of [...buckets].sort((a, b) => a[0] - b[0])) {
    const last = out[out.length - 1];
    if (!buckets.has(x - step) && (!last || last.x < x - step)) out.push({ x: x - step, y: 0 });
    out.push({ x, y });
    if (!buckets.has(x + step)) out.push({ x: x + step, y: 0 });
  }
  return out;
}

/** Gate throughput: admissions per second at each gate over the last minutes, as the server counted them. */
export function ThroughputChart({ history, gates }: { history?: ThroughputHistory; gates: { id: string; code: string }[] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<'line', Point[]>>(undefined);

  useEffect(() => {
    if (!canvas.current) return;
    chart.current = new Chart<'line', Point[]>(canvas.current, {
      type: 'line',
      data: { datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        parsing: false,
        scales: {
          x: { type: 'linear', ticks: { maxTicksLimit: 6, callback: (v) => new Date(Number(v)).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) } },
          y: { beginAtZero: true, ticks: { precision: 0 } },
        },
        plugins: { legend: { labels: { boxWidth: 12 } }, tooltip: { callbacks: { title: (items) => new Date(Number(items[0]?.parsed.x)).toLocaleTimeString() } } },
      },
    });
    return () => chart.current?.destroy();
  }, []);

  const step = STEP_MS[history?.bucket ?? 'second'];
  const byGate = new Map<string, Map<number, number>>();
  for (const p of history?.points ?? []) {
    const x = Date.parse(p.at);
    for (const [gate, n] of Object.entries(p.byGate)) {
      let m = byGate.get(gate);
      if (!m) byGate.set(gate, (m = new Map()));
      m.set(x, n);
    }
  }
  const code = (id: string) => gates.find((g) => g.id === id)?.code ?? id.slice(0, 8);
  const totals = [...byGate].map(([gate, m]) => ({ gate, code: code(gate), total: [...m.values()].reduce((a, b) => a + b, 0) })).sort((a, b) => b.total - a.total);
  const total = totals.reduce((a, t) => a + t.total, 0);
  const peak = (history?.points ?? []).reduce<{ at: string; admitted: number } | undefined>((best, p) => (p.admitted > (best?.admitted ?? 0) ? p : best), undefined);

  useEffect(() => {
    const c = chart.current;
    if (!c || !history) return;
    c.data.datasets = [...byGate].map(([gate, m], i) => ({
      label: code(gate),
      data: gateLine(m, step),
      borderColor: COLOURS[i % COLOURS.length],
      backgroundColor: COLOURS[i % COLOURS.length],
      pointRadius: 0,
      borderWidth: 2,
    }));
    const x = c.options.scales!.x!;
    x.min = Date.parse(history.from);
    x.max = Date.parse(history.to);
    // Ticks on whole minutes (multiples of the step), about five across the window.
    x.ticks = { ...x.ticks, stepSize: Math.max(60_000, Math.round((x.max - x.min) / 5 / 60_000) * 60_000) };
    c.update('none');
  }, [history, gates]);

  const minutes = history ? Math.round((Date.parse(history.to) - Date.parse(history.from)) / 60_000) : undefined;
  return (
    <figure>
      <figcaption>Gate throughput</figcaption>
      <div className="chart-box">
        <canvas ref={canvas} aria-label={`Admissions per ${history?.bucket ?? 'second'} at each gate`} role="img" />
      </div>
      <p className="muted chart-summary" data-testid="throughput-summary">
        {!history
          ? 'Loading the last minutes of admissions…'
          : total === 0
            ? `No admissions in the last ${minutes} minutes.`
            : `Last ${minutes} minutes: ${total.toLocaleString()} admitted (${totals
                .slice(0, 4)
                .map((t) => `${t.code} ${t.total.toLocaleString()}`)
                .join(
                  ', ',
                )}${totals.length > 4 ? ', …' : ''}); busiest ${history.bucket}: ${peak ? `${new Date(peak.at).toLocaleTimeString()}, ${peak.admitted.toLocaleString()} in` : '—'}.`}
      </p>
    </figure>
  );
}

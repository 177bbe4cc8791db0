import { useEffect, useRef } from 'react';
import { BarController, BarElement, CategoryScale, Chart, type ChartDataset, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import type { EconomicsView } from '@fanmesh/protocol';
import { cumulativeOf, fan, fanNumber } from './economics';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Legend, Tooltip);

type Epoch = EconomicsView['epochs'][number];

const day = (iso: string | null) => (iso ? new Date(iso).toLocaleDateString([], { day: 'numeric', month: 'short', year: 'numeric' }) : 'not closed');

/** The summary a screen reader hears for the chart (and what the chart shows, in words). */
function chartWords(epochs: Epoch[], emitted: string, released: string | null): string {
  const shown = epochs.slice(-8).map((e) => `epoch ${e.epochId} ${fan(e.emitted)} FAN`);
  return (
    `Emission per epoch, ${epochs.length} ${epochs.length === 1 ? 'epoch' : 'epochs'}: ${epochs.length > 8 ? '…, ' : ''}${shown.join(', ')}. ` +
    `Season so far ${fan(emitted)} FAN${released === null ? '; no emission schedule to compare with.' : ` against ${fan(released)} FAN the schedule released.`}`
  );
}

/**
 * Emission against the schedule: bars are what each epoch emitted (left axis); the lines are the
 * cumulative total the epoch brought the distributor to and what the on-chain schedule had released
 * by then (right axis), so an epoch that took the total above the release shows as the red line
 * crossing the dashed one.
 */
export function EmissionChart({ epochs, emitted, released }: { epochs: Epoch[]; emitted: string; released: string | null }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<'bar', (number | null)[], string>>(undefined);
  const withSchedule = epochs.some((e) => e.released !== null);

  useEffect(() => {
    if (!canvas.current) return;
    chart.current = new Chart<'bar', (number | null)[], string>(canvas.current, {
      type: 'bar',
      data: { labels: [], datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          y: { beginAtZero: true, position: 'left', title: { display: true, text: 'FAN per epoch' } },
          y1: { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false }, title: { display: true, text: 'FAN, cumulative' } },
        },
        plugins: {
          legend: { labels: { boxWidth: 12, sort: (a, b) => (a.datasetIndex ?? 0) - (b.datasetIndex ?? 0) } },
          tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${Number(item.parsed.y).toLocaleString(undefined, { maximumFractionDigits: 2 })} FAN` } },
        },
      },
    });
    return () => chart.current?.destroy();
  }, []);

  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    c.data.labels = epochs.map((e) => `#${e.epochId}`);
    const lines: ChartDataset<'line', (number | null)[]>[] = [
      {
        type: 'line',
        label: 'Emitted, cumulative',
        data: epochs.map((e) => {
          const c = cumulativeOf(e);
          return c === null ? null : fanNumber(c);
        }),
        borderColor: '#c8102e',
        backgroundColor: '#c8102e',
        yAxisID: 'y1',
        pointRadius: 3,
        order: 1,
      },
    ];
    if (withSchedule)
      lines.push({
        type: 'line',
        label: 'Released by the schedule, cumulative',
        data: epochs.map((e) => (e.released === null ? null : fanNumber(e.released))),
        borderColor: '#b26b00',
        backgroundColor: '#b26b00',
        borderDash: [6, 4],
        pointStyle: 'rectRot',
        pointRadius: 5,
        yAxisID: 'y1',
        order: 0,
      });
    c.data.datasets = [
      { type: 'bar', label: 'Emitted in the epoch', data: epochs.map((e) => fanNumber(e.emitted)), backgroundColor: '#0b3d2e', yAxisID: 'y', order: 2 },
      // a mixed chart: chart.js types a chart by its first type, so the lines pass as the bar chart's datasets
      ...(lines as unknown as ChartDataset<'bar', (number | null)[]>[]),
    ];
    c.update('none');
  }, [epochs, withSchedule]);

  const above = released !== null && BigInt(emitted) > BigInt(released);
  return (
    <figure className="emission">
      <figcaption>Emission per epoch, against the schedule</figcaption>
      <div className="chart-box">
        <canvas ref={canvas} role="img" aria-label={chartWords(epochs, emitted, released)} />
      </div>
      <p className={`chart-summary${above ? ' econ-warn' : ''}`} data-testid="emission-summary">
        {released === null
          ? `${fan(emitted)} FAN emitted this season; there is no emission schedule to read (no chain, or a distributor before 1.2.0).`
          : `${fan(emitted)} FAN of ${fan(released)} released${above ? ': above what the schedule released, so the newest epochs wait for later weeks.' : ', within the schedule.'}`}
      </p>
      <details className="epoch-numbers">
        <summary>The epochs in numbers</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Epoch</th>
              <th scope="col">Status</th>
              <th scope="col">Closed</th>
              <th scope="col">Emitted</th>
              <th scope="col">Cumulative</th>
              <th scope="col">Released</th>
            </tr>
          </thead>
          <tbody>
            {epochs.map((e) => {
              const cumulative = cumulativeOf(e);
              return (
                <tr key={e.epochId} data-epoch={e.epochId}>
                  <td>#{e.epochId}</td>
                  <td>{e.status.replace(/_/g, ' ')}</td>
                  <td>{day(e.closedAt)}</td>
                  <td data-amount={e.emitted}>{fan(e.emitted)} FAN</td>
                  <td data-amount={cumulative ?? ''} title={cumulative === null ? 'known once the epoch is approved and its tree built' : undefined}>
                    {cumulative === null ? 'not settled yet' : `${fan(cumulative)} FAN`}
                  </td>
                  <td data-amount={e.released ?? ''}>{e.released === null ? '—' : `${fan(e.released)} FAN`}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

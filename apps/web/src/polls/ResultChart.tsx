import { useEffect, useRef } from 'react';
import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

/** A horizontal bar per option, updated in place as live tallies arrive (no re-creation, no animation jank). */
export function ResultChart({ labels, values, unit, title }: { labels: string[]; values: number[]; unit: string; title: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<'bar'> | undefined>(undefined);

  useEffect(() => {
    if (!canvas.current) return;
    chart.current = new Chart(canvas.current, {
      type: 'bar',
      data: { labels, datasets: [{ label: unit, data: values, backgroundColor: '#0b3d2e', borderRadius: 6 }] },
      options: {
        indexAxis: 'y',
        animation: { duration: 250 },
        responsive: true,
        maintainAspectRatio: false,
        scales: { x: { beginAtZero: true } },
        plugins: { legend: { display: false }, tooltip: { enabled: true } },
      },
    });
    return () => chart.current?.destroy();
  }, [labels.join('\u0000')]);

  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    c.data.datasets[0].data = values;
    c.update();
  }, [values.join(',')]);

  return (
    <figure className="poll-chart">
      <figcaption>
        {title} ({unit})
      </figcaption>
      <div className="chart-box" data-values={JSON.stringify(values)}>
        <canvas ref={canvas} role="img" aria-label={`Result: ${labels.map((l, i) => `${l} ${values[i] ?? 0}`).join(', ')}`} />
      </div>
    </figure>
  );
}

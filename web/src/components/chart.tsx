// A chart people look at, the table behind it for those who read (and for screen readers), and its numbers as CSV.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { useEffect, useId, useRef, type ReactNode } from 'react';
import { downloadCsv, type CsvCell } from '../lib/csv';
import { durationUnit } from '../lib/format';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Legend, Tooltip);
Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily || 'system-ui, sans-serif';
Chart.defaults.color = '#33373d';

/** Okabe–Ito: told apart with the common colour-vision deficiencies. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#F0E442', '#000000'];

export interface CsvTable {
  filename: string;
  header: string[];
  rows: CsvCell[][];
}

/** The button that saves a card's numbers as a CSV file: the one way the dashboard downloads its figures. */
export function CsvButton({ title, csv }: { title: string; csv: CsvTable }) {
  return (
    <button type="button" className="button-secondary button-small" onClick={() => downloadCsv(csv.filename, csv.header, csv.rows)}>
      Download CSV<span className="visually-hidden"> of {title}</span>
    </button>
  );
}

export interface Series {
  label: string;
  data: (number | null)[];
  color?: string;
}

/**
 * Durations of `rows` as two bar series, their median (`medianLabel`) and 90th percentile, in the unit (days, hours,
 * …) that reads best for all of them.
 */
export function medianAndP90<R extends { medianHours: number | null; p90Hours: number | null }>(rows: readonly R[], labelOf: (row: R) => string, medianLabel: string) {
  const unit = durationUnit(rows.flatMap((r) => [r.medianHours, r.p90Hours]));
  const scaled = (h: number | null) => (h === null ? null : h * unit.perHour);
  const series: Series[] = [
    { label: medianLabel, data: rows.map((r) => scaled(r.medianHours)), color: PALETTE[0] },
    { label: '90th percentile', data: rows.map((r) => scaled(r.p90Hours)), color: PALETTE[1] },
  ];
  return { unit, labels: rows.map(labelOf), series };
}

export function ChartCard({
  title,
  description,
  kind,
  labels,
  series,
  stacked,
  yTitle,
  integer,
  csv,
  empty,
  footer,
}: {
  title: string;
  description: string;
  kind: 'bar' | 'line' | 'hbar';
  labels: string[];
  series: Series[];
  stacked?: boolean;
  yTitle?: string;
  /** Counts: no fractional ticks. */
  integer?: boolean;
  csv: CsvTable;
  /** Shown instead of the chart when there is nothing to draw. */
  empty?: string | null;
  footer?: ReactNode;
}) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const chartRef = useRef<Chart | null>(null);
  const headingId = useId();
  const descId = useId();

  useEffect(() => {
    if (empty || !canvasRef.current) return;
    const horizontal = kind === 'hbar';
    const config: ChartConfiguration = {
      type: kind === 'line' ? 'line' : 'bar',
      data: {
        labels,
        datasets: series.map((s, i) => ({
          label: s.label,
          data: s.data,
          backgroundColor: s.color ?? PALETTE[i % PALETTE.length],
          borderColor: s.color ?? PALETTE[i % PALETTE.length],
          borderWidth: kind === 'line' ? 2 : 0,
          tension: 0,
          spanGaps: true,
        })),
      },
      options: {
        indexAxis: horizontal ? 'y' : 'x',
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: series.length > 1, position: 'bottom' },
          tooltip: { enabled: true },
        },
        scales: {
          x: {
            stacked,
            beginAtZero: horizontal,
            grid: { display: horizontal },
            title: { display: Boolean(yTitle && horizontal), text: yTitle ?? '' },
            ticks: horizontal && integer ? { precision: 0 } : {},
          },
          y: {
            stacked,
            beginAtZero: true,
            ticks: !horizontal && integer ? { precision: 0 } : {},
            grid: { display: !horizontal },
            title: { display: Boolean(yTitle && !horizontal), text: yTitle ?? '' },
          },
        },
      },
    };
    chartRef.current?.destroy();
    chartRef.current = new Chart(canvasRef.current, config);
    return () => {
      chartRef.current?.destroy();
      chartRef.current = null;
    };
  }, [kind, labels, series, stacked, yTitle, integer, empty]);

  return (
    <section className="card chart-card" aria-labelledby={headingId} data-testid="chart-card">
      <div className="card-header">
        <h2 id={headingId}>{title}</h2>
        <div className="card-actions">
          <CsvButton title={title} csv={csv} />
        </div>
      </div>
      <p className="muted" id={descId}>
        {description}
      </p>
      {empty ? (
        <p className="chart-empty">{empty}</p>
      ) : (
        <div className="chart-box">
          <canvas ref={canvasRef} role="img" aria-label={`${title}. The numbers are in the table below.`} aria-describedby={descId} />
        </div>
      )}
      <details className="chart-table">
        <summary>Show the numbers</summary>
        <div className="table-scroll">
          <table className="data">
            <caption className="visually-hidden">{title}</caption>
            <thead>
              <tr>
                {csv.header.map((h) => (
                  <th key={h} scope="col">
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {csv.rows.map((row, i) => (
                <tr key={i}>
                  {row.map((cell, j) =>
                    j === 0 ? (
                      <th key={j} scope="row">
                        {cell ?? '—'}
                      </th>
                    ) : (
                      <td key={j} className="num">
                        {cell ?? '—'}
                      </td>
                    ),
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
      {footer}
    </section>
  );
}

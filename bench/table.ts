// The one printed table: the machine on top, one line per comparison, then each section's notes.
import type { Machine, SectionResult, Spread } from './support';

interface Printable {
  startedAt: string;
  options: { full: boolean; rounds: number; temporalArgs: string[]; workerEnv: Record<string, string> };
  machine: Machine;
  bundles: { dispute: { bytes: number; buildMs: number }; bare: { bytes: number; buildMs: number } };
  sections: SectionResult[];
}

function num(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  return abs >= 100 ? value.toFixed(0) : abs >= 10 ? value.toFixed(1) : value.toFixed(2);
}

const range = (s: Spread, suffix = '') => `${num(s.median)}${suffix} (${num(s.min)}–${num(s.max)})`;

export function printTable(report: Printable): string {
  const m = report.machine;
  const header = [
    `ar-dispute-engine benchmarks, ${report.startedAt} (${report.options.full ? 'full' : 'default'} sizes, ` +
      `${report.options.rounds} rounds A B A B…, first dropped; medians with min–max over the kept rounds)`,
    `machine: ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM, ${m.os}; node ${m.node}; ${m.temporalCli}; ` +
      `PostgreSQL ${m.postgres}; load average at start ${m.loadAvgAtStart.join(' ')}`,
    `workflow bundles: dispute ${(report.bundles.dispute.bytes / 1024).toFixed(0)} KiB (${report.bundles.dispute.buildMs.toFixed(0)} ms), ` +
      `bare ${(report.bundles.bare.bytes / 1024).toFixed(0)} KiB (${report.bundles.bare.buildMs.toFixed(0)} ms)` +
      (Object.keys(report.options.workerEnv).length ? `; worker env ${JSON.stringify(report.options.workerEnv)}` : '') +
      (report.options.temporalArgs.length ? `; server args ${report.options.temporalArgs.join(' ')}` : ''),
    '',
  ];
  const rows = [['#', 'metric', 'A ours', 'B baseline', 'A/B', 'A−B', 'goal', 'result']];
  for (const section of report.sections) {
    for (const c of section.comparisons) {
      rows.push([
        c.id,
        `${c.metric} [${c.unit}]`,
        range(c.a),
        range(c.b),
        range(c.ratio, '×'),
        num(c.delta.median),
        c.goal.text,
        c.pass ? 'PASS' : `MISS (${c.missed.join('; ')})`,
      ]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  const table = [line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)];
  const notes = report.sections.flatMap((s) => s.info.map((i) => `- ${i}`));
  return [...header, ...table, '', ...notes].join('\n');
}

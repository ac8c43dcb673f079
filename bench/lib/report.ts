import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './children';
import { HotSpot } from './profile-summary';

export type Verdict = 'pass' | 'FAIL' | 'info' | 'n/a';

/** One line of the results table. Numbers stay numbers in the JSON; `unit` says what they are. */
export interface Row {
  id: string;
  measurement: string;
  value: number | null;
  baseline?: number | null;
  unit: string;
  /** value / baseline, or the inverse when lower is better (see `betterWhen`). */
  ratio?: number | null;
  target?: string;
  verdict: Verdict;
  note?: string;
}

export interface Results {
  startedAt: string;
  finishedAt?: string;
  /** 1, 5 and 15 minute load averages when the run ended (machine() has them at the start). */
  loadAverageAtEnd?: number[];
  mode: 'quick' | 'full';
  machine: ReturnType<typeof machine>;
  settings: Record<string, unknown>;
  rows: Row[];
  errors: { suite: string; message: string }[];
  details: Record<string, unknown>;
  /** Summaries of the CPU profiles taken with --profile, by file name. */
  profiles?: Record<
    string,
    { file: string; totalMs: number; idleShare: number; top: HotSpot[]; byArea: { area: string; share: number }[] }
  >;
}

export function machine() {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model ?? 'unknown',
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

function fmt(n: number | null | undefined, unit = ''): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : abs >= 0.01 ? 3 : 4;
  const s = n.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return unit ? `${s} ${unit}` : s;
}

function fmtRatio(r: number | null | undefined): string {
  if (r === null || r === undefined || Number.isNaN(r)) return '—';
  return r >= 10 ? `${fmt(r)}×` : `${r.toFixed(2)}×`;
}

export function formatTable(rows: Row[]): string {
  const header = ['measurement', 'value', 'baseline', 'ratio', 'target', 'result'];
  const body = rows.map((r) => [
    r.measurement,
    fmt(r.value, r.unit),
    r.baseline === undefined ? '' : fmt(r.baseline, r.unit),
    r.ratio === undefined ? '' : fmtRatio(r.ratio),
    r.target ?? '',
    r.verdict,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const out = [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)];
  const notes = rows.filter((r) => r.note).map((r) => `- ${r.measurement}: ${r.note}`);
  return [...out, ...(notes.length ? ['', 'Notes:', ...notes] : [])].join('\n');
}

export function writeResults(results: Results): string {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${results.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

/** pass/FAIL against a threshold; `info` when there is nothing to judge. */
export function atLeast(value: number | null | undefined, min: number): Verdict {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  return value >= min ? 'pass' : 'FAIL';
}

export function atMost(value: number | null | undefined, max: number): Verdict {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  return value <= max ? 'pass' : 'FAIL';
}

export function both(...verdicts: Verdict[]): Verdict {
  if (verdicts.includes('n/a')) return 'n/a';
  return verdicts.includes('FAIL') ? 'FAIL' : 'pass';
}

export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || b === 0) return null;
  return a / b;
}

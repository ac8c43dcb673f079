import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface HotSpot {
  selfMs: number;
  share: number;
  fn: string;
  where: string;
}

/** Top functions by self time in a .cpuprofile, with paths shortened to the package or repo file. */
export function topSelfTime(file: string, limit = 25): { totalMs: number; idleShare: number; top: HotSpot[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const totals = new Map<string, HotSpot>();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    totalUs += us;
    if (frame.functionName === '(idle)') idleUs += us;
    const where = shortPath(frame.url, frame.lineNumber);
    const key = `${frame.functionName}@${where}`;
    const spot = totals.get(key) ?? { selfMs: 0, share: 0, fn: frame.functionName || '(anonymous)', where };
    spot.selfMs += us / 1000;
    totals.set(key, spot);
  }
  const busyUs = Math.max(1, totalUs - idleUs);
  const top = [...totals.values()]
    .filter((s) => s.fn !== '(idle)')
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, limit)
    .map((s) => ({ ...s, selfMs: Math.round(s.selfMs), share: Math.round((s.selfMs * 1000 * 1000) / busyUs) / 1000 }));
  return {
    totalMs: Math.round(totalUs / 1000),
    idleShare: Math.round((idleUs / Math.max(1, totalUs)) * 1000) / 1000,
    top,
  };
}

/** Self time grouped by package (node_modules/<pkg>) or repo area, to see which layer costs most. */
export function selfTimeByPackage(file: string): { area: string; share: number }[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const areas = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') return;
    const us = profile.timeDeltas[i] ?? 0;
    busy += us;
    const area = areaOf(frame.url, frame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + us);
  });
  return [...areas.entries()]
    .map(([area, us]) => ({ area, share: Math.round((us / Math.max(1, busy)) * 1000) / 1000 }))
    .sort((a, b) => b.share - a.share);
}

function areaOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const repo = /\/dist\/((?:apps|libs)\/[^/]+)/.exec(url);
  if (repo) return repo[1];
  if (url.startsWith('node:')) return 'node core';
  return url;
}

function shortPath(url: string, line: number): string {
  if (!url) return '';
  const pkg = /node_modules\/(.*)$/.exec(url);
  const repo = /\/dist\/(.*)$/.exec(url);
  const path = pkg ? pkg[1] : repo ? repo[1] : url.replace(/^file:\/\//, '');
  return `${path}:${line + 1}`;
}

/** `ts-node bench/lib/profile-summary.ts <file.cpuprofile> [limit]` prints the summary. */
if (require.main === module) {
  const [file, limit] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: profile-summary <file.cpuprofile> [limit]\n');
    process.exit(2);
  }
  const { totalMs, idleShare, top } = topSelfTime(file, Number(limit ?? 25));
  process.stdout.write(`profile ${file}: ${totalMs} ms sampled, ${(idleShare * 100).toFixed(1)}% idle\n\n`);
  process.stdout.write('self time by area (share of busy time):\n');
  for (const a of selfTimeByPackage(file).slice(0, 15))
    process.stdout.write(`  ${(a.share * 100).toFixed(1).padStart(5)}%  ${a.area}\n`);
  process.stdout.write('\ntop functions by self time:\n');
  for (const s of top)
    process.stdout.write(
      `  ${String(s.selfMs).padStart(7)} ms ${(s.share * 100).toFixed(1).padStart(5)}%  ${s.fn}  ${s.where}\n`,
    );
}

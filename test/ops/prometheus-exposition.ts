/**
 * A strict parser for the Prometheus text exposition format (0.0.4), for tests:
 * every line must be a HELP/TYPE comment or a sample of a family declared by
 * TYPE, with valid names, quoted and escaped label values and a float value;
 * histogram buckets must be cumulative, end in +Inf and agree with _count.
 * Throws naming the first offending line.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Histogram {
  labels: Record<string, string>;
  buckets: Record<string, number>;
  sum: number;
  count: number;
}

export interface MetricFamily {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: Sample[];
  /** Histogram families only: one entry per label set (without `le`). */
  histograms: Histogram[];
}

const SUFFIXES: Record<MetricFamily['type'], string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

export function parseExposition(text: string): Map<string, MetricFamily> {
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const families = new Map<string, MetricFamily>();
  const seenSamples = new Set<string>();
  text.split('\n').forEach((line, i) => {
    const where = `line ${i + 1}: ${line}`;
    if (line === '') return;
    if (line.startsWith('#')) return readComment(line, where, families);
    const sample = readSample(line, where);
    const family = [...families.values()].find((f) => SUFFIXES[f.type].some((s) => `${f.name}${s}` === sample.name));
    if (!family) throw new Error(`sample of an undeclared family: ${where}`);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seenSamples.has(key)) throw new Error(`duplicate sample: ${where}`);
    seenSamples.add(key);
    family.samples.push(sample);
  });
  for (const family of families.values()) if (family.type === 'histogram') family.histograms = groupHistogram(family);
  return families;
}

function readComment(line: string, where: string, families: Map<string, MetricFamily>): void {
  const m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
  if (!m) {
    if (/^# (HELP|TYPE)\b/.test(line)) throw new Error(`malformed ${line.slice(2, 6)} in ${where}`);
    return; // other comments are allowed
  }
  const [, kind, name, rest] = m;
  const family = families.get(name) ?? { name, type: 'untyped', help: '', samples: [], histograms: [] };
  if (kind === 'TYPE') {
    if (!(rest in SUFFIXES)) throw new Error(`unknown type in ${where}`);
    if (families.has(name) && family.samples.length > 0) throw new Error(`TYPE after samples: ${where}`);
    family.type = rest as MetricFamily['type'];
  } else {
    family.help = rest;
  }
  families.set(name, family);
}

function readSample(line: string, where: string): Sample {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (!nameMatch) throw new Error(`bad sample name in ${where}`);
  let rest = line.slice(nameMatch[0].length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    while (!rest.startsWith('}')) {
      const label = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(rest);
      if (!label) throw new Error(`bad label in ${where}`);
      rest = rest.slice(label[0].length);
      let value = '';
      let j = 0;
      for (; j < rest.length && rest[j] !== '"'; j += 1) {
        if (rest[j] === '\\') {
          const next = rest[j + 1];
          if (next !== '\\' && next !== '"' && next !== 'n') throw new Error(`bad escape in ${where}`);
          value += next === 'n' ? '\n' : next;
          j += 1;
        } else {
          value += rest[j];
        }
      }
      if (j >= rest.length) throw new Error(`unterminated label value in ${where}`);
      if (label[1] in labels) throw new Error(`label ${label[1]} repeated in ${where}`);
      labels[label[1]] = value;
      rest = rest.slice(j + 1);
      if (rest.startsWith(',')) rest = rest.slice(1);
      else if (!rest.startsWith('}')) throw new Error(`expected , or } in ${where}`);
    }
    rest = rest.slice(1);
  }
  const m = /^ (\S+)( -?\d+)?$/.exec(rest);
  if (!m) throw new Error(`bad value part in ${where}`);
  return { name: nameMatch[0], labels, value: parseFloatValue(m[1], where) };
}

/** Go's ParseFloat, as Prometheus uses it: decimals, exponents, and NaN / Inf in any case. */
function parseFloatValue(text: string, where: string): number {
  if (/^nan$/i.test(text)) return NaN;
  if (/^[+-]?inf(inity)?$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) throw new Error(`bad value in ${where}`);
  return Number(text);
}

function groupHistogram(family: MetricFamily): Histogram[] {
  const byLabels = new Map<string, Histogram>();
  for (const s of family.samples) {
    const { le, ...labels } = s.labels;
    const key = JSON.stringify(Object.entries(labels).sort());
    const h = byLabels.get(key) ?? { labels, buckets: {}, sum: NaN, count: NaN };
    byLabels.set(key, h);
    if (s.name === `${family.name}_bucket`) {
      if (le === undefined) throw new Error(`${family.name}_bucket without le`);
      h.buckets[le] = s.value;
    } else if (s.name === `${family.name}_sum`) h.sum = s.value;
    else h.count = s.value;
  }
  for (const h of byLabels.values()) {
    const bounds = Object.keys(h.buckets).sort((a, b) => parseFloatValue(a, a) - parseFloatValue(b, b));
    if (bounds[bounds.length - 1] !== '+Inf')
      throw new Error(`${family.name}${JSON.stringify(h.labels)}: no +Inf bucket`);
    bounds.reduce((previous, le) => {
      if (h.buckets[le] < previous) throw new Error(`${family.name}: bucket le=${le} is not cumulative`);
      return h.buckets[le];
    }, 0);
    if (h.buckets['+Inf'] !== h.count) throw new Error(`${family.name}: +Inf bucket differs from _count`);
    if (Number.isNaN(h.sum)) throw new Error(`${family.name}${JSON.stringify(h.labels)}: no _sum`);
  }
  return [...byLabels.values()];
}

/** The value of the sample whose labels include all given ones; undefined when absent. */
export function sampleValue(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return families
    .get(name)
    ?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

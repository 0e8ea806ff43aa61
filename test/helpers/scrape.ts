/**
 * Reading a Prometheus text exposition in tests. A dozen lines of parsing: the one package
 * on npm for it (parse-prometheus-text-format) drops histogram labels.
 */
export interface Sample {
  /** The sample's own name (`x_bucket`, `x_sum`, `x_count` for a histogram `x`). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  /** `# TYPE` of each family: counter, gauge, histogram, summary, untyped. */
  types: Map<string, string>;
  samples: Sample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      if (name && type) types.set(name, type);
      continue;
    }
    if (line.startsWith('#') || line.trim() === '') continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) labels[key!] = value!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return { types, samples };
}

/** GET a `/metrics` URL and parse it; throws on any status but 200. */
export async function scrape(url: string, headers: Record<string, string> = {}): Promise<Exposition> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status} ${text}`);
  return parseExposition(text);
}

const includes = (labels: Record<string, string>, wanted: Record<string, string>) => Object.entries(wanted).every(([k, v]) => labels[k] === v);

/** Sum of the samples named `name` whose labels include `labels` (0 when there are none). */
export function valueOf(exposition: Exposition, name: string, labels: Record<string, string> = {}): number {
  return exposition.samples.filter((s) => s.name === name && includes(s.labels, labels)).reduce((sum, s) => sum + s.value, 0);
}

/** Count and sum of histogram `name` over the series whose labels include `labels`. */
export function histogramOf(exposition: Exposition, name: string, labels: Record<string, string> = {}): { count: number; sum: number } {
  return { count: valueOf(exposition, `${name}_count`, labels), sum: valueOf(exposition, `${name}_sum`, labels) };
}

/** Every value label `label` takes in the samples of family `name` (histogram parts included). */
export function labelValues(exposition: Exposition, name: string, label: string): string[] {
  const family = (s: Sample) => s.name === name || s.name === `${name}_bucket` || s.name === `${name}_count` || s.name === `${name}_sum`;
  return [...new Set(exposition.samples.filter(family).map((s) => s.labels[label]).filter((v): v is string => v !== undefined))];
}

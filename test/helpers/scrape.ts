import { parseExposition, valueOf, type Exposition, type Sample } from '../../src/loadtest/prometheus-text.js';

export { parseExposition, valueOf, type Exposition };

/** GET a `/metrics` URL and parse it; throws on any status but 200. */
export async function scrape(url: string, headers: Record<string, string> = {}): Promise<Exposition> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status} ${text}`);
  return parseExposition(text);
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

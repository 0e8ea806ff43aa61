/**
 * Inline SVG charts for report.html. The page must open offline as one file, so instead of
 * embedding a charting library the few chart shapes needed are drawn here. Every data point
 * is an element with `class="point"` (or `"bar"`) and data attributes, so the page can be
 * checked by a browser test and read by a script.
 */
export interface ChartPoint {
  x: number;
  y: number | null;
}

export interface ChartSeries {
  name: string;
  color: string;
  points: ChartPoint[];
}

export interface LineChartSpec {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: ChartSeries[];
  /** Names for x positions (categorical axis): x values are then indexes into this list. */
  xCategories?: string[];
  /** Vertical markers, e.g. stage starts. */
  markers?: { x: number; label: string }[];
  formatY?: (v: number) => string;
  formatX?: (v: number) => string;
  yMin?: number;
}

export interface BarChartSpec {
  id: string;
  title: string;
  yLabel: string;
  categories: string[];
  values: number[];
  colors?: string[];
  yMax?: number;
  formatY?: (v: number) => string;
}

const W = 640;
const H = 300;
const M = { top: 36, right: 20, bottom: 48, left: 72 };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** Round an axis maximum up to 1, 2, 2.5 or 5 x a power of ten. */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

function num(v: number): string {
  return String(Math.round(v * 100) / 100);
}

function frame(id: string, title: string, body: string[], legend: { name: string; color: string }[]): string {
  const legendItems = legend
    .map((l, i) => `<g transform="translate(${M.left + i * 110},${14})"><rect width="12" height="12" fill="${l.color}"/><text x="16" y="10" class="legend">${escapeXml(l.name)}</text></g>`)
    .join('');
  return `<figure class="chart-box"><figcaption>${escapeXml(title)}</figcaption><svg class="chart" id="${escapeXml(id)}" data-chart="${escapeXml(id)}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeXml(title)}" xmlns="http://www.w3.org/2000/svg">${legendItems}${body.join('')}</svg></figure>`;
}

function yAxis(yMin: number, yMax: number, formatY: (v: number) => string, yLabel: string): string[] {
  const out: string[] = [];
  const plotH = H - M.top - M.bottom;
  for (let i = 0; i <= 4; i++) {
    const v = yMin + ((yMax - yMin) * i) / 4;
    const y = M.top + plotH - (plotH * i) / 4;
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${num(y)}" y2="${num(y)}" class="grid"/>`);
    out.push(`<text x="${M.left - 6}" y="${num(y + 4)}" text-anchor="end" class="tick">${escapeXml(formatY(v))}</text>`);
  }
  out.push(`<text transform="translate(14,${M.top + plotH / 2}) rotate(-90)" text-anchor="middle" class="axis-label">${escapeXml(yLabel)}</text>`);
  return out;
}

export function lineChart(spec: LineChartSpec): string {
  const formatY = spec.formatY ?? ((v: number) => num(v));
  const formatX = spec.formatX ?? ((v: number) => num(v));
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const all = spec.series.flatMap((s) => s.points);
  const ys = all.map((p) => p.y).filter((y): y is number => y !== null && Number.isFinite(y));
  const xs = all.map((p) => p.x);
  const categorical = spec.xCategories !== undefined;
  const xMin = categorical ? 0 : Math.min(0, ...xs, ...(spec.markers ?? []).map((m) => m.x));
  const xMax = categorical ? Math.max(1, (spec.xCategories?.length ?? 1) - 1) : niceMax(Math.max(...xs, ...(spec.markers ?? []).map((m) => m.x), 1e-9));
  const yMin = spec.yMin ?? 0;
  const yMax = niceMax(Math.max(...ys, 0));
  // Categories sit in the middle of equal slots, so the first and last labels are not cut.
  const slots = spec.xCategories?.length ?? 1;
  const px = (x: number) => (categorical ? M.left + ((x + 0.5) / slots) * plotW : M.left + ((x - xMin) / (xMax - xMin || 1)) * plotW);
  const py = (y: number) => M.top + plotH - ((y - yMin) / (yMax - yMin || 1)) * plotH;
  const body = yAxis(yMin, yMax, formatY, spec.yLabel);
  // x axis ticks
  if (categorical) {
    spec.xCategories!.forEach((name, i) => body.push(`<text x="${num(px(i))}" y="${H - M.bottom + 16}" text-anchor="middle" class="tick">${escapeXml(name)}</text>`));
  } else {
    for (let i = 0; i <= 5; i++) {
      const v = xMin + ((xMax - xMin) * i) / 5;
      body.push(`<text x="${num(px(v))}" y="${H - M.bottom + 16}" text-anchor="middle" class="tick">${escapeXml(formatX(v))}</text>`);
    }
  }
  body.push(`<text x="${M.left + plotW / 2}" y="${H - 8}" text-anchor="middle" class="axis-label">${escapeXml(spec.xLabel)}</text>`);
  body.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${M.top + plotH}" y2="${M.top + plotH}" class="axis"/>`);
  (spec.markers ?? []).forEach((m, i) => {
    // Alternate label heights so that close markers stay readable.
    const labelY = M.top + 10 + (i % 3) * 12;
    body.push(`<line x1="${num(px(m.x))}" x2="${num(px(m.x))}" y1="${M.top}" y2="${M.top + plotH}" class="marker"/><text x="${num(px(m.x) + 3)}" y="${labelY}" class="marker-label">${escapeXml(m.label)}</text>`);
  });
  for (const s of spec.series) {
    const drawn = s.points.filter((p): p is { x: number; y: number } => p.y !== null && Number.isFinite(p.y));
    if (drawn.length > 1) body.push(`<polyline class="line" fill="none" stroke="${s.color}" stroke-width="2" points="${drawn.map((p) => `${num(px(p.x))},${num(py(p.y))}`).join(' ')}"/>`);
    for (const p of drawn) {
      const xText = categorical ? (spec.xCategories?.[p.x] ?? String(p.x)) : formatX(p.x);
      body.push(
        `<circle class="point" data-series="${escapeXml(s.name)}" data-x="${num(p.x)}" data-y="${num(p.y)}" cx="${num(px(p.x))}" cy="${num(py(p.y))}" r="3.5" fill="${s.color}"><title>${escapeXml(`${s.name} at ${xText}: ${formatY(p.y)}`)}</title></circle>`,
      );
    }
  }
  return frame(spec.id, spec.title, body, spec.series);
}

export function barChart(spec: BarChartSpec): string {
  const formatY = spec.formatY ?? ((v: number) => num(v));
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const yMax = spec.yMax ?? niceMax(Math.max(...spec.values, 0));
  const slot = plotW / Math.max(1, spec.categories.length);
  const body = yAxis(0, yMax, formatY, spec.yLabel);
  spec.categories.forEach((name, i) => {
    const value = spec.values[i] ?? 0;
    const h = (Math.max(0, value) / (yMax || 1)) * plotH;
    const x = M.left + i * slot + slot * 0.2;
    const color = spec.colors?.[i] ?? '#3b82f6';
    body.push(
      `<rect class="bar" data-category="${escapeXml(name)}" data-value="${num(value)}" x="${num(x)}" y="${num(M.top + plotH - h)}" width="${num(slot * 0.6)}" height="${num(Math.max(h, 0.5))}" fill="${color}"><title>${escapeXml(`${name}: ${formatY(value)}`)}</title></rect>`,
    );
    body.push(`<text x="${num(x + slot * 0.3)}" y="${num(M.top + plotH - h - 4)}" text-anchor="middle" class="value">${escapeXml(formatY(value))}</text>`);
    body.push(`<text x="${num(x + slot * 0.3)}" y="${H - M.bottom + 16}" text-anchor="middle" class="tick">${escapeXml(name)}</text>`);
  });
  body.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${M.top + plotH}" y2="${M.top + plotH}" class="axis"/>`);
  return frame(spec.id, spec.title, body, []);
}

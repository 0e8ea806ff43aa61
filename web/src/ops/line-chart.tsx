import { useId } from 'preact/hooks';

export interface Series {
  name: string;
  /** A CSS class giving the line its colour (and a dash pattern, for readers who cannot tell colours apart). */
  tone: 'a' | 'b';
  values: Array<number | null>;
}

const W = 320;
const H = 110;

/**
 * A small line (or bar) chart drawn as SVG: the newest value at the right edge, the y axis
 * from 0 to the largest value shown (or a fixed maximum, e.g. 100 for percentages).
 */
export function LineChart({ title, series, unit, max, bars = false }: { title: string; series: Series[]; unit: string; max?: number; bars?: boolean }) {
  const titleId = useId();
  const count = Math.max(2, ...series.map((s) => s.values.length));
  const top = max ?? Math.max(1, ...series.flatMap((s) => s.values.filter((v): v is number => v !== null)));
  const x = (i: number) => (i / (count - 1)) * W;
  const y = (v: number) => H - (Math.min(v, top) / top) * (H - 4);
  const latest = series.map((s) => `${s.name} ${format(s.values.at(-1) ?? null, unit)}`).join(', ');
  return (
    <figure class="chart">
      <figcaption id={titleId}>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-labelledby={titleId} aria-description={`Now: ${latest}; scale 0 to ${format(top, unit)}`}>
        <line class="axis" x1="0" y1={H} x2={W} y2={H} />
        <line class="grid" x1="0" y1={H / 2} x2={W} y2={H / 2} />
        {series.map((s, index) =>
          bars ? (
            <g class={`series tone-${s.tone}`} key={s.name}>
              {s.values.map((v, i) =>
                v ? <rect key={i} class="bar" x={x(i) - (W / count) * (index === 0 ? 0.9 : 0.45)} y={y(v)} width={(W / count) * 0.45} height={H - y(v)} /> : null,
              )}
            </g>
          ) : (
            <polyline
              key={s.name}
              class={`series line tone-${s.tone}`}
              points={s.values
                .map((v, i) => (v === null ? null : `${x(i + count - s.values.length).toFixed(1)},${y(v).toFixed(1)}`))
                .filter(Boolean)
                .join(' ')}
            />
          ),
        )}
      </svg>
      <div class="chart-scale" aria-hidden="true">
        <span>max {format(top, unit)}</span>
        <span class="legend">
          {series.map((s) => (
            <span key={s.name} class={`key tone-${s.tone}`}>
              {s.name}
            </span>
          ))}
        </span>
      </div>
    </figure>
  );
}

export function format(value: number | null, unit: string): string {
  if (value === null || !Number.isFinite(value)) return '–';
  if (unit === '%') return `${Math.round(value)}%`;
  if (unit === 'ms') return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
  return `${Math.round(value * 10) / 10}${unit ? ` ${unit}` : ''}`;
}

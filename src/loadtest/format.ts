/** Number formatting shared by the Markdown, HTML and compare writers. */

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function fmtNum(n: number, digits = 2): string {
  if (!Number.isFinite(n)) return 'n/a';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** `850 ms`, `5,431 ms`, `43.6 s` (seconds above a minute's worth of ms stays readable). */
export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return 'n/a';
  if (Math.abs(ms) >= 60_000) return `${fmtNum(ms / 1000, 1)} s`;
  if (Math.abs(ms) >= 10) return `${fmtInt(ms)} ms`;
  return `${fmtNum(ms, 1)} ms`;
}

export function fmtPct(fraction: number | null | undefined, digits = 1): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return 'n/a';
  return `${fmtNum(fraction * 100, digits)}%`;
}

/** Dollars with enough digits that a fraction of a cent still shows. */
export function fmtUsd(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return 'n/a';
  const abs = Math.abs(usd);
  const digits = abs === 0 ? 2 : abs >= 100 ? 0 : abs >= 1 ? 2 : abs >= 0.01 ? 4 : 6;
  return `$${fmtNum(usd, digits)}`;
}

/** A threshold's measured value in its unit: `9,119 ms`, `0.824`, `2.41/s`, `$0.000666`. */
export function fmtCheckValue(actual: number | null, unit: 'ms' | 'ratio' | 'per_sec' | 'usd'): string {
  if (actual === null) return 'no data';
  switch (unit) {
    case 'ms':
      return fmtMs(actual);
    case 'ratio':
      return fmtNum(actual, 3);
    case 'per_sec':
      return `${fmtNum(actual)}/s`;
    case 'usd':
      return fmtUsd(actual);
  }
}

import { describe, expect, it } from 'vitest';
import { barChart, escapeXml, lineChart, niceMax } from './svg-charts.js';

describe('svg charts', () => {
  it('draws one point element per finite value, with its data', () => {
    const svg = lineChart({ id: 'c', title: 'T <1>', xLabel: 'x', yLabel: 'y', series: [{ name: 'p95', color: '#000', points: [{ x: 0, y: 5 }, { x: 1, y: null }, { x: 2, y: 7 }] }] });
    expect(svg.match(/class="point"/g)).toHaveLength(2);
    expect(svg).toContain('data-y="7"');
    expect(svg).toContain('T &lt;1&gt;');
    expect(svg).toContain('<polyline');
  });

  it('draws one bar per category', () => {
    const svg = barChart({ id: 'b', title: 'S', yLabel: '%', categories: ['a', 'b'], values: [1, 0.25], yMax: 1 });
    expect(svg.match(/class="bar"/g)).toHaveLength(2);
  });

  it('rounds axes and escapes text', () => {
    expect(niceMax(43_570)).toBe(50_000);
    expect(niceMax(0)).toBe(1);
    expect(escapeXml(`"a"&'b'`)).toBe('&quot;a&quot;&amp;&#39;b&#39;');
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gzippedSize, PAGE_BUNDLES, PAGE_JS_BUDGET_BYTES } from '../web/build/page-budget.js';
import { WEB_ASSETS_DIR } from '../src/server/routes/web-routes.js';

describe('the built web pages (npm run build)', () => {
  it.each(Object.entries(PAGE_BUNDLES))('%s ships at most 60 KB of JavaScript, gzipped', (_page, file) => {
    const path = join(WEB_ASSETS_DIR, file);
    expect(existsSync(path), `${path} is missing: run npm run build`).toBe(true);
    const size = gzippedSize(path);
    expect(size).toBeGreaterThan(1000);
    expect(size).toBeLessThanOrEqual(PAGE_JS_BUDGET_BYTES);
  });

  it('pages load their code and styles from their own server only', () => {
    for (const page of ['chat.html', 'owner.html', 'ops.html']) {
      const html = readFileSync(join(WEB_ASSETS_DIR, page), 'utf8');
      const urls = [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
      expect(urls.length).toBeGreaterThan(1);
      for (const url of urls) expect(url, `${page}: ${url}`).toMatch(/^(\/web\/|data:)/);
    }
  });

  it('no bundle names a font or script CDN', () => {
    for (const file of [...Object.values(PAGE_BUNDLES), 'chat.css', 'owner.css', 'ops.css']) {
      const text = readFileSync(join(WEB_ASSETS_DIR, file), 'utf8');
      expect(text, file).not.toMatch(/fonts\.googleapis|fonts\.gstatic|cdn\.jsdelivr|unpkg\.com|cdnjs\.|@import\s+url\(\s*["']?https?:/);
    }
  });
});

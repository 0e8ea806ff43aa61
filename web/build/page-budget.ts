import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

/** Each page's JavaScript, gzipped, may weigh at most this much (the budget). */
export const PAGE_JS_BUDGET_BYTES = 60 * 1024;

/** The bundles a visitor's browser downloads for each page. */
export const PAGE_BUNDLES = {
  'chat (/)': 'chat.js',
  'owner (/owner)': 'owner.js',
  'ops (/ops)': 'ops.js',
  'widget (widget.js)': 'widget.js',
} as const;

/** Bytes after gzip at the level servers and CDNs commonly use. */
export function gzippedSize(path: string): number {
  return gzipSync(readFileSync(path), { level: 9 }).length;
}

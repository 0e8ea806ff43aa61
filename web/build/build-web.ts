import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { gzippedSize, PAGE_BUNDLES, PAGE_JS_BUDGET_BYTES } from './page-budget.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT = join(ROOT, 'dist/web');
const SRC = join(ROOT, 'web');

/**
 * The SDK's Client class imports @langchain/core (and, through it, langsmith: about 90 KB
 * gzipped) only for its newer thread-stream protocol and message assembler. The pages use
 * runs.stream, threads and join, which never reach those imports, so they resolve to a stub
 * whose every export throws. esbuild fails the build if the SDK starts importing a name the
 * stub lacks, so a new SDK version cannot slip past this silently.
 */
const SDK_CORE_STUB = join(SRC, 'src/shared/sdk-core-stub.ts');

const common: BuildOptions = {
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2022', 'chrome109', 'firefox115', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  alias: { '@langchain/core/messages': SDK_CORE_STUB, '@langchain/core/utils/uuid': SDK_CORE_STUB },
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
};

export async function buildWeb(): Promise<void> {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  await Promise.all([
    build({
      ...common,
      entryPoints: { chat: join(SRC, 'src/chat/chat-page.tsx'), owner: join(SRC, 'src/owner/owner-page.tsx'), ops: join(SRC, 'src/ops/ops-page.tsx') },
      outdir: OUT,
    }),
    // The widget lives inside other sites' pages: one file, its styles inlined into a shadow root.
    build({ ...common, entryPoints: { widget: join(SRC, 'src/widget/widget.tsx') }, outdir: OUT, loader: { '.css': 'text' } }),
    build({
      ...common,
      entryPoints: { chat: join(SRC, 'styles/chat-page.css'), owner: join(SRC, 'styles/owner-page.css'), ops: join(SRC, 'styles/ops-page.css') },
      outdir: OUT,
    }),
  ]);
  for (const [name, title] of Object.entries(PAGES)) writeFileSync(join(OUT, `${name}.html`), pageShell(name, title));
}

/** The pages and their titles until their script knows the business's name. */
const PAGES = { chat: 'Chat', owner: "Owner's console", ops: 'Live view' } as const;

/** A page: its own styles and script from this server, nothing else (an empty favicon saves a request). */
function pageShell(name: string, title: string): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${title} — Concierge</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/web/${name}.css" />
    <script src="/web/${name}.js" defer></script>
  </head>
  <body>
    <main id="app"><p>Loading…</p></main>
    <noscript>This page needs JavaScript.</noscript>
  </body>
</html>
`;
}

function report(): boolean {
  let within = true;
  const lines = ['page                 JS gzipped   CSS gzipped   budget (JS)'];
  for (const [page, file] of Object.entries(PAGE_BUNDLES)) {
    const js = gzippedSize(join(OUT, file));
    const cssFile = file.replace(/\.js$/, '.css');
    let css = '';
    try {
      css = `${(gzippedSize(join(OUT, cssFile)) / 1024).toFixed(1)} KB`;
    } catch {
      css = file === 'widget.js' ? '(inlined)' : '-';
    }
    const over = js > PAGE_JS_BUDGET_BYTES;
    within &&= !over;
    lines.push(`${page.padEnd(20)} ${`${(js / 1024).toFixed(1)} KB`.padStart(10)}   ${css.padStart(11)}   ${over ? 'OVER' : 'ok'} (${PAGE_JS_BUDGET_BYTES / 1024} KB)`);
  }
  process.stdout.write(`web pages built in dist/web\n${lines.join('\n')}\n`);
  return within;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildWeb();
  // Over budget is reported, not fatal: `npm install` must still work; test/web-assets.test.ts fails.
  if (!report()) process.stdout.write('a page is over its JavaScript budget\n');
}

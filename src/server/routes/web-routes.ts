import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { ConciergeError } from '../../shared/errors.js';

/**
 * Where `npm run build` puts the pages' bundles (web/build.ts). This module sits two folders
 * below the package root both as source (src/server/routes) and compiled (dist/server/routes),
 * so the same relative path finds them from tests and from the installed command.
 */
export const WEB_ASSETS_DIR = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

/** The pages and their files in the assets folder. */
const PAGES = { '/': 'chat.html', '/owner': 'owner.html', '/ops': 'ops.html' } as const;

/** Paths answered without a key: the pages and their files (each page asks for a key itself when it needs one). */
export const WEB_PUBLIC_PATHS: ReadonlySet<string> = new Set([...Object.keys(PAGES), '/widget.js', '/web/*', '/v1/client-config']);

export interface WebRouteDeps {
  assetsDir?: string;
  /** What a page must know before its first call: how to authenticate, and whom it speaks for. */
  clientConfig: { devMode: boolean; businessName: string; maxMessageChars: number };
}

/**
 * A page's policy: everything from this origin only, so no request can leave it (no CDN, no
 * fonts, no analytics), and the pages cannot be framed by another site.
 */
const PAGE_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'";

/** The customer chat (`/`), the owner's console (`/owner`), the live view (`/ops`) and the embeddable widget. */
export function registerWebRoutes(app: FastifyInstance, deps: WebRouteDeps): void {
  const dir = deps.assetsDir ?? WEB_ASSETS_DIR;
  const built = existsSync(`${dir}/chat.html`);

  app.get('/v1/client-config', async () => ({
    auth: deps.clientConfig.devMode ? 'dev' : 'api-key',
    devMode: deps.clientConfig.devMode,
    business: { name: deps.clientConfig.businessName },
    maxMessageChars: deps.clientConfig.maxMessageChars,
  }));

  if (!built) {
    // A checkout where only tsc ran: say what to do instead of a bare 404.
    for (const path of [...Object.keys(PAGES), '/widget.js', '/web/*']) {
      app.get(path, async () => {
        throw new ConciergeError('WEB_NOT_BUILT', `the web pages are not built (nothing in ${dir}); run npm run build`);
      });
    }
    return;
  }

  void app.register(fastifyStatic, {
    root: dir,
    prefix: '/web/',
    index: false,
    // Bundles are not content-hashed: revalidate each time (an ETag makes that a 304).
    cacheControl: true,
    maxAge: 0,
    setHeaders: (res: { setHeader(name: string, value: string): unknown }) => res.setHeader('x-content-type-options', 'nosniff'),
  });
  for (const [path, file] of Object.entries(PAGES)) {
    app.get(path, async (_request, reply) => reply.header('content-security-policy', PAGE_CSP).sendFile(file));
  }
  // Loaded by other sites' pages; its API calls are what --cors-origin allows.
  app.get('/widget.js', async (_request, reply) => reply.sendFile('widget.js'));
}

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_DOCS_PATH, renderErrorDocs } from './error-docs.js';
import { ERROR_CATALOGUE, isErrorCode } from './error-catalogue.js';
import { ConciergeError } from './errors.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}

/**
 * Places that name a Concierge code as a literal: `code: 'X'`, `new ConciergeError('X'`,
 * `new BookingError('X'`, `isConciergeError(e, 'X')`, `isBookingError(e, 'X')`. Lower-case
 * codes are other vocabularies (zod's issue codes, OpenAI's error codes in the simulator).
 */
const CODE_LITERAL = /(?:\bcode:\s*|new (?:ConciergeError|BookingError)\(\s*|is(?:Concierge|Booking)Error\([^,()]+,\s*)['"`]([A-Z][A-Z0-9_]+)['"`]/g;

describe('the error catalogue', () => {
  it('is what docs/errors.md says, word for word (run `npm run docs:errors` after changing it)', () => {
    const docs = readFileSync(join(ROOT, ERROR_DOCS_PATH), 'utf8');
    expect(docs).toBe(renderErrorDocs());
    for (const code of Object.keys(ERROR_CATALOGUE)) expect(docs).toContain(`| \`${code}\` |`);
  });

  it('has every code that src/ and test/ name in a literal', () => {
    const unknown: string[] = [];
    let seen = 0;
    for (const dir of ['src', 'test']) {
      for (const file of sourceFiles(join(ROOT, dir))) {
        if (file.endsWith('error-catalogue.ts')) continue;
        for (const match of readFileSync(file, 'utf8').matchAll(CODE_LITERAL)) {
          seen += 1;
          if (!isErrorCode(match[1])) unknown.push(`${relative(ROOT, file)}: ${match[1]}`);
        }
      }
    }
    // The walk must find the codes the server answers, or it checks nothing.
    expect(seen).toBeGreaterThan(50);
    expect(unknown).toEqual([]);
  });

  it('gives every code a meaning, and Retry-After only to codes a client may retry', () => {
    for (const [code, spec] of Object.entries(ERROR_CATALOGUE)) {
      expect(spec.meaning.length, code).toBeGreaterThan(10);
      if (spec.retryAfter) expect(spec.retryable, code).toBe(true);
    }
  });

  it('sets the status from the code, and keeps a wait only where the code carries Retry-After', () => {
    const shed = new ConciergeError('OVERLOADED', 'busy', { retryAfterMs: 1234.2, details: { reason: 'deadline' } });
    expect(shed).toMatchObject({ status: 503, retryAfterMs: 1235, retryable: true });
    expect(shed.toJSON()).toEqual({ code: 'OVERLOADED', message: 'busy', reason: 'deadline', retryAfterMs: 1235 });
    expect(new ConciergeError('NOT_FOUND', 'gone', { retryAfterMs: 5000 }).retryAfterMs).toBeUndefined();
    // A code that is never an HTTP answer still answers something if it ever reaches the server.
    expect(new ConciergeError('CONFIG_INVALID', 'bad').status).toBe(500);
  });

  it('replays a stored failure exactly, and reads a code it does not know as AGENT_ERROR', () => {
    const original = new ConciergeError('PROVIDER_RATE_LIMITED', 'slow down', { retryAfterMs: 450, details: { attempt: 2 } });
    const replayed = ConciergeError.fromRecord(JSON.parse(JSON.stringify(original.toRecord())));
    expect(replayed).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', status: 429, retryAfterMs: 450, message: 'slow down' });
    expect(replayed.toJSON()).toEqual(original.toJSON());
    // Built, not written, so that the literal walk above does not read it as a code in use.
    const fromTheFuture = ['FROM', 'THE', 'FUTURE'].join('_');
    expect(ConciergeError.fromRecord({ code: fromTheFuture, message: 'x', status: 418 })).toMatchObject({ code: 'AGENT_ERROR', status: 500 });
  });
});

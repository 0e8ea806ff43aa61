import { ERROR_AREAS, ERROR_CATALOGUE, type ErrorArea, type ErrorSpec } from './error-catalogue.js';

/** Where the generated page lives, from the repository root. */
export const ERROR_DOCS_PATH = 'docs/errors.md';

const yesNo = (value: boolean) => (value ? 'yes' : 'no');

const COLUMNS: ReadonlyArray<{ title: string; http?: boolean; exit?: boolean; cell(code: string, spec: ErrorSpec): string }> = [
  { title: 'code', cell: (code) => `\`${code}\`` },
  { title: 'status', http: true, cell: (_, spec) => String(spec.status ?? '-') },
  { title: 'retryable', cell: (_, spec) => yesNo(spec.retryable) },
  { title: 'Retry-After', http: true, cell: (_, spec) => yesNo(spec.retryAfter) },
  { title: 'exit', exit: true, cell: (_, spec) => String(spec.exitCode) },
  { title: 'meaning', cell: (_, spec) => spec.meaning },
];

/** docs/errors.md, generated from the catalogue: one table per area, in the catalogue's order. */
export function renderErrorDocs(): string {
  const lines = [
    '# Error codes',
    '',
    '<!-- Generated from src/shared/error-catalogue.ts by `npm run docs:errors`; edit the catalogue, not this file. -->',
    '',
    'Every error the server answers is `{"code": "...", "message": "..."}` with the status below, plus the',
    'fields named in the meaning. An answer marked Retry-After carries `Retry-After` (whole seconds) and',
    '`retry-after-ms` (as OpenAI sends it) when the server can estimate the wait, and `retryAfterMs` in',
    'the body. "Retryable" says whether the same request, sent again later, may succeed. A command that',
    'stops on an error prints `error CODE: message` and exits with the code shown below (2: a refusal to',
    'start), or 1 for any other code. Codes are never renamed, only added.',
  ];
  const entries = Object.entries(ERROR_CATALOGUE) as Array<[string, ErrorSpec]>;
  for (const [area, title] of Object.entries(ERROR_AREAS) as Array<[ErrorArea, string]>) {
    const rows = entries.filter(([, spec]) => spec.area === area);
    if (rows.length === 0) continue;
    // HTTP answers show their status and retry columns; what ends a command shows its exit code.
    const columns = COLUMNS.filter((column) => (column.http && rows.some(([, spec]) => spec.status !== null)) || (column.exit && (area === 'start' || area === 'loadtest')) || (!column.http && !column.exit));
    lines.push('', `## ${title}`, '', `| ${columns.map((c) => c.title).join(' | ')} |`, `|${columns.map(() => '---|').join('')}`);
    for (const [code, spec] of rows) lines.push(`| ${columns.map((c) => c.cell(code, spec)).join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

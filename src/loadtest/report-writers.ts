import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { reportInvalid } from './loadtest-errors.js';
import { renderHtml } from './report-html.js';
import { renderMarkdown } from './report-markdown.js';
import { REPORT_SCHEMA, type LoadTestReport } from './report-types.js';

export { renderHtml } from './report-html.js';
export { renderMarkdown } from './report-markdown.js';

export function renderJson(report: LoadTestReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

export interface WrittenReport {
  json: string;
  markdown: string;
  html: string;
}

/** Write report.json, report.md and report.html into `dir` (created if needed). */
export async function writeReports(report: LoadTestReport, dir: string): Promise<WrittenReport> {
  await mkdir(dir, { recursive: true });
  const paths = { json: join(dir, 'report.json'), markdown: join(dir, 'report.md'), html: join(dir, 'report.html') };
  await writeFile(paths.json, renderJson(report));
  await writeFile(paths.markdown, renderMarkdown(report));
  await writeFile(paths.html, renderHtml(report));
  return paths;
}

/** Read a report.json back, checking that it is one. */
export async function readReport(file: string): Promise<LoadTestReport> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw reportInvalid(file, `cannot read JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const report = parsed as Partial<LoadTestReport>;
  if (report.schema !== REPORT_SCHEMA) throw reportInvalid(file, `not a load-test report (schema ${JSON.stringify(report.schema)}, expected ${REPORT_SCHEMA})`);
  if (!Array.isArray(report.stages)) throw reportInvalid(file, 'no stages');
  return report as LoadTestReport;
}

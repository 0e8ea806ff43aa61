import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { compareReports, renderComparison } from '../loadtest/compare-reports.js';
import { readReport } from '../loadtest/report-writers.js';
import { runAction } from './run-action.js';

export function registerReportCommand(program: Command): void {
  const report = program.command('report').description('Work with load-test reports (report.json).');
  report
    .command('compare')
    .description('Two load-test runs side by side, with the change in each figure (percentiles recomputed from the stored histograms).')
    .argument('<a>', 'report.json of the first run (A)')
    .argument('<b>', 'report.json of the second run (B)')
    .option('--format <format>', 'md (default) or json', 'md')
    .option('--out <file>', 'write to a file instead of standard output')
    .action(
      runAction(async (a: string, b: string, flags: { format: string; out?: string }) => {
        if (flags.format !== 'md' && flags.format !== 'json') {
          process.stderr.write(`--format: must be md or json (got ${JSON.stringify(flags.format)})\n`);
          return 2;
        }
        const [ra, rb] = await Promise.all([readReport(a), readReport(b)]);
        const text = flags.format === 'json' ? `${JSON.stringify(compareReports(ra, rb), null, 2)}\n` : `${renderComparison(ra, rb, { a, b })}\n`;
        if (flags.out) await writeFile(flags.out, text);
        else process.stdout.write(text);
      }),
    );
}

import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { z } from 'zod';
import type { SettingSources } from '../config/settings.js';
import { compareReports, renderComparison } from '../loadtest/compare-reports.js';
import { readReport } from '../loadtest/report-writers.js';
import { withSettings } from './settings-action.js';

const compareSchema = z.object({
  format: z.enum(['md', 'json'], { error: 'must be md or json' }).default('md'),
  out: z.string().min(1, 'must be a file path').optional(),
});

const compareSources: SettingSources<z.input<typeof compareSchema>> = {
  format: { flag: '--format', arg: '<format>', help: 'md or json' },
  out: { flag: '--out', arg: '<file>', help: 'write to a file', defaultText: 'standard output' },
};

export function registerReportCommand(program: Command): void {
  const report = program.command('report').description('Work with load-test reports (report.json).');
  const compare = report
    .command('compare')
    .description('Two load-test runs side by side, with the change in each figure (percentiles recomputed from the stored histograms).')
    .argument('<a>', 'report.json of the first run (A)')
    .argument('<b>', 'report.json of the second run (B)');
  withSettings(compare, compareSchema, compareSources, async (flags, [a = '', b = '']) => {
    const [ra, rb] = await Promise.all([readReport(a), readReport(b)]);
    const text = flags.format === 'json' ? `${JSON.stringify(compareReports(ra, rb), null, 2)}\n` : `${renderComparison(ra, rb, { a, b })}\n`;
    if (flags.out) await writeFile(flags.out, text);
    else process.stdout.write(text);
  });
}

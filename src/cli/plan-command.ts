import type { Command } from 'commander';
import { z } from 'zod';
import { field, type SettingSources } from '../config/settings.js';
import { readReport } from '../loadtest/report-writers.js';
import { DEFAULT_PRICING_MODEL } from '../llm/pricing.js';
import { planCapacity, predictReportStage } from '../plan/capacity-plan.js';
import { DEFAULT_FIGURES, figuresFromReport } from '../plan/plan-figures.js';
import { renderPlan, renderPrediction } from '../plan/plan-table.js';
import { withSettings } from './settings-action.js';

/** `10s`, `1500ms`, `2m`; a bare number is milliseconds. */
const duration = () =>
  z
    .string()
    .regex(/^\s*\d+(?:\.\d+)?\s*(?:ms|s|m)?\s*$/i, 'must be a duration such as 10s, 1500ms or 2m')
    .transform((text) => {
      const [, value = '0', unit = 'ms'] = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/i.exec(text) ?? [];
      return Number(value) * ({ ms: 1, s: 1000, m: 60_000 } as Record<string, number>)[unit.toLowerCase()]!;
    });

const schema = z
  .object({
    users: field.positiveInt(),
    messages: field.positiveInt().default(2),
    p95: duration().default(10_000),
    thinkTime: duration().default(1000),
    activeHours: field.positiveNumber().max(24, 'must be at most 24').default(8),
    from: z.string().min(1, 'must be a report.json path').optional(),
    llmRpm: field.positiveInt().optional(),
    llmTpm: field.positiveInt().optional(),
    model: z.string().min(1).default(DEFAULT_PRICING_MODEL),
  })
  .refine((s) => (s.llmRpm === undefined) === (s.llmTpm === undefined), { message: '--llm-rpm and --llm-tpm go together', path: ['llmRpm'] });

const sources: SettingSources<z.input<typeof schema>> = {
  users: { flag: '--users', arg: '<n>', help: 'concurrent users to serve' },
  messages: { flag: '--messages', arg: '<n>', help: 'messages per conversation' },
  p95: { flag: '--p95', arg: '<duration>', help: 'message latency the 95th percentile must stay under: 10s, 1500ms', defaultText: '10s' },
  thinkTime: { flag: '--think-time', arg: '<duration>', help: "mean pause between an answer and the user's next message", defaultText: '1s' },
  activeHours: { flag: '--active-hours', arg: '<h>', help: 'hours a day the users are active, for the cost per day' },
  from: { flag: '--from', arg: '<report.json>', help: "take tokens, calls and CPU per message from a load-test report (and check the model on the report's largest stage)", defaultText: "this version's measured figures" },
  llmRpm: { flag: '--llm-rpm', arg: '<n>', help: 'your own requests-per-minute limit, shown as one more row' },
  llmTpm: { flag: '--llm-tpm', arg: '<n>', help: 'your own tokens-per-minute limit, shown as one more row' },
  model: { flag: '--model', arg: '<name>', help: 'model whose prices give the cost' },
};

export function registerPlanCommand(program: Command): void {
  withSettings(
    program.command('plan').description('Capacity plan: for each provider tier, the users served at a p95, the smallest tier for N users, server replicas and cost per day and per 30 days.'),
    schema,
    sources,
    async (s) => {
      const report = s.from ? await readReport(s.from) : undefined;
      const figures = report ? figuresFromReport(report, s.from!) : DEFAULT_FIGURES;
      const plan = planCapacity({
        users: s.users,
        messages: s.messages,
        p95Ms: s.p95,
        thinkTimeMs: s.thinkTime,
        activeHours: s.activeHours,
        figures,
        model: s.model,
        custom: s.llmRpm !== undefined && s.llmTpm !== undefined ? { rpm: s.llmRpm, tpm: s.llmTpm } : undefined,
      });
      const prediction = report ? predictReportStage(report, figures) : undefined;
      process.stdout.write(`${renderPlan(plan)}\n${prediction ? `${renderPrediction(prediction)}\n` : ''}`);
      return 0;
    },
  );
}

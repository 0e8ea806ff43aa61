/**
 * One "server process" for the two-process test: its own admission gate on the shared Redis
 * budget, sending CALLS chat completions (CONCURRENCY at a time, each as its own customer)
 * to the simulator, then printing one JSON line with what happened.
 */
import OpenAI from 'openai';
import { resolveSettings } from '../src/config/settings.js';
import { admissionSettingSources, admissionSettingsSchema } from '../src/llm/admission-settings.js';
import { createAdmission } from '../src/llm/admission.js';
import { createRunContext, withRunContext } from '../src/llm/run-context.js';

const env = process.env;
const calls = Number(env.WORKER_CALLS);
const concurrency = Number(env.WORKER_CONCURRENCY);
const name = env.WORKER_NAME ?? 'worker';

// Everything else (backend, Redis URL, key, limits, time scale) comes from CONCIERGE_* variables.
const settings = resolveSettings(admissionSettingsSchema, admissionSettingSources, { flags: {}, env });
const admission = createAdmission(settings, { log: (line) => process.stderr.write(`${line}\n`) });
const openai = new OpenAI({ apiKey: 'sk-shared', baseURL: `${env.SIM_URL}/v1`, fetch: admission.fetch, maxRetries: 0 });

let next = 0;
let ok = 0;
const errors: Record<string, number> = {};
const deadlineMs = settings.deadlineMs * settings.timeScale;

async function lane(): Promise<void> {
  while (next < calls) {
    const i = next++;
    const context = createRunContext({ runId: `${name}-${i}`, threadId: `${name}-${i}`, customerId: `${name}-c${i % 17}`, deadlineAt: Date.now() + deadlineMs, model: 'gpt-4o-mini' });
    try {
      await withRunContext(context, () =>
        openai.chat.completions.create({
          model: 'gpt-4o-mini',
          max_completion_tokens: 100,
          messages: [
            { role: 'system', content: 'You are the booking assistant of a small hair salon. Answer briefly.' },
            { role: 'user', content: `Hello, this is customer ${i}. Can I book a haircut tomorrow afternoon?` },
          ],
        }),
      );
      ok += 1;
    } catch (error) {
      let root: unknown = error;
      while (root instanceof Error && root.cause !== undefined) root = root.cause;
      const code = (root as { code?: string }).code ?? (root instanceof Error ? root.message : String(root));
      errors[code] = (errors[code] ?? 0) + 1;
    }
  }
}

await Promise.all(Array.from({ length: concurrency }, lane));
const stats = admission.stats();
await admission.close();
process.stdout.write(`${JSON.stringify({ name, ok, errors, stats })}\n`);

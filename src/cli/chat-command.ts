import { createInterface } from 'node:readline/promises';
import { Client } from '@langchain/langgraph-sdk';
import type { Command } from 'commander';
import { z } from 'zod';
import { serveSettingSources, serveSettingsSchema } from '../config/serve-settings.js';
import { field, resolveSettings, type SettingSources } from '../config/settings.js';
import { admissionSettingSources, admissionSettingsSchema } from '../llm/admission-settings.js';
import { startServer, type RunningServer } from '../server/start-server.js';
import { withSettings } from './settings-action.js';

const chatSettingsSchema = z.object({
  url: field.url().optional(),
  apiKey: z.string().min(1).optional(),
  customer: z.string().min(1).max(128).default('dev'),
});

const chatSettingSources: SettingSources<z.input<typeof chatSettingsSchema>> = {
  url: { flag: '--url', env: 'CONCIERGE_URL', arg: '<url>', help: 'a running Concierge server', defaultText: 'an embedded server' },
  apiKey: { flag: '--api-key', env: 'CONCIERGE_API_KEY', arg: '<key>', help: 'x-api-key for the server', secret: true },
  customer: { flag: '--customer', arg: '<id>', help: 'customer id to act as on a dev-mode server' },
};

interface MessageChunk {
  type?: string;
  content?: unknown;
}

export function registerChatCommand(program: Command): void {
  withSettings(program.command('chat').description('Chat with the agent in the terminal: with a running server (--url), or with an embedded one.'), chatSettingsSchema, chatSettingSources, async (settings) => {
    let embedded: RunningServer | undefined;
    let url = settings.url;
    if (!url) {
      const serveSettings = resolveSettings(serveSettingsSchema, serveSettingSources, { flags: { port: 0 } });
      const admission = resolveSettings(admissionSettingsSchema, admissionSettingSources, { flags: {} });
      // The terminal is for the conversation: only warnings and errors of the server join it.
      embedded = await startServer(serveSettings, admission, { log: (line) => process.stderr.write(`${line}\n`), logLevel: 'warn' });
      url = embedded.url;
      process.stderr.write(`embedded server on ${url}\n`);
    }
    const client = new Client({
      apiUrl: url,
      defaultHeaders: { ...(settings.apiKey ? { 'x-api-key': settings.apiKey } : {}), 'x-customer-id': settings.customer },
    });
    const thread = await client.threads.create();
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
    process.stdout.write('Type a message (Ctrl-D or "exit" to quit).\n');
    try {
      for (;;) {
        let line: string;
        try {
          line = (await rl.question('you> ')).trim();
        } catch {
          break;
        }
        if (line === 'exit' || line === 'quit') break;
        if (!line) continue;
        process.stdout.write('concierge> ');
        let printed = false;
        for await (const event of client.runs.stream(thread.thread_id, 'concierge', {
          input: { messages: [{ role: 'user', content: line }] },
          streamMode: ['messages-tuple', 'values'],
        })) {
          if (event.event === 'messages') {
            const [chunk] = event.data as [MessageChunk, unknown];
            if ((chunk.type === 'AIMessageChunk' || chunk.type === 'ai') && typeof chunk.content === 'string' && chunk.content) {
              process.stdout.write(chunk.content);
              printed = true;
            }
          } else if (event.event === 'values' && !printed) {
            const messages = (event.data as { messages?: MessageChunk[] }).messages ?? [];
            const last = messages.at(-1);
            if (last?.type === 'ai' && typeof last.content === 'string' && last.content && (event.data as { usage?: unknown }).usage) {
              process.stdout.write(last.content);
              printed = true;
            }
          } else if (event.event === 'error') {
            const data = event.data as { error?: string; message?: string };
            process.stdout.write(`[error ${data.error ?? ''}: ${data.message ?? ''}]`);
          }
        }
        process.stdout.write('\n');
      }
    } finally {
      rl.close();
      await embedded?.close();
    }
  });
}

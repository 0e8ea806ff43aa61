/**
 * Stands in for `concierge sim` and `concierge serve` in the local-stack test: prints the same
 * `listening on` lines, and reports the flags and environment it was started with.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeAgent } from './loadtest-fake-agent.js';

const [command, ...args] = process.argv.slice(2);

if (command === 'sim') {
  let requests = 0;
  let resets = 0;
  const server = createServer((req, res) => {
    if (req.url === '/sim/reset' && req.method === 'POST') {
      resets++;
      requests = 0;
    } else if (req.url !== '/sim/stats') {
      requests++;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ requests, rateLimited: 2, resets, args }));
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`sim listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
} else if (command === 'serve') {
  const agent = await startFakeAgent({
    runDelayMs: 5,
    statsExtra: { args, env: { OPENAI_BASE_URL: process.env.OPENAI_BASE_URL, OPENAI_API_KEY: process.env.OPENAI_API_KEY, CONCIERGE_TIME_SCALE: process.env.CONCIERGE_TIME_SCALE } },
  });
  process.stderr.write('fake server starting\n');
  process.stdout.write(`concierge listening on ${agent.url}\n`);
  process.on('SIGTERM', () => void agent.close().then(() => process.exit(0)));
} else if (command === 'crash') {
  process.stderr.write('cannot open the database\n');
  process.exit(3);
}

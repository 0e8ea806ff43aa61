import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/test-server.js';

describe('checkpoint pruning', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('keeps a thread to its latest checkpoints while the conversation stays whole', async () => {
    const headers = { 'content-type': 'application/json', 'x-customer-id': 'erin' };
    const thread = ((await (await fetch(`${server.url}/threads`, { method: 'POST', headers, body: '{}' })).json()) as { thread_id: string }).thread_id;
    const questions = ['What services do you offer?', 'Is a Beard trim free on Friday at 11:00?', 'What are my bookings?', 'How much is a Kids cut?'];
    for (const content of questions) {
      const response = await fetch(`${server.url}/threads/${thread}/runs/wait`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ assistant_id: 'concierge', input: { messages: [{ role: 'user', content }] } }),
      });
      expect(response.status).toBe(200);
    }
    const db = new Database(join(server.dir, 'concierge.db'), { readonly: true });
    try {
      const { n } = db.prepare('SELECT count(*) AS n FROM checkpoints WHERE thread_id = ?').get(thread) as { n: number };
      // Four runs of two to four steps each would leave a dozen or more without pruning.
      expect(n).toBeLessThanOrEqual(2);
    } finally {
      db.close();
    }
    const state = (await (await fetch(`${server.url}/threads/${thread}/state`, { headers })).json()) as { values: { messages: Array<{ type: string; content: unknown }> } };
    expect(state.values.messages.filter((m) => m.type === 'human').map((m) => m.content)).toEqual(questions);
  });
});

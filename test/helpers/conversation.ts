const json = { 'content-type': 'application/json' };

/** POST /threads as `customer` (dev mode: `x-customer-id`); the new thread's id. */
export async function newThread(url: string, customer = 'ada'): Promise<string> {
  const response = await fetch(`${url}/threads`, { method: 'POST', headers: { ...json, 'x-customer-id': customer }, body: '{}' });
  return ((await response.json()) as { thread_id: string }).thread_id;
}

/** One message on a thread through `runs/wait`; the raw response. */
export function say(url: string, threadId: string, content: string, customer = 'ada'): Promise<Response> {
  return fetch(`${url}/threads/${threadId}/runs/wait`, {
    method: 'POST',
    headers: { ...json, 'x-customer-id': customer },
    body: JSON.stringify({ assistant_id: 'concierge', input: { messages: [{ role: 'user', content }] } }),
  });
}

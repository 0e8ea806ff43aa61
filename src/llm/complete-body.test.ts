import { describe, expect, it } from 'vitest';
import { systemClock } from '../shared/clock.js';
import { readCompleteBody } from './complete-body.js';

const sse = { 'content-type': 'text/event-stream' };
const encoder = new TextEncoder();

/** A body that sends `chunks`, then either ends, fails (a dropped connection), or never sends again. */
function body(chunks: string[], then: 'end' | 'drop' | 'stall'): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) return controller.enqueue(encoder.encode(chunks[i++]!));
      if (then === 'end') return controller.close();
      if (then === 'drop') return controller.error(new TypeError('terminated'));
      return new Promise<void>(() => undefined);
    },
  });
}

const read = (response: Response) => readCompleteBody(response, { clock: systemClock, idleTimeoutMs: 50 });

describe('readCompleteBody', () => {
  it('hands on a stream that ends with [DONE], byte for byte', async () => {
    const chunks = ['data: {"choices":[{"delta":{"content":"Hi"}}]}\n\n', 'data: [DONE]\n\n'];
    const outcome = await read(new Response(body(chunks, 'end'), { headers: sse }));
    expect(outcome.ok).toBe(true);
    if (outcome.ok) expect(await outcome.response.text()).toBe(chunks.join(''));
  });

  it('calls a stream that closes without [DONE] a cut stream (the SDK would have taken half an answer)', async () => {
    const outcome = await read(new Response(body(['data: {"choices":[{"delta":{"content":"Hi"}}]}\n\n'], 'end'), { headers: sse }));
    expect(outcome).toMatchObject({ ok: false, failure: 'cut-stream' });
  });

  it('calls a dropped connection a cut stream', async () => {
    const outcome = await read(new Response(body(['data: {"choices":[]}\n\n'], 'drop'), { headers: sse }));
    expect(outcome).toMatchObject({ ok: false, failure: 'cut-stream', message: expect.stringContaining('terminated') });
  });

  it('times out a body that stalls after its headers, instead of waiting for the run timeout', async () => {
    const outcome = await read(new Response(body(['data: {"choices":[]}\n\n'], 'stall'), { headers: sse }));
    expect(outcome).toMatchObject({ ok: false, failure: 'timeout', message: expect.stringContaining('no data for 50 ms') });
  });

  it('checks a JSON answer parses', async () => {
    expect(await read(new Response(body(['{"id":"x","choices":'], 'end'), { headers: { 'content-type': 'application/json' } }))).toMatchObject({ ok: false, failure: 'cut-stream' });
    expect((await read(Response.json({ id: 'x' }))).ok).toBe(true);
  });
});

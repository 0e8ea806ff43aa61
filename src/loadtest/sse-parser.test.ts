import { describe, expect, it } from 'vitest';
import { readSseEvents } from './sse-parser.js';

async function collect(chunks: string[]) {
  const encoder = new TextEncoder();
  async function* body() {
    for (const c of chunks) yield encoder.encode(c);
  }
  const events = [];
  for await (const e of readSseEvents(body())) events.push(e);
  return events;
}

describe('readSseEvents', () => {
  it('joins events split across chunks and ignores comments', async () => {
    const events = await collect(['event: metadata\ndata: {"run_id"', ':"r1"}\n\n: keep-alive\n\nevent: messages\r\n', 'data: [1]\r\n\r\nevent: end\ndata: null\n']);
    expect(events).toEqual([
      { event: 'metadata', data: '{"run_id":"r1"}' },
      { event: 'messages', data: '[1]' },
      { event: 'end', data: 'null' },
    ]);
  });
});

describe('readSseEvents with CRLF split between chunks', () => {
  it('does not end an event early', async () => {
    const events = await collect(['event: values\r', '\ndata: {}\r', '\n\r\n']);
    expect(events).toEqual([{ event: 'values', data: '{}' }]);
  });
});

import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

describe('createLogger', () => {
  it('redacts keys and what users wrote wherever a log call puts them', () => {
    let out = '';
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        out += chunk.toString();
        done();
      },
    });
    const logger = createLogger({ level: 'info', destination });
    logger.info(
      {
        req: { method: 'POST', headers: { 'x-api-key': 'sk-1', authorization: 'Bearer sk-2', cookie: 'c=sk-3', 'user-agent': 'curl' } },
        headers: { 'x-api-key': 'sk-4' },
        body: { input: { messages: [{ content: 'my secret words' }] } },
        run: { messages: ['more secret words'], content: 'and more' },
        apiKey: 'sk-5',
      },
      'a careless line',
    );
    const line = JSON.parse(out) as Record<string, unknown>;
    expect(out).not.toMatch(/sk-\d|secret words|and more/);
    expect(line).toMatchObject({
      msg: 'a careless line',
      req: { method: 'POST', headers: { 'x-api-key': '[redacted]', authorization: '[redacted]', cookie: '[redacted]', 'user-agent': 'curl' } },
      headers: { 'x-api-key': '[redacted]' },
      body: '[redacted]',
      run: { messages: '[redacted]', content: '[redacted]' },
      apiKey: '[redacted]',
    });
  });

  it('writes nothing at all when silent', () => {
    const logger = createLogger({ level: 'silent' });
    expect(logger.isLevelEnabled('fatal')).toBe(false);
  });
});

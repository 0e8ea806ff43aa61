import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from './config-error.js';
import { field, resolveSettings } from './settings.js';

const schema = z.object({ port: field.port().default(8080), rpm: field.positiveInt().optional(), verbose: field.bool().default(false) });
const sources = { port: { flag: '--port', env: 'CONCIERGE_PORT' }, rpm: { flag: '--rpm', env: 'CONCIERGE_SIM_RPM' }, verbose: { flag: '--verbose' } };

describe('resolveSettings', () => {
  it('prefers flags over the environment over defaults', () => {
    expect(resolveSettings(schema, sources, { flags: {}, env: {} })).toEqual({ port: 8080, verbose: false });
    expect(resolveSettings(schema, sources, { flags: {}, env: { CONCIERGE_PORT: '9000' } }).port).toBe(9000);
    expect(resolveSettings(schema, sources, { flags: { port: '7000' }, env: { CONCIERGE_PORT: '9000' } }).port).toBe(7000);
  });

  it('names the flag, the variable and the rule of each bad setting', () => {
    let error: unknown;
    try {
      resolveSettings(schema, sources, { flags: { rpm: 'lots' }, env: { CONCIERGE_PORT: '70000' } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const config = error as ConfigError;
    expect(config.code).toBe('CONFIG_INVALID');
    expect(config.settings.map((s) => s.flag).sort()).toEqual(['--port', '--rpm']);
    expect(config.message).toContain('--port (CONCIERGE_PORT): must be a port number');
    expect(config.message).toContain('"70000"');
    expect(config.message).toContain('--rpm (CONCIERGE_SIM_RPM): must be a whole number');
  });

  it('returns a frozen object', () => {
    expect(Object.isFrozen(resolveSettings(schema, sources, { flags: {}, env: {} }))).toBe(true);
  });
});

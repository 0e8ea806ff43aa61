import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from './config-error.js';
import { declareSettings, field, givenFlags, resolveSettings, type SettingSources } from './settings.js';

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

describe('declareSettings', () => {
  const lab = z.object({
    timeScale: field.timeScale().default(1),
    target: z.array(z.string()).optional(),
    stream: field.bool().default(false),
    baseline: field.bool().default(true),
    apiKey: z.string().min(8, 'must be at least 8 characters').optional(),
  });
  const labSources: SettingSources<z.input<typeof lab>> = {
    timeScale: { flag: '--time-scale', env: 'CONCIERGE_TIME_SCALE', arg: '<f>', help: 'multiply every duration by f' },
    target: { flag: '--target', arg: '<url>', takes: 'repeat', help: 'a server' },
    stream: { flag: '--stream', takes: 'switch', help: 'stream the answers' },
    baseline: { flag: '--baseline', takes: 'negate', help: 'skip the baseline' },
    apiKey: { flag: '--api-key', env: 'CONCIERGE_API_KEY', help: 'the key', secret: true },
  };

  it('declares every flag with its help, its variable and its default, from the schema', () => {
    const command = declareSettings(new Command('lab'), lab, labSources);
    const described = Object.fromEntries(command.options.map((o) => [o.flags, o.description]));
    expect(described).toEqual({
      '--time-scale <f>': 'multiply every duration by f (env CONCIERGE_TIME_SCALE, default 1)',
      '--target <url>': 'a server',
      '--stream': 'stream the answers',
      '--no-baseline': 'skip the baseline',
      '--api-key <value>': 'the key (env CONCIERGE_API_KEY)',
    });
  });

  it('declares a flag that the command already has only once', () => {
    const command = declareSettings(declareSettings(new Command('serve'), lab, labSources), z.object({ timeScale: field.timeScale().default(1) }), { timeScale: labSources.timeScale });
    expect(command.options.filter((o) => o.long === '--time-scale')).toHaveLength(1);
  });

  it('passes on only what the command line gave, so the environment and defaults still apply', () => {
    const command = declareSettings(new Command('lab'), lab, labSources);
    command.parse(['--target', 'http://a', '--target', 'http://b', '--stream'], { from: 'user' });
    const flags = givenFlags(command);
    // commander's own default for --no-baseline (true) is not a given flag.
    expect(flags).toEqual({ target: ['http://a', 'http://b'], stream: true });
    expect(resolveSettings(lab, labSources, { flags, env: { CONCIERGE_TIME_SCALE: '0.1' } })).toMatchObject({ timeScale: 0.1, stream: true, baseline: true });
    const skipping = declareSettings(new Command('lab'), lab, labSources);
    skipping.parse(['--no-baseline'], { from: 'user' });
    expect(resolveSettings(lab, labSources, { flags: givenFlags(skipping), env: {} }).baseline).toBe(false);
  });

  it('has one time-scale range, and never echoes a secret back', () => {
    expect(() => resolveSettings(lab, labSources, { flags: { timeScale: '5000' }, env: {} })).toThrow(/--time-scale \(CONCIERGE_TIME_SCALE\): must be at most 1000/);
    let message = '';
    try {
      resolveSettings(lab, labSources, { flags: {}, env: { CONCIERGE_API_KEY: 'short' } });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('--api-key (CONCIERGE_API_KEY): must be at least 8 characters');
    expect(message).not.toContain('short');
  });
});

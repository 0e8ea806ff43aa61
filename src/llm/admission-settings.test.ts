import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error.js';
import { resolveSettings } from '../config/settings.js';
import { admissionSettingSources, admissionSettingsSchema, budgetBackendOf, budgetRedisUrl, configuredLimits, messageDeadlineMs } from './admission-settings.js';

const resolve = (flags: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) => resolveSettings(admissionSettingsSchema, admissionSettingSources, { flags, env });

describe('admission settings', () => {
  it('has safe defaults: on, in-process budget, limits learned from the provider', () => {
    const s = resolve({});
    expect(s).toMatchObject({ admission: 'on', offProfile: 'langchain-js', budgetSafety: 1, timeScale: 1, deadlineMs: 60_000, queueMax: 1000 });
    expect(budgetBackendOf(s)).toBe('memory');
    expect(configuredLimits(s)).toEqual({ rpm: undefined, tpm: undefined });
  });

  it('takes a tier, overridden by explicit limits, from flags or environment', () => {
    expect(configuredLimits(resolve({ llmTier: 'tier1' }))).toEqual({ rpm: 500, tpm: 200_000 });
    expect(configuredLimits(resolve({ llmTier: 'tier1' }, { CONCIERGE_LLM_TPM: '50000' }))).toEqual({ rpm: 500, tpm: 50_000 });
    expect(resolve({}, { CONCIERGE_BUDGET_BACKEND: 'redis', CONCIERGE_ADMISSION: 'off' })).toMatchObject({ budgetBackend: 'redis', admission: 'off' });
  });

  it('shares the budget in Redis when the deployment has one, unless told otherwise', () => {
    expect(budgetBackendOf(resolve({}, { CONCIERGE_REDIS_URL: 'redis://redis:6379' }))).toBe('redis');
    expect(budgetBackendOf(resolve({ budgetBackend: 'memory' }, { CONCIERGE_REDIS_URL: 'redis://redis:6379' }))).toBe('memory');
    expect(budgetRedisUrl(resolve({ budgetBackend: 'redis' }))).toBe('redis://127.0.0.1:6379');
  });

  it('scales the nominal deadline into real time', () => {
    expect(messageDeadlineMs(resolve({ timeScale: '0.05', deadlineMs: '60000' }))).toBe(3000);
  });

  it('names the bad flag', () => {
    expect(() => resolve({ budgetSafety: '1.5', llmTier: 'gold' })).toThrow(ConfigError);
    try {
      resolve({ budgetSafety: '1.5' });
    } catch (error) {
      expect((error as ConfigError).message).toContain('--budget-safety (CONCIERGE_BUDGET_SAFETY): must be at most 1');
    }
  });
});

import { z } from 'zod';
import { ConfigError, type InvalidSetting } from './config-error.js';

/**
 * Where one setting comes from: a command-line flag (camelCase key as commander gives it)
 * and, optionally, an environment variable. Flags win over the environment; the schema's
 * defaults apply when neither is given.
 */
export interface SettingSource {
  flag: string;
  env?: string;
}

export type SettingSources<T> = { [K in keyof T]?: SettingSource };

/**
 * Validate a command's settings once, at the edge, and freeze them. This is the only
 * function that reads the environment: the rest of the program receives a typed object.
 */
export function resolveSettings<S extends z.ZodObject>(
  schema: S,
  sources: SettingSources<z.input<S>>,
  input: { flags: Record<string, unknown>; env?: NodeJS.ProcessEnv },
): Readonly<z.output<S>> {
  const env = input.env ?? process.env;
  const raw: Record<string, unknown> = {};
  const given: Record<string, string | undefined> = {};
  for (const key of Object.keys(schema.shape)) {
    const source = (sources as Record<string, SettingSource | undefined>)[key];
    const flagValue = input.flags[key];
    if (flagValue !== undefined) {
      raw[key] = flagValue;
      given[key] = typeof flagValue === 'string' ? flagValue : JSON.stringify(flagValue);
    } else if (source?.env && env[source.env] !== undefined && env[source.env] !== '') {
      raw[key] = env[source.env];
      given[key] = env[source.env];
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const bad: InvalidSetting[] = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '');
      const source = (sources as Record<string, SettingSource | undefined>)[key];
      return {
        flag: source?.flag ?? `--${kebab(key)}`,
        env: source?.env,
        given: given[key],
        problem: issue.message,
      };
    });
    throw new ConfigError(bad);
  }
  return Object.freeze(parsed.data);
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Reusable field schemas, so every command phrases its rules the same way. */
export const field = {
  port: () => z.coerce.number().int().min(0, 'must be a port number 0-65535 (0 picks a free port)').max(65535, 'must be a port number 0-65535 (0 picks a free port)'),
  host: () => z.string().min(1, 'must be a host name or IP address'),
  positiveInt: () => z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').positive('must be greater than 0'),
  nonNegativeInt: () => z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(0, 'must be 0 or more'),
  positiveNumber: () => z.coerce.number({ error: 'must be a number' }).positive('must be greater than 0'),
  fraction: () => z.coerce.number({ error: 'must be a number between 0 and 1' }).min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1'),
  bool: () =>
    z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })]).transform((v) => v === true || v === 'true' || v === '1' || v === 'yes'),
  url: () => z.url({ error: 'must be an absolute http(s) URL' }),
};

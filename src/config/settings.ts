import { Option, type Command } from 'commander';
import { z } from 'zod';
import { ConfigError, type InvalidSetting } from './config-error.js';

/**
 * Where one setting comes from and how it is offered: a command-line flag (its camelCase
 * key as commander gives it), optionally an environment variable, and one line of help.
 * Flags win over the environment; the schema's defaults apply when neither is given. A
 * command's options, their help and the defaults it shows are all generated from this and
 * the schema (`declareSettings`), so none of them is written twice.
 */
export interface SettingSource {
  flag: string;
  env?: string;
  /** What the setting does; the env variable and the default are added to it. */
  help?: string;
  /** The value's placeholder in help, e.g. `<ms>` (default `<value>`). */
  arg?: string;
  /**
   * `value` (default): takes one value. `switch`: no value, given means true. `negate`: the
   * flag is `--no-<name>` and means false. `repeat`: may be given several times (an array).
   */
  takes?: 'value' | 'switch' | 'negate' | 'repeat';
  /** The default to show when it is not the schema's own (a preset's, or one chosen at run time). */
  defaultText?: string;
  /** A key or password: never echoed back in an error. */
  secret?: boolean;
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
        given: source?.secret ? undefined : given[key],
        problem: issue.message,
      };
    });
    throw new ConfigError(bad);
  }
  return Object.freeze(parsed.data);
}

/** The schema's default of a setting, as help shows it; undefined when it has none worth showing. */
export function shownDefault(field: z.ZodType | undefined): string | undefined {
  if (!(field instanceof z.ZodDefault)) return undefined;
  const value: unknown = field.def.defaultValue;
  if (value instanceof Map || value instanceof Set) return value.size === 0 ? undefined : [...value.keys()].join(',');
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.join(',');
  return value === undefined ? undefined : String(value);
}

/**
 * Declare a command's options from its settings schema and sources: each flag with its
 * help, its environment variable and its default. A flag the command already has (serve's
 * `--time-scale`, read by two schemas) is declared once.
 */
export function declareSettings<S extends z.ZodObject>(command: Command, schema: S, sources: SettingSources<z.input<S>>): Command {
  for (const [key, source] of Object.entries(sources) as Array<[string, SettingSource | undefined]>) {
    if (!source) continue;
    const takes = source.takes ?? 'value';
    const long = takes === 'negate' ? `--no-${source.flag.slice(2)}` : source.flag;
    if (command.options.some((o) => o.long === long)) continue;
    // A switch is off unless given, a --no-x flag on: only a value's default is worth showing.
    const shown = source.defaultText ?? (takes === 'switch' || takes === 'negate' ? undefined : shownDefault(schema.shape[key] as z.ZodType | undefined));
    const notes = [source.env ? `env ${source.env}` : undefined, shown === undefined ? undefined : `default ${shown}`].filter(Boolean);
    const help = `${source.help ?? ''}${notes.length ? `${source.help ? ' ' : ''}(${notes.join(', ')})` : ''}`;
    const flags = takes === 'switch' || takes === 'negate' ? long : `${long} ${source.arg ?? '<value>'}`;
    const option = new Option(flags, help);
    if (takes === 'repeat') option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
    // A programming error, caught by any test that builds the commands: the flag must land on the key.
    if (option.attributeName() !== key) throw new Error(`flag ${long} would set ${option.attributeName()}, not ${key}`);
    command.addOption(option);
  }
  return command;
}

/**
 * The options given on the command line, and only those: commander fills in defaults of its
 * own (true for a `--no-x` flag) that must not hide the environment or the schema's default.
 */
export function givenFlags(command: Command): Record<string, unknown> {
  const given: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(command.opts())) {
    if (command.getOptionValueSource(key) === 'cli') given[key] = value;
  }
  return given;
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
  /**
   * The one time scale of every command (`--time-scale`): the simulator, the server and the
   * load tester must agree on it, so they accept the same range.
   */
  timeScale: () => z.coerce.number({ error: 'must be a number' }).positive('must be greater than 0').max(1000, 'must be at most 1000'),
  bool: () =>
    z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })]).transform((v) => v === true || v === 'true' || v === '1' || v === 'yes'),
  url: () => z.url({ error: 'must be an absolute http(s) URL' }),
  /** A repeatable flag of arguments passed on to another command (`--server-arg`), split on spaces. */
  passedArgs: () =>
    z
      .union([z.string(), z.array(z.string())])
      .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(/\s+/)).filter(Boolean))
      .default([]),
};

import { ConciergeError } from '../shared/errors.js';

export interface InvalidSetting {
  /** The command-line flag, for example `--rpm`. */
  flag: string;
  /** The environment variable that also sets it, when there is one. */
  env: string | undefined;
  /** What was given, as text. */
  given: string | undefined;
  /** What is allowed, in words. */
  problem: string;
}

/** A setting from flags or environment failed validation. Exit code 2, like a usage error. */
export class ConfigError extends ConciergeError {
  readonly settings: readonly InvalidSetting[];

  constructor(settings: InvalidSetting[]) {
    const lines = settings.map((s) => {
      const name = s.env ? `${s.flag} (${s.env})` : s.flag;
      const given = s.given === undefined ? '' : ` (got ${JSON.stringify(s.given)})`;
      return `  ${name}: ${s.problem}${given}`;
    });
    super('CONFIG_INVALID', `invalid configuration:\n${lines.join('\n')}`);
    this.settings = settings;
  }
}

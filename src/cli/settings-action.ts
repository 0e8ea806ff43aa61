import type { Command } from 'commander';
import type { z } from 'zod';
import { declareSettings, givenFlags, resolveSettings, type SettingSources } from '../config/settings.js';
import { runAction } from './run-action.js';

/**
 * Give a command the options of its settings and an action that receives them checked: the
 * flags are declared from the schema (help, variable, default); when the command runs, what
 * its command line gave is merged with the environment and the defaults and validated once.
 * The action also gets the command's positional arguments.
 */
export function withSettings<S extends z.ZodObject>(
  command: Command,
  schema: S,
  sources: SettingSources<z.input<S>>,
  action: (settings: Readonly<z.output<S>>, args: string[]) => Promise<void | number>,
): Command {
  declareSettings(command, schema, sources);
  return command.action(
    runAction(async (...received: unknown[]) => {
      const self = received.at(-1) as Command;
      return action(resolveSettings(schema, sources, { flags: givenFlags(self) }), self.processedArgs as string[]);
    }),
  );
}

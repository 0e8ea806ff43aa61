import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands.js';

const program = new Command();
program
  .name('concierge')
  .description('A booking-assistant agent that stays correct and fast under load, and the lab that proves it.')
  .showHelpAfterError('(run with --help for the options)')
  .enablePositionalOptions()
  // Commander's own refusals (an unknown flag, a missing argument) throw here instead of
  // exiting 1, so that every refusal to start exits 2; every subcommand inherits this.
  .exitOverride();

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  // Help and --version end with 0; anything else commander refused is a usage error.
  process.exitCode = error.exitCode === 0 ? 0 : 2;
}

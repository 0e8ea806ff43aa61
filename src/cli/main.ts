import { Command } from 'commander';
import { registerCommands } from './commands.js';

const program = new Command();
program
  .name('concierge')
  .description('A booking-assistant agent that stays correct and fast under load, and the lab that proves it.')
  .showHelpAfterError()
  .enablePositionalOptions();

registerCommands(program);

await program.parseAsync(process.argv);

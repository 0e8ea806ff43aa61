import type { Command } from 'commander';
import { registerServiceBench } from './bench-service-command.js';
import { registerChatCommand } from './chat-command.js';
import { registerServeCommand } from './serve-command.js';

/**
 * Every subcommand registers itself here, one module per command. `bench` is a parent whose
 * subcommands each measure one part of the system.
 */
export function registerCommands(program: Command): void {
  registerServeCommand(program);
  registerChatCommand(program);
  const bench = program.command('bench').description('Benchmarks that print figures (never timed tests).');
  registerServiceBench(bench);
}

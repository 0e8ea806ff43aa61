import type { Command } from 'commander';

/**
 * Every subcommand registers itself here, one module per command. `bench` is a parent whose
 * subcommands each measure one part of the system.
 */
export function registerCommands(program: Command): void {
  const bench = program.command('bench').description('Benchmarks that print figures (never timed tests).');
  void bench;
}

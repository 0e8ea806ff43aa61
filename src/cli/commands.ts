import type { Command } from 'commander';
import { registerBookingBench } from './bench-booking-command.js';
import { registerAdmissionBench } from './bench-admission-command.js';
import { registerScaleBench } from './bench-scale-command.js';
import { registerFaultsBench } from './bench-faults-command.js';
import { registerServiceBench } from './bench-service-command.js';
import { registerSimBench } from './bench-sim-command.js';
import { registerTokenBench } from './bench-tokens-command.js';
import { registerChatCommand } from './chat-command.js';
import { registerClusterCommand } from './cluster-command.js';
import { registerLoadtestCommands } from './loadtest-command.js';
import { registerPlanCommand } from './plan-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerSimCommand } from './sim-command.js';

/**
 * Every subcommand registers itself here, one module per command. `bench` is a parent whose
 * subcommands each measure one part of the system.
 */
export function registerCommands(program: Command): void {
  registerServeCommand(program);
  registerSimCommand(program);
  registerChatCommand(program);
  registerClusterCommand(program);
  registerLoadtestCommands(program);
  registerPlanCommand(program);
  const bench = program.command('bench').description('Benchmarks that print figures (never timed tests).');
  registerAdmissionBench(bench);
  registerServiceBench(bench);
  registerSimBench(bench);
  registerBookingBench(bench);
  registerScaleBench(bench);
  registerTokenBench(bench);
  registerFaultsBench(bench);
}

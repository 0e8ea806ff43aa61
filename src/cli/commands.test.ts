import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerCommands } from './commands.js';

/** Every command, as `concierge` registers them, and its help read as one line. */
function allCommands(): Array<{ name: string; command: Command }> {
  const program = new Command('concierge');
  registerCommands(program);
  const found: Array<{ name: string; command: Command }> = [];
  const walk = (command: Command, prefix: string) => {
    for (const sub of command.commands) {
      const name = `${prefix}${sub.name()}`;
      if (sub.commands.length > 0) walk(sub, `${name} `);
      else found.push({ name, command: sub });
    }
  };
  walk(program, '');
  return found;
}

const helpOf = (command: Command) => command.helpInformation().replace(/\s+/g, ' ');

describe('the commands', () => {
  it('generate their help from their settings: flag, variable and default', () => {
    const commands = Object.fromEntries(allCommands().map(({ name, command }) => [name, command]));
    expect(Object.keys(commands).sort()).toEqual(['bench admission', 'bench booking', 'bench faults', 'bench scale', 'bench service', 'bench sim', 'bench tokens', 'chat', 'cluster', 'loadtest', 'plan', 'report compare', 'serve', 'sim']);
    const serve = helpOf(commands.serve!);
    expect(serve).toContain('--port <port> port; 0 picks a free one (env CONCIERGE_PORT, default 8710)');
    expect(serve).toContain('--deadline-ms <ms> nominal ms within which a message should be answered (env CONCIERGE_DEADLINE_MS, default 60000)');
    expect(serve).toMatch(/--sim-preset <name> rate-limit preset of the embedded simulator: free\|[^(]*\(env CONCIERGE_SIM_PRESET, default unlimited\)/);
    // Read by the server's settings and admission control's: declared once.
    expect(commands.serve!.options.filter((o) => o.long === '--time-scale')).toHaveLength(1);
    // The deployment's Redis: one flag for coordination and the shared budget.
    expect(commands.serve!.options.filter((o) => o.long === '--redis-url')).toHaveLength(1);
    expect(serve).toContain('--database-url <url> Postgres for all state, shared by replicas (env CONCIERGE_DATABASE_URL, default the SQLite file of --db)');
    expect(serve).toContain('--lease-ms <ms>');
    expect(helpOf(commands.sim!)).toContain('--time-scale <f> multiply every duration by f; 0.1 runs 10 minutes in 1 (env CONCIERGE_SIM_TIME_SCALE, default 1)');
    expect(helpOf(commands.loadtest!)).toContain('--stages <list> closed model: concurrent users per stage (default 10,50,100)');
    expect(helpOf(commands['bench admission']!)).toContain("--time-scale <f> simulator and server clock scale (default the preset's: seed 0.75, saturation 0.5");
  });

  it('describe every option they take', () => {
    for (const { name, command } of allCommands()) {
      for (const option of command.options) expect(option.description.length, `${name} ${option.long}`).toBeGreaterThan(5);
    }
  });
});

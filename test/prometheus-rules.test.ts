import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const RULES_DIR = fileURLToPath(new URL('../deploy/prometheus/', import.meta.url));
const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
if (!promtool) console.warn('prometheus-rules: skipped, `promtool` is not installed (Debian package `prometheus`; .ci/run installs it)');

describe.skipIf(!promtool)('alert rules (promtool)', () => {
  it('pass `promtool check rules`', () => {
    const result = spawnSync('promtool', ['check', 'rules', 'alerts.yml'], { cwd: RULES_DIR, encoding: 'utf8' });
    expect(result.stderr + result.stdout).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it('pass their unit tests: `promtool test rules alerts.test.yml`, a firing and a quiet case per alert', () => {
    const result = spawnSync('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: RULES_DIR, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });
});

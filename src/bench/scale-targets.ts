import type { PacedFigures, ScaleFigures } from './scale-bench.js';

export interface ScaleVerdict {
  pass: boolean;
  line: string;
}

/** The paced run of a configuration at `perReplica` messages per second for each replica. */
function pacedAt(figures: ScaleFigures | undefined, perReplica: number): PacedFigures | undefined {
  return figures?.paced.find((p) => Math.abs(p.ratePerReplica - perReplica) < 1e-9);
}

/**
 * The targets, on figures measured in one run, all at the same paced load per replica (an
 * arrival rate below saturation, so that neither side is starved by the other processes of a
 * small machine): Postgres against SQLite, one replica each (what the database costs), and
 * several replicas against one, both with the same coordination (what adding replicas costs).
 */
export function scaleVerdicts(configurations: ScaleFigures[], ratePerReplica: number): ScaleVerdict[] {
  const sqlite = pacedAt(configurations.find((c) => c.label === 'SQLite x1'), ratePerReplica);
  const postgres = pacedAt(configurations.find((c) => c.label === 'Postgres x1'), ratePerReplica);
  const manyConfig = configurations.at(-1);
  const oneConfig = configurations.filter((c) => c.replicas === 1).at(-1);
  const many = pacedAt(manyConfig, ratePerReplica);
  const one = pacedAt(oneConfig, ratePerReplica);
  if (!sqlite || !postgres || !many || !one || !manyConfig || manyConfig.replicas === 1) return [];
  const cpuRatio = postgres.cpuMsPerMessage / sqlite.cpuMsPerMessage;
  const scaleRatio = many.cpuMsPerMessage / one.cpuMsPerMessage;
  const addedP99 = postgres.latency.p99Ms - sqlite.latency.p99Ms;
  const addedP50 = postgres.latency.p50Ms - sqlite.latency.p50Ms;
  const at = `at ${ratePerReplica} msg/s per replica`;
  return [
    { pass: cpuRatio <= 1.5, line: `Postgres CPU per message <= 1.5x SQLite's ${at}: ${cpuRatio.toFixed(2)}x` },
    { pass: scaleRatio <= 1.2, line: `${manyConfig.label} CPU per message <= 1.2x ${oneConfig!.label}'s ${at}: ${scaleRatio.toFixed(2)}x` },
    { pass: addedP99 <= 10, line: `p99 added latency of Postgres over SQLite <= 10 ms ${at}: ${addedP99.toFixed(2)} ms (p50 ${addedP50.toFixed(2)} ms)` },
  ];
}

/**
 * What the same total load costs when spread over more replicas, and why: each replica is
 * then less busy, and a less busy process pays more per message for what it does whatever
 * the load (timers, probes, its runtime's background threads). The single replica at the
 * share each of the several gets shows that effect without any coordination.
 */
export function spreadNotes(configurations: ScaleFigures[], ratePerReplica: number): string[] {
  const manyConfig = configurations.at(-1);
  const oneConfig = configurations.filter((c) => c.replicas === 1).at(-1);
  if (!manyConfig || !oneConfig || manyConfig.replicas === 1) return [];
  const n = manyConfig.replicas;
  const one = pacedAt(oneConfig, ratePerReplica);
  const oneThin = pacedAt(oneConfig, ratePerReplica / n);
  const manyThin = pacedAt(manyConfig, ratePerReplica / n);
  if (!one || !oneThin || !manyThin) return [];
  const coordination = manyThin.cpuMsPerMessage / oneThin.cpuMsPerMessage;
  return [
    `the same ${ratePerReplica} msg/s spread over ${n} replicas costs ${(manyThin.cpuMsPerMessage / one.cpuMsPerMessage).toFixed(2)}x one replica's CPU per message;`,
    `one replica alone at a ${n === 3 ? 'third' : `1/${n}`} of that load costs ${(oneThin.cpuMsPerMessage / one.cpuMsPerMessage).toFixed(2)}x, and ${n} replicas cost ${coordination.toFixed(2)}x what it does at the same load each:`,
    coordination <= 1.2
      ? 'what grows is the cost of a less busy process, not coordination. Add replicas as the load grows (the HorizontalPodAutoscaler does, on CPU), not ahead of it.'
      : `coordination itself adds ${((coordination - 1) * 100).toFixed(0)}% at that load: more than the less busy process explains.`,
  ];
}

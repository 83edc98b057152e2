/**
 * The metrics of the last run of each cluster, from its result. One file may hold several
 * clusters (a fleet run); every sample carries the cluster label.
 */
import type { CheckResult, Verdict } from '../pipeline/report/check-result.js';
import { renderFamilies, type Family, type Sample } from './prometheus-text.js';

export interface MetricsRun {
  readonly cluster: string;
  readonly endedAt: Date;
  readonly result: CheckResult;
}

export const VERDICTS: readonly Verdict[] = ['consistent', 'drift', 'incomplete'];

export function renderRunMetrics(runs: readonly MetricsRun[]): string {
  const g = (name: string, help: string, samples: Sample[]): Family => ({ name, help, type: 'gauge', samples });
  const per = (f: (run: MetricsRun) => Sample[]) => runs.flatMap(f);
  const perReplica = (run: MetricsRun, value: (replica: string) => number): Sample[] =>
    run.result.replicas.map((replica) => ({ labels: { cluster: run.cluster, replica }, value: value(replica) }));
  return renderFamilies([
    g('syncpoint_last_run_timestamp_seconds', 'Unix time the last check/counts run of the cluster ended.', per((r) => [{ labels: { cluster: r.cluster }, value: r.endedAt.getTime() / 1000 }])),
    g('syncpoint_last_run_duration_seconds', 'Wall time of the last run, seconds.', per((r) => [{ labels: { cluster: r.cluster }, value: r.result.durationMs / 1000 }])),
    g('syncpoint_last_run_verdict', 'Verdict of the last run: 1 for the verdict it had (consistent, drift, incomplete), 0 for the others.', per((r) => VERDICTS.map((v) => ({ labels: { cluster: r.cluster, verdict: v }, value: r.result.verdict === v ? 1 : 0 })))),
    g('syncpoint_tables_checked', 'Tables checked to the end on at least one replica in the last run.', per((r) => [{ labels: { cluster: r.cluster }, value: new Set(r.result.tables.filter((t) => t.status === 'ok' || t.status === 'drift').map((t) => t.table)).size }])),
    g('syncpoint_drift_tables', 'Tables that differ from the primary on this replica (last run).', per((r) => perReplica(r, (rep) => r.result.tables.filter((t) => t.replica === rep && t.status === 'drift').length))),
    g('syncpoint_drift_chunks', 'Chunks that still differed after re-checks on this replica (last run).', per((r) => perReplica(r, (rep) => r.result.tables.filter((t) => t.replica === rep && t.status === 'drift').reduce((n, t) => n + t.driftChunks, 0)))),
    g('syncpoint_table_drift_chunks', 'Drifting chunks of one table on one replica (last run); only drifting tables have a sample, so the series count follows the drift, not the schema.', per((r) =>
      r.result.tables.filter((t) => t.status === 'drift').map((t) => ({ labels: { cluster: r.cluster, replica: t.replica, table: t.table }, value: t.driftChunks })))),
    g('syncpoint_errors', 'Table/replica pairs that ended in error in the last run, plus 1 if the run stopped early.', per((r) => [{ labels: { cluster: r.cluster }, value: r.result.tables.filter((t) => t.status === 'error').length + (r.result.error ? 1 : 0) }])),
    g('syncpoint_replica_lag_seconds', 'Highest replication lag seen during the last run (start and end readings), seconds.', per((r) =>
      Object.entries(r.result.replicaLagSeconds ?? {}).filter((e): e is [string, number] => e[1] !== null).map(([replica, value]) => ({ labels: { cluster: r.cluster, replica }, value })))),
  ]);
}

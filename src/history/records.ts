/**
 * What a run writes to its journal, one record per line (or row), in the order things happen:
 *   start     once: who, where, with which options (DSNs without passwords)
 *   chunk     each finished chunk of a table, in key order: bounds and per-replica outcome
 *   table     a table finished (final per-replica entries, before re-checks)
 *   end       the run's result, once it has one
 * A run summary (the index entry) is derived from start + end and stored beside them so that
 * listing runs never reads whole journals.
 */
import type { CheckResult, TableOutcome, Verdict } from '../pipeline/report/check-result.js';
import type { TableFilter } from '../pipeline/plan/table-filter.js';

/** Options a resumed run reuses unless the user overrides them. */
export interface RunOptions {
  readonly primaryDsn: string;
  readonly replicaDsns: readonly string[];
  readonly filter: TableFilter;
  readonly chunkTime?: number;
  readonly hash?: 'fast' | 'strong';
  readonly noKeyMaxRows?: number;
  readonly concurrency: number;
  readonly retries: number;
  readonly maxLagSeconds: number;
  readonly lagWaitMs: number;
  readonly syncMethod?: string;
  readonly maxSnapshotAgeMs: number;
  readonly lockWaitMs: number;
  readonly maxLockMs: number;
  readonly syncTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly maxRuntimeSeconds?: number;
}

export interface StartRecord {
  readonly type: 'start';
  readonly runId: string;
  readonly cluster: string;
  readonly mode: 'check' | 'counts';
  readonly startedAt: string;
  readonly host: string;
  readonly pid: number;
  readonly primary: string;
  readonly options: RunOptions;
  readonly resumedFrom?: string;
}

export type ChunkReplicaOutcome =
  | { readonly rows: number; readonly same: boolean }
  | { readonly error: string }
  /** The replica was in the table's run but not synchronized for this chunk's lane. */
  | { readonly absent: true };

export interface ChunkRecord {
  readonly type: 'chunk';
  readonly table: string;
  /** Key columns the table was chunked by (null: one chunk, no key). */
  readonly key: readonly string[] | null;
  /** 0-based position of the chunk in the table, in key order. */
  readonly seq: number;
  readonly lower: readonly unknown[] | null;
  readonly upper: readonly unknown[] | null;
  readonly primaryRows: number;
  readonly ms: number;
  readonly replicas: Readonly<Record<string, ChunkReplicaOutcome>>;
  /** Copied from the run this one resumed (not checked again). */
  readonly carried?: boolean;
}

export interface TableEntryRecord extends TableOutcome {
  readonly replica: string;
}

export interface TableRecord {
  readonly type: 'table';
  readonly table: string;
  readonly key: readonly string[] | null;
  readonly entries: readonly TableEntryRecord[];
  readonly carried?: boolean;
}

export interface EndRecord {
  readonly type: 'end';
  readonly endedAt: string;
  readonly result: CheckResult;
  /** Highest replication lag seen per replica during the run, seconds (null: unknown). */
  readonly lagSeconds: Readonly<Record<string, number | null>>;
}

/** Progress of this table recorded so far is void (it is checked again from its start). */
export interface RestartRecord {
  readonly type: 'restart';
  readonly table: string;
}

export type JournalRecord = StartRecord | ChunkRecord | TableRecord | RestartRecord | EndRecord;

/** The index entry of a finished run: enough to list runs and follow drift across runs. */
export interface RunSummaryRecord {
  readonly type: 'summary';
  readonly runId: string;
  readonly cluster: string;
  readonly endedAt: string;
  readonly verdict: Verdict;
  readonly durationMs: number;
  readonly tables: number;
  /** "table replica" pairs (tab-separated) that ended as drift. */
  readonly drift: readonly string[];
  /** Pairs that ended skipped or error: they say nothing about drift either way. */
  readonly unknown: readonly string[];
  /**
   * Pairs checked and found the same (absent from summaries written before it was kept): only
   * these end a drift streak, not a run that failed outright or did not look at the pair.
   */
  readonly ok?: readonly string[];
  readonly errors: number;
  /** The run stopped early (signal, --max-runtime, lost primary): it can be resumed. */
  readonly stopped: boolean;
}

export const pairKey = (table: string, replica: string) => `${table}\t${replica}`;

export function summaryOf(start: StartRecord, end: EndRecord): RunSummaryRecord {
  const r = end.result;
  return {
    type: 'summary',
    runId: start.runId,
    cluster: start.cluster,
    endedAt: end.endedAt,
    verdict: r.verdict,
    durationMs: r.durationMs,
    tables: new Set(r.tables.map((t) => t.table)).size,
    drift: r.tables.filter((t) => t.status === 'drift').map((t) => pairKey(t.table, t.replica)),
    unknown: r.tables.filter((t) => t.status === 'skipped' || t.status === 'error').map((t) => pairKey(t.table, t.replica)),
    ok: r.tables.filter((t) => t.status === 'ok').map((t) => pairKey(t.table, t.replica)),
    errors: r.tables.filter((t) => t.status === 'error').length + (r.error ? 1 : 0),
    stopped: r.error !== undefined,
  };
}

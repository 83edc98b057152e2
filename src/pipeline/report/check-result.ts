/**
 * The result of check and counts: the JSON contract of DESIGN.md (schemaVersion 1), extended
 * with fields scripts may use (sync method, positions, drift chunk ranges, notes).
 */
export type Verdict = 'consistent' | 'drift' | 'incomplete';
export type TableStatus = 'ok' | 'drift' | 'skipped' | 'error';

export interface DriftChunk {
  /** Chunk bounds as key values (lower exclusive, upper inclusive; null = open). */
  readonly lower: readonly unknown[] | null;
  readonly upper: readonly unknown[] | null;
  readonly primaryRows: number;
  readonly replicaRows: number;
}

export interface TableResult {
  readonly table: string;
  readonly replica: string;
  status: TableStatus;
  primaryRows: number;
  replicaRows: number;
  chunks: number;
  driftChunks: number;
  reason?: string;
  durationMs: number;
  /** Up to a bounded number of drifting chunk ranges, for diff. */
  driftRanges?: DriftChunk[];
}

/** What a (table, replica) pair came to, without its names: what history and resume carry. */
export type TableOutcome = Readonly<Pick<TableResult, 'status' | 'reason' | 'primaryRows' | 'replicaRows' | 'chunks' | 'driftChunks' | 'durationMs'>>;

export interface CheckResult {
  readonly schemaVersion: 1;
  readonly command: 'check' | 'counts';
  verdict: Verdict;
  readonly primary: string;
  readonly replicas: string[];
  readonly tables: TableResult[];
  durationMs: number;
  /** How replicas were found, replicas that left the run, sync notes. */
  readonly notes: string[];
  /** check: the row hash the chunk checksums used ('fast' or 'strong'). */
  readonly hash?: 'fast' | 'strong';
  readonly sync: { method: string; epochs: number; maxLockMs: number; maxReplicaPauseMs: number; lanes: number };
  /** Replication lag per replica, seconds: the highest seen at the start and end of the run (null: not reported). */
  replicaLagSeconds?: Record<string, number | null>;
  /** Set when the run stopped early (signal, fatal error): what happened. */
  error?: string;
}

export function verdictOf(tables: readonly TableResult[], fatal: boolean): Verdict {
  if (tables.some((t) => t.status === 'drift')) return 'drift';
  if (fatal || tables.some((t) => t.status === 'skipped' || t.status === 'error')) return 'incomplete';
  return 'consistent';
}

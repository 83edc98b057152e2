/**
 * The checkpoint contract between run-check and whoever records a run (src/history): each
 * finished chunk is reported in key order, each finished table once; a resumed run asks, per
 * table, where to start and what the interrupted run already found there.
 */
import type { ChunkRange, KeyValues } from '../../engine/types.js';
import type { TableOutcome, TableResult } from '../report/check-result.js';

export type ChunkReplicaOutcome =
  | { readonly rows: number; readonly same: boolean }
  | { readonly error: string }
  /** In the table's run but not synchronized for this chunk's lane: nothing was compared. */
  | { readonly absent: true };

export interface ChunkDone {
  readonly table: string;
  readonly key: readonly string[] | null;
  readonly seq: number;
  readonly range: ChunkRange;
  readonly primaryRows: number;
  readonly ms: number;
  readonly replicas: Readonly<Record<string, ChunkReplicaOutcome>>;
}

/** What an interrupted run found for one (table, replica) before it stopped. */
export type CarriedEntry = TableOutcome;

export interface CarriedSuspect {
  readonly range: ChunkRange;
  readonly replicas: ReadonlyMap<string, { primaryRows: number; replicaRows: number }>;
}

export interface TableResume {
  /** The next chunk starts after this key; null with done=false means from the start. */
  readonly lower: KeyValues | null;
  readonly nextSeq: number;
  /** Every chunk of the table was finished in the interrupted run. */
  readonly done: boolean;
  /** One per replica the table is checked against now. */
  readonly entries: ReadonlyMap<string, CarriedEntry>;
  /** Chunks that differed at first sight, still to be re-checked. */
  readonly suspects: readonly CarriedSuspect[];
}

export interface CheckpointHooks {
  /**
   * Where a resumed run starts this table, or null to check it from the start (not in the
   * interrupted run, chunked by another key now, or a replica cannot continue contiguously).
   */
  resumeTable(table: string, key: readonly string[] | null, replicas: readonly string[]): TableResume | null;
  chunkDone(chunk: ChunkDone): void;
  /** The table is finished for `entries` (final before re-checks). */
  tableDone(table: string, key: readonly string[] | null, entries: readonly TableResult[]): void;
}

/**
 * Connects a check run to the history: every finished chunk and table goes to the run's journal
 * as it happens (the checkpoint hooks of run-check), and a resumed run is fed the progress of the
 * run it continues. Carried progress is copied into the new journal first, so every journal is
 * complete on its own and a resumed run can itself be resumed.
 */
import type { ChunkDone, CheckpointHooks, TableResume } from '../pipeline/checkpoint/checkpoint.js';
import { resumeFor, tableProgress, type TableProgress } from '../pipeline/checkpoint/resume-state.js';
import type { TableResult } from '../pipeline/report/check-result.js';
import type { ChunkRecord, JournalRecord, TableRecord } from './records.js';
import type { RunWriter } from './store.js';

export class RunRecorder implements CheckpointHooks {
  private readonly progress: Map<string, TableProgress>;
  /** Chunks carried over from the interrupted run and not checked again. */
  carriedChunks = 0;
  /** Chunks this run checked itself. */
  checkedChunks = 0;

  constructor(
    private readonly writer: RunWriter,
    previous: readonly JournalRecord[] | null,
  ) {
    this.progress = previous ? tableProgress(previous as Iterable<{ type: string }>) : new Map();
    for (const p of this.progress.values()) {
      for (const c of p.chunks) writer.append({ ...(c as ChunkRecord), carried: true });
      if (p.final) writer.append({ ...(p.final as TableRecord), carried: true });
    }
  }

  resumeTable(table: string, key: readonly string[] | null, replicas: readonly string[]): TableResume | null {
    const p = this.progress.get(table);
    if (!p) return null;
    const r = resumeFor(p, key, replicas);
    if (r) this.carriedChunks += r.nextSeq;
    // Progress that cannot be continued is void: a later resume must not build on it either.
    else this.writer.append({ type: 'restart', table });
    return r;
  }

  chunkDone(c: ChunkDone): void {
    this.checkedChunks++;
    this.writer.append({ type: 'chunk', table: c.table, key: c.key, seq: c.seq, lower: c.range.lower, upper: c.range.upper, primaryRows: c.primaryRows, ms: c.ms, replicas: c.replicas });
  }

  tableDone(table: string, key: readonly string[] | null, entries: readonly TableResult[]): void {
    this.writer.append({
      type: 'table',
      table,
      key,
      entries: entries.map((e) => ({
        replica: e.replica,
        status: e.status,
        ...(e.reason !== undefined ? { reason: e.reason } : {}),
        primaryRows: e.primaryRows,
        replicaRows: e.replicaRows,
        chunks: e.chunks,
        driftChunks: e.driftChunks,
        durationMs: e.durationMs,
      })),
    });
  }
}

/**
 * History as library calls: recorded check/counts runs (with --resume, --max-runtime, metrics),
 * listing runs, and one run in detail with "drift first seen". Never prints, never exits.
 */
import { driftFirstSeen } from '../history/drift-streak.js';
import { openHistoryStore } from '../history/open-store.js';
import { readJournal } from '../history/journal.js';
import { pairKey, type StartRecord } from '../history/records.js';
import { runRecorded, type RecordedCheckOptions, type RecordedResult } from '../history/run-recorded.js';
import type { HistoryStore, RunState } from '../history/store.js';
import type { TableOutcome, TableStatus, Verdict } from '../pipeline/report/check-result.js';
import { byTableThenReplica } from '../text-order.js';

export type { RecordedCheckOptions, RecordedResult, RunInfo } from '../history/run-recorded.js';

/** check, recorded in the history (resumable, --max-runtime, metrics). */
export function checkRecorded(o: RecordedCheckOptions): Promise<RecordedResult> {
  return runRecorded('check', o);
}

/** counts, recorded in the history. */
export function countsRecorded(o: RecordedCheckOptions): Promise<RecordedResult> {
  return runRecorded('counts', o);
}

export interface HistoryQuery {
  /** A --history DSN, or a store; default: the local file store. */
  readonly history?: string | HistoryStore;
}

async function withStore<T>(q: HistoryQuery, fn: (s: HistoryStore) => Promise<T>): Promise<T> {
  const store = typeof q.history === 'object' ? q.history : await openHistoryStore(q.history);
  try {
    return await fn(store);
  } finally {
    if (typeof q.history !== 'object') await store.close();
  }
}

export interface RunRow {
  readonly id: string;
  readonly cluster: string;
  readonly mode: 'check' | 'counts';
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly state: RunState;
  readonly verdict: Verdict | null;
  readonly durationMs: number | null;
  readonly tables: number | null;
  readonly driftPairs: number | null;
  readonly errors: number | null;
  readonly resumedFrom: string | null;
}

export interface HistoryListResult {
  readonly schemaVersion: 1;
  readonly verdict: 'ok';
  readonly store: string;
  readonly runs: RunRow[];
}

export async function listRuns(q: HistoryQuery & { cluster?: string; limit?: number }): Promise<HistoryListResult> {
  return withStore(q, async (store) => {
    const runs = await store.list({ ...(q.cluster !== undefined ? { cluster: q.cluster } : {}), ...(q.limit !== undefined ? { limit: q.limit } : {}) });
    return {
      schemaVersion: 1,
      verdict: 'ok',
      store: store.where,
      runs: runs.map((r) => ({
        id: r.start.runId,
        cluster: r.start.cluster,
        mode: r.start.mode,
        startedAt: r.start.startedAt,
        endedAt: r.summary?.endedAt ?? null,
        state: r.state,
        verdict: r.verdict,
        durationMs: r.summary?.durationMs ?? null,
        tables: r.summary?.tables ?? null,
        driftPairs: r.summary?.drift.length ?? null,
        errors: r.summary?.errors ?? null,
        resumedFrom: r.start.resumedFrom ?? null,
      })),
    };
  });
}

export interface RunPair extends Omit<TableOutcome, 'status'> {
  readonly table: string;
  readonly replica: string;
  /** 'unfinished': the run stopped before this pair had an answer. */
  readonly status: TableStatus | 'unfinished';
  /** For a drifting pair: the earliest run of the unbroken streak of drift ending at this run. */
  readonly driftFirstSeen?: string;
  readonly driftRanges?: readonly { lower: readonly unknown[] | null; upper: readonly unknown[] | null; primaryRows: number; replicaRows: number }[];
}

export interface RunDetail {
  readonly schemaVersion: 1;
  /** The run's own verdict; 'unfinished' when it has none (interrupted or still running). */
  readonly verdict: Verdict | 'unfinished';
  readonly store: string;
  readonly run: {
    readonly id: string;
    readonly cluster: string;
    readonly mode: 'check' | 'counts';
    readonly state: RunState;
    readonly startedAt: string;
    readonly endedAt: string | null;
    readonly durationMs: number | null;
    readonly primary: string;
    readonly replicas: readonly string[];
    readonly resumedFrom: string | null;
    readonly resumedBy: readonly string[];
    readonly options: StartRecord['options'];
  };
  /** Chunks recorded in the journal: checked by this run, and carried from the run it resumed. */
  readonly chunks: { readonly checked: number; readonly carried: number };
  readonly pairs: RunPair[];
  readonly notes: readonly string[];
  readonly error?: string;
}

export async function showRun(q: HistoryQuery & { runId: string }): Promise<RunDetail> {
  return withStore(q, async (store) => {
    const j = await readJournal(store, q.runId);
    const all = await store.list({ cluster: j.start.cluster });
    const me = all.find((r) => r.start.runId === j.start.runId);
    const firstSeen = driftFirstSeen(all.map((r) => r.summary).filter((s) => s !== null), j.start.runId);
    const pairs: RunPair[] = [];
    if (j.end) {
      for (const t of j.end.result.tables) {
        const first = firstSeen.get(pairKey(t.table, t.replica));
        pairs.push({ ...t, ...(first ? { driftFirstSeen: first } : {}) });
      }
    } else {
      // No result: what the journal says so far, per pair.
      const done = new Set<string>();
      for (const t of j.tables) {
        for (const e of t.entries) {
          done.add(pairKey(t.table, e.replica));
          pairs.push({ table: t.table, ...e, status: e.driftChunks > 0 && e.status === 'ok' ? 'unfinished' : e.status, ...(e.driftChunks > 0 ? { reason: `${e.driftChunks} chunk(s) differed at first sight; the run stopped before re-checking them` } : {}) });
        }
      }
      const partial = new Map<string, RunPair & { chunks: number }>();
      for (const c of j.chunks) {
        for (const [replica, o] of Object.entries(c.replicas)) {
          const k = pairKey(c.table, replica);
          if (done.has(k)) continue;
          const p = partial.get(k) ?? { table: c.table, replica, status: 'unfinished' as const, primaryRows: 0, replicaRows: 0, chunks: 0, driftChunks: 0, durationMs: 0 };
          partial.set(k, { ...p, chunks: p.chunks + 1, primaryRows: p.primaryRows + c.primaryRows, replicaRows: p.replicaRows + ('rows' in o ? o.rows : 0), driftChunks: p.driftChunks + ('same' in o && !o.same ? 1 : 0) });
        }
      }
      pairs.push(...[...partial.values()].map((p) => ({ ...p, reason: `${p.chunks} chunk(s) finished before the run stopped` })));
      pairs.sort(byTableThenReplica);
    }
    const r = j.end?.result;
    return {
      schemaVersion: 1,
      verdict: r?.verdict ?? 'unfinished',
      store: store.where,
      run: {
        id: j.start.runId,
        cluster: j.start.cluster,
        mode: j.start.mode,
        state: me?.state ?? (j.end ? 'finished' : 'interrupted'),
        startedAt: j.start.startedAt,
        endedAt: j.end?.endedAt ?? null,
        durationMs: r?.durationMs ?? null,
        primary: j.start.primary,
        replicas: r?.replicas ?? [],
        resumedFrom: j.start.resumedFrom ?? null,
        resumedBy: all.filter((x) => x.start.resumedFrom === j.start.runId).map((x) => x.start.runId),
        options: j.start.options,
      },
      chunks: { checked: j.chunks.filter((c) => !c.carried).length, carried: j.chunks.filter((c) => c.carried).length },
      pairs,
      notes: r?.notes ?? [],
      ...(r?.error !== undefined ? { error: r.error } : {}),
    };
  });
}

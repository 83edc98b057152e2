/**
 * Rebuilds, from the records of an interrupted run, where each table stands: the contiguous
 * prefix of finished chunks (chunks of a table are checked one after another, so the journal
 * holds them in key order; a lost tail is simply not in the prefix) and what those chunks found.
 * A table whose replicas did not all take part in every chunk of the prefix is not resumable
 * (its next chunk could not be compared on the same terms), and is checked again from the start.
 */
import type { ChunkRange, KeyValues } from '../../engine/types.js';
import type { TableStatus } from '../report/check-result.js';
import type { CarriedEntry, ChunkReplicaOutcome, TableResume } from './checkpoint.js';

/** The subset of journal records resuming needs (src/history/records.ts has the full shapes). */
export type ProgressRecord =
  | { readonly type: 'chunk'; readonly table: string; readonly key: readonly string[] | null; readonly seq: number; readonly lower: readonly unknown[] | null; readonly upper: readonly unknown[] | null; readonly primaryRows: number; readonly replicas: Readonly<Record<string, ChunkReplicaOutcome>> }
  | { readonly type: 'table'; readonly table: string; readonly key: readonly string[] | null; readonly entries: readonly ({ readonly replica: string } & CarriedEntry)[] }
  | { readonly type: 'restart'; readonly table: string }
  | { readonly type: string };

export interface TableProgress {
  readonly key: readonly string[] | null;
  /** Chunk records of the contiguous prefix, in key order. */
  readonly chunks: Extract<ProgressRecord, { type: 'chunk' }>[];
  readonly final: Extract<ProgressRecord, { type: 'table' }> | null;
}

export function tableProgress(records: Iterable<ProgressRecord>): Map<string, TableProgress> {
  const out = new Map<string, { key: readonly string[] | null; chunks: Extract<ProgressRecord, { type: 'chunk' }>[]; final: Extract<ProgressRecord, { type: 'table' }> | null; broken: boolean }>();
  for (const r of records) {
    if (r.type === 'restart') {
      out.delete((r as { table: string }).table);
    } else if (r.type === 'chunk') {
      const c = r as Extract<ProgressRecord, { type: 'chunk' }>;
      let t = out.get(c.table);
      if (!t || c.seq === 0) out.set(c.table, (t = { key: c.key, chunks: [], final: null, broken: false }));
      // Only the contiguous prefix counts: anything after a missing chunk is not trusted.
      if (t.broken || c.seq !== t.chunks.length || !sameNames(t.key, c.key)) {
        t.broken = true;
        continue;
      }
      t.chunks.push(c);
    } else if (r.type === 'table') {
      const f = r as Extract<ProgressRecord, { type: 'table' }>;
      const t = out.get(f.table) ?? { key: f.key, chunks: [], final: null, broken: false };
      out.set(f.table, t);
      if (!t.broken && sameNames(t.key, f.key)) t.final = f;
    }
  }
  return new Map([...out].map(([k, v]) => [k, { key: v.key, chunks: v.chunks, final: v.final }]));
}

function sameNames(a: readonly string[] | null, b: readonly string[] | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Where `table` resumes for `replicas`, or null when it must be checked from the start. */
export function resumeFor(p: TableProgress | undefined, key: readonly string[] | null, replicas: readonly string[]): TableResume | null {
  if (!p || !sameNames(p.key, key) || (p.chunks.length === 0 && !p.final)) return null;
  const acc = new Map<string, { status: TableStatus; reason?: string; primaryRows: number; replicaRows: number; chunks: number; driftChunks: number; durationMs: number; gap: boolean }>();
  const first = p.chunks[0];
  // Only the replicas checked now: one the earlier run had and this one has not carries nothing.
  for (const label of Object.keys(first?.replicas ?? {})) if (replicas.includes(label)) acc.set(label, { status: 'ok', primaryRows: 0, replicaRows: 0, chunks: 0, driftChunks: 0, durationMs: 0, gap: false });
  const suspects: { range: ChunkRange; replicas: Map<string, { primaryRows: number; replicaRows: number }> }[] = [];
  for (const c of p.chunks) {
    let suspect: Map<string, { primaryRows: number; replicaRows: number }> | null = null;
    for (const [label, a] of acc) {
      if (a.status === 'error') continue;
      const o = c.replicas[label];
      if (!o || 'absent' in o) {
        a.gap = true;
        continue;
      }
      a.chunks++;
      a.primaryRows += c.primaryRows;
      if ('error' in o) {
        a.status = 'error';
        a.reason = `chunk failed on replica: ${o.error}`;
        continue;
      }
      a.replicaRows += o.rows;
      if (!o.same) {
        a.driftChunks++;
        (suspect ??= new Map()).set(label, { primaryRows: c.primaryRows, replicaRows: o.rows });
      }
    }
    if (suspect) suspects.push({ range: { lower: c.lower as KeyValues | null, upper: c.upper as KeyValues | null }, replicas: suspect });
  }
  const last = p.chunks[p.chunks.length - 1];
  const complete = last !== undefined && last.upper === null;
  // A final "ok" says every range was compared: trusted only with the chunks to show for it (a
  // run before this check could close a table whose last range was taken but never checked).
  if (p.final && !complete && p.final.entries.some((e) => e.status === 'ok')) return null;
  const done = p.final !== null || complete;
  const entries = new Map<string, CarriedEntry>();
  for (const label of replicas) {
    const a = acc.get(label);
    const f = p.final?.entries.find((e) => e.replica === label);
    if (p.final && !f) return null;
    if (!a && !f) return null;
    if (a?.gap) return null;
    if (f) entries.set(label, { status: f.status, ...(f.reason !== undefined ? { reason: f.reason } : {}), primaryRows: f.primaryRows, replicaRows: f.replicaRows, chunks: f.chunks, driftChunks: f.driftChunks, durationMs: f.durationMs });
    else entries.set(label, { status: a!.status, ...(a!.reason !== undefined ? { reason: a!.reason } : {}), primaryRows: a!.primaryRows, replicaRows: a!.replicaRows, chunks: a!.chunks, driftChunks: a!.driftChunks, durationMs: 0 });
  }
  return { lower: (last?.upper as KeyValues | null | undefined) ?? null, nextSeq: p.chunks.length, done, entries, suspects };
}

/**
 * check and counts, as a numbered list:
 *   1. topology: connect the primary and replicas (or discover them)
 *   2. schema: load table definitions everywhere; missing tables / column differences are drift
 *   3. sync: lanes of sessions held at synchronized replication positions
 *   4. checksum: every table, chunk by chunk, on all servers of a lane at once (or counts)
 *   5. recheck: each differing chunk again at a fresh synchronized point, up to --retries times
 *   6. report: one result per (table, replica) and a verdict
 * A failing chunk or replica is a result with its reason; the run goes on.
 */
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import type { ConnectionSpec } from '../config/dsn.js';
import type { SyncMethod } from '../engine/capabilities.js';
import type { ConnectOptions, Engine } from '../engine/engine.js';
import type { ChunkRange, KeyValues, TableInfo } from '../engine/types.js';
import { messageOf, SyncpointError } from '../errors.js';
import { checksumProbe, countProbe, runOnLane, sameChecksum, type ChunkTarget, type ServerChunk } from './checksum/run-chunk.js';
import { ChunkSizer } from './plan/chunk-sizer.js';
import { planTables, type PlannedTable } from './plan/plan-tables.js';
import type { TableFilter } from './plan/table-filter.js';
import { verdictOf, type CheckResult, type DriftChunk, type TableResult } from './report/check-result.js';
import { SyncManager } from './sync/sync-manager.js';
import type { Lane } from './sync/lane.js';
import { resolveTopology, type Topology } from './topology/topology.js';

export interface CheckOptions {
  readonly primary: ConnectionSpec;
  readonly replicas: readonly ConnectionSpec[];
  readonly filter: TableFilter;
  /** Target seconds per chunk. */
  readonly chunkTime: number;
  /** Lanes: parallel chunk pipelines, each one session per server. */
  readonly concurrency: number;
  readonly retries: number;
  readonly maxLagSeconds: number;
  readonly lagWaitMs: number;
  readonly syncMethod?: SyncMethod;
  readonly maxSnapshotAgeMs: number;
  readonly lockWaitMs: number;
  readonly maxLockMs: number;
  readonly syncTimeoutMs: number;
  /** A table with no usable key is checked as one chunk up to this many (estimated) rows. */
  readonly noKeyMaxRows: number;
  readonly connectTimeoutMs: number;
  readonly log: Logger;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: Progress) => void;
}

export interface Progress {
  readonly tablesDone: number;
  readonly tablesTotal: number;
  readonly rowsDone: number;
  readonly rowsEstimated: number;
}

export const checkDefaults = {
  chunkTime: 0.5,
  concurrency: 2,
  retries: 2,
  maxLagSeconds: 10,
  lagWaitMs: 300_000,
  maxSnapshotAgeMs: 30_000,
  lockWaitMs: 1_000,
  maxLockMs: 2_000,
  syncTimeoutMs: 60_000,
  noKeyMaxRows: 1_000_000,
  connectTimeoutMs: 10_000,
} as const;

/** A chunk that differed, kept for the recheck pass. */
interface Suspect {
  readonly planned: PlannedTable;
  readonly range: ChunkRange;
  readonly replicas: Map<string, { primaryRows: number; replicaRows: number }>;
}

const MAX_REPORTED_RANGES = 100;
const CHUNK_ATTEMPTS = 3;

export async function runCheck(mode: 'check' | 'counts', o: CheckOptions): Promise<CheckResult> {
  const started = Date.now();
  const log = o.log;
  const connect: ConnectOptions = { lockWaitMs: o.lockWaitMs, connectTimeoutMs: o.connectTimeoutMs, appName: `syncpoint-${mode}` };

  // 1. topology
  const topo = await resolveTopology({ primary: o.primary, replicas: o.replicas, connect, log });
  const result: CheckResult = {
    schemaVersion: 1,
    command: mode,
    verdict: 'consistent',
    primary: topo.primary.label,
    replicas: topo.replicas.map((r) => r.label),
    tables: [],
    durationMs: 0,
    notes: [...topo.notes],
    sync: { method: '', epochs: 0, maxLockMs: 0, maxReplicaPauseMs: 0, lanes: o.concurrency },
  };
  let sync: SyncManager | null = null;
  let fatal: unknown = null;
  const entries = new Map<string, TableResult>();
  const key = (table: string, replica: string) => `${table}\u0000${replica}`;
  try {
    // 2. schema
    const scope = o.filter.databases?.every((d) => !/[*?]/.test(d)) ? { schemas: o.filter.databases } : {};
    const primaryTables = await topo.primary.engine.introspector.loadSchema(topo.primary.control, scope);
    const replicaTables = new Map<string, TableInfo[]>();
    for (const r of topo.replicas) {
      if (r.error || !r.engine || !r.control) continue;
      try {
        replicaTables.set(r.label, await r.engine.introspector.loadSchema(r.control, scope));
      } catch (err) {
        markReplicaUnusable(topo, r.label, messageOf(err));
      }
    }
    const plan = planTables(primaryTables, replicaTables, o.filter, topo.primary.label);
    for (const t of plan.tables) {
      for (const r of topo.replicas) {
        const e: TableResult = { table: t.table.qualified, replica: r.label, status: 'ok', primaryRows: 0, replicaRows: 0, chunks: 0, driftChunks: 0, durationMs: 0 };
        if (r.error) Object.assign(e, { status: 'error', reason: `replica unusable: ${r.error}` });
        entries.set(key(e.table, e.replica), e);
      }
    }
    for (const d of plan.schemaDrift) {
      entries.set(key(d.table, d.replica), { table: d.table, replica: d.replica, status: 'drift', primaryRows: d.primaryRows, replicaRows: d.replicaRows, chunks: 0, driftChunks: 0, reason: d.reason, durationMs: 0 });
    }
    const work = plan.tables.filter((t) => t.replicas.length > 0);
    log.info({ tables: plan.tables.length, replicas: topo.replicas.length }, `${mode}: ${plan.tables.length} table(s) on ${topo.replicas.filter((r) => !r.error).length} replica(s)`);

    if (work.length > 0) {
      // 3. sync
      sync = new SyncManager(topo.primary, topo.replicas, {
        lanes: o.concurrency,
        ...(o.syncMethod ? { method: o.syncMethod } : {}),
        maxSnapshotAgeMs: o.maxSnapshotAgeMs,
        lockWaitMs: o.lockWaitMs,
        maxLockMs: o.maxLockMs,
        syncTimeoutMs: o.syncTimeoutMs,
        maxLagSeconds: o.maxLagSeconds,
        lagWaitMs: o.lagWaitMs,
        tables: work.map((t) => t.table),
        log,
        ...(o.signal ? { signal: o.signal } : {}),
      });
      result.sync.method = sync.method;
      const replicaEngines = new Map(topo.replicas.filter((r) => r.engine).map((r) => [r.label, r.engine!] as const));
      const ctx: RunContext = { o, mode, sync, primary: topo.primary.engine, replicaEngines, entry: (t, r) => entries.get(key(t, r))!, suspects: [] };

      // 4. checksum (or count) every table
      const limit = pLimit(o.concurrency);
      const rowsEstimated = work.reduce((n, t) => n + Math.max(0, t.table.rowEstimate), 0);
      let tablesDone = 0;
      let rowsDone = 0;
      await Promise.all(
        work.map((t) =>
          limit(async () => {
            if (fatal) return;
            try {
              rowsDone += await checkTable(ctx, t);
            } catch (err) {
              if (isFatal(err)) fatal ??= err;
              else for (const r of t.replicas) setError(ctx.entry(t.table.qualified, r), messageOf(err));
            }
            tablesDone++;
            o.onProgress?.({ tablesDone, tablesTotal: work.length, rowsDone, rowsEstimated });
          }),
        ),
      );

      // 5. recheck differing chunks at fresh synchronized points
      for (let attempt = 1; attempt <= o.retries && ctx.suspects.length > 0 && !fatal; attempt++) {
        log.info({ chunks: ctx.suspects.length, attempt }, 're-checking differing chunks at a fresh sync point');
        sync.refresh();
        try {
          await Promise.all(ctx.suspects.map((s) => limit(() => recheck(ctx, s))));
        } catch (err) {
          if (isFatal(err)) fatal ??= err;
          else throw err;
        }
        ctx.suspects = ctx.suspects.filter((s) => s.replicas.size > 0);
      }
      for (const s of ctx.suspects) {
        for (const [label, rows] of s.replicas) {
          const e = ctx.entry(s.planned.table.qualified, label);
          e.status = 'drift';
          (e.driftRanges ??= []).length < MAX_REPORTED_RANGES && e.driftRanges.push({ lower: s.range.lower, upper: s.range.upper, ...rows } as DriftChunk);
        }
      }
      // Replicas that left mid-run: whatever they did not finish is an error, not a pass.
      for (const [label, reason] of sync.failedReplicas) {
        result.notes.push(`${label}: ${reason}`);
        for (const e of entries.values()) {
          if (e.replica === label && e.status === 'ok' && !finished.has(e)) setError(e, `replica left the run: ${reason}`);
        }
      }
      for (const e of entries.values()) {
        if (e.status === 'ok' && !finished.has(e)) setError(e, fatal ? `not checked: ${messageOf(fatal)}` : 'not checked');
        if (e.status === 'drift' && !e.reason) e.reason = driftReason(e, mode);
      }
      Object.assign(result.sync, { epochs: sync.stats.epochs, maxLockMs: sync.stats.maxLockMs, maxReplicaPauseMs: sync.stats.maxReplicaPauseMs });
    }
  } catch (err) {
    if (!isFatal(err) && !(err instanceof SyncpointError)) throw err;
    fatal ??= err;
    if (entries.size === 0) {
      await sync?.close().catch(() => undefined);
      await topo.close();
      throw err;
    }
  } finally {
    await sync?.close().catch(() => undefined);
    await topo.close();
  }
  result.tables.push(...[...entries.values()].sort((a, b) => a.table.localeCompare(b.table) || a.replica.localeCompare(b.replica)));
  if (fatal) result.error = messageOf(fatal);
  result.verdict = verdictOf(result.tables, fatal !== null);
  result.durationMs = Date.now() - started;
  return result;
}

/** Entries that reached a final answer (ok after all chunks, drift, skipped, error). */
const finished = new WeakSet<TableResult>();

interface RunContext {
  readonly o: CheckOptions;
  readonly mode: 'check' | 'counts';
  readonly sync: SyncManager;
  readonly primary: Engine;
  readonly replicaEngines: ReadonlyMap<string, Engine>;
  readonly entry: (table: string, replica: string) => TableResult;
  suspects: Suspect[];
}

/**
 * Errors that end the whole run. Replica failures never escape as errors (they become results),
 * so a connection error that does escape concerns the primary, or no replica is left.
 */
function isFatal(err: unknown): boolean {
  return err instanceof SyncpointError && (err.kind === 'interrupted' || err.kind === 'connection');
}

function setError(e: TableResult, reason: string): void {
  e.status = 'error';
  e.reason = reason;
  finished.add(e);
}

function markReplicaUnusable(topo: Topology, label: string, reason: string): void {
  const r = topo.replicas.find((x) => x.label === label);
  if (r) (r as { error: string | null }).error = reason;
}

function driftReason(e: TableResult, mode: 'check' | 'counts'): string {
  if (mode === 'counts') return `row counts differ: ${e.primaryRows} on primary, ${e.replicaRows} on replica`;
  const rows = e.primaryRows !== e.replicaRows ? `row counts differ (${e.primaryRows} vs ${e.replicaRows})` : 'same row count, different content';
  return `${e.driftChunks} of ${e.chunks} chunk(s) differ: ${rows}`;
}

function sameKey(a: KeyValues | null, b: KeyValues | null): boolean {
  const enc = (k: KeyValues | null) => JSON.stringify(k, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  return enc(a) === enc(b);
}

/** Acquire a lane, run `fn`, release; retry on lock-wait timeouts (DDL or locks in the way). */
async function onLane<T>(ctx: RunContext, fn: (lane: Lane) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const lane = await ctx.sync.acquire();
    try {
      return await fn(lane);
    } catch (err) {
      if (err instanceof SyncpointError && err.kind === 'timeout' && attempt < CHUNK_ATTEMPTS) {
        ctx.o.log.debug(`lock wait timeout, retrying (${attempt})`);
        continue;
      }
      throw err;
    } finally {
      ctx.sync.release(lane);
    }
  }
}

/** Check one table on its replicas; returns rows seen on the primary. */
async function checkTable(ctx: RunContext, planned: PlannedTable): Promise<number> {
  const { o } = ctx;
  const t = planned.table;
  const started = Date.now();
  const entries = planned.replicas.map((r) => ctx.entry(t.qualified, r));
  const notes: string[] = [];
  if (!t.transactional) notes.push(`${t.engine ?? 'non-transactional'} table: not snapshot-isolated, concurrent writes can make it differ`);
  const key = ctx.mode === 'check' ? planned.key : null;
  if (ctx.mode === 'check' && !key) {
    if (t.rowEstimate > o.noKeyMaxRows) {
      for (const e of entries) {
        e.status = 'skipped';
        e.reason = `no primary key or unique NOT NULL index and about ${t.rowEstimate} rows (over --nokey-max-rows ${o.noKeyMaxRows}): add a key or raise the limit`;
        finished.add(e);
      }
      return 0;
    }
    notes.push('no primary key or unique NOT NULL index: checked as one chunk');
  }
  const sizer = new ChunkSizer({ targetSeconds: o.chunkTime, initialRows: Math.min(Math.max(t.rowEstimate, 1000), 10_000) });
  let lower: KeyValues | null = null;
  let primaryRowsSeen = 0;
  for (;;) {
    if (o.signal?.aborted) throw new SyncpointError('interrupted', 'interrupted');
    const live = entries.filter((e) => !finished.has(e) && !ctx.sync.failedReplicas.has(e.replica));
    if (live.length === 0) break;
    const outcome = await onLane(ctx, async (lane) => {
      let upper: KeyValues | null = null;
      if (key) {
        const rows = await lane.primary.query(ctx.primary.sql.nextBoundary(t, key.columns, lower, sizer.next() - 1));
        upper = rows.length ? ctx.primary.sql.parseBoundary(rows[0]!, key.columns) : null;
        if (upper && lower && sameKey(upper, lower)) throw new SyncpointError('server', `chunk boundary did not advance past ${JSON.stringify(lower)}`, t.qualified);
      }
      const range: ChunkRange = { lower, upper };
      const probe = ctx.mode === 'counts' ? countProbe(t) : checksumProbe({ table: t, key: key?.columns ?? null, range });
      const res = await runOnLane(lane, ctx.primary, ctx.replicaEngines, live.map((e) => e.replica), probe);
      if (!res.primary.ok) throw res.primary.error;
      return { res, range, upper };
    });
    const { res, range, upper } = outcome;
    const p = (res.primary as Extract<ServerChunk, { ok: true }>).checksum;
    primaryRowsSeen += p.rows;
    let slowest = res.primary.ms;
    let suspect: Suspect | null = null;
    for (const e of live) {
      const r = res.replicas.get(e.replica);
      e.chunks++;
      e.primaryRows += p.rows;
      if (!r) continue; // replica not in this lane: it failed to sync; handled when the run ends
      slowest = Math.max(slowest, r.ms);
      if (!r.ok) {
        if (isConnectionLoss(r.error)) ctx.sync.markReplicaFailed(e.replica, `connection lost: ${messageOf(r.error)}`);
        setError(e, `chunk failed on replica: ${messageOf(r.error)}`);
        continue;
      }
      e.replicaRows += r.checksum.rows;
      if (!sameChecksum(p, r.checksum)) {
        e.driftChunks++;
        suspect ??= { planned, range, replicas: new Map() };
        suspect.replicas.set(e.replica, { primaryRows: p.rows, replicaRows: r.checksum.rows });
      }
    }
    if (suspect) ctx.suspects.push(suspect);
    sizer.observe(p.rows, slowest / 1000);
    if (!upper) break;
    lower = upper;
  }
  for (const e of entries) {
    if (!finished.has(e) && !ctx.sync.failedReplicas.has(e.replica)) {
      e.durationMs = Date.now() - started;
      if (notes.length && !e.reason) e.reason = notes.join('; ');
      finished.add(e);
    }
  }
  return primaryRowsSeen;
}

function isConnectionLoss(err: unknown): boolean {
  return err instanceof SyncpointError && err.kind === 'connection';
}

/** Run a suspect chunk again at the current (fresh) sync point; drop replicas where it now matches. */
async function recheck(ctx: RunContext, s: Suspect): Promise<void> {
  const t = s.planned.table;
  const labels = [...s.replicas.keys()].filter((l) => !ctx.sync.failedReplicas.has(l));
  if (labels.length === 0) return;
  const target: ChunkTarget = { table: t, key: ctx.mode === 'check' ? (s.planned.key?.columns ?? null) : null, range: s.range };
  const res = await onLane(ctx, async (lane) => {
    const r = await runOnLane(lane, ctx.primary, ctx.replicaEngines, labels, ctx.mode === 'counts' ? countProbe(t) : checksumProbe(target));
    if (!r.primary.ok) throw r.primary.error;
    return r;
  });
  const p = (res.primary as Extract<ServerChunk, { ok: true }>).checksum;
  for (const label of labels) {
    const r = res.replicas.get(label);
    const e = ctx.entry(t.qualified, label);
    if (!r || !r.ok) continue; // keep the suspicion: not disproved
    const prev = s.replicas.get(label)!;
    e.primaryRows += p.rows - prev.primaryRows;
    e.replicaRows += r.checksum.rows - prev.replicaRows;
    if (sameChecksum(p, r.checksum)) {
      ctx.o.log.warn({ table: t.qualified, replica: label }, 'a chunk differed, then matched at a fresh sync point: not reported as drift');
      e.driftChunks--;
      s.replicas.delete(label);
    } else {
      s.replicas.set(label, { primaryRows: p.rows, replicaRows: r.checksum.rows });
    }
  }
}

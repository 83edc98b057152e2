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
import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from 'pino';
import type { ConnectionSpec } from '../config/dsn.js';
import type { SyncMethod } from '../engine/capabilities.js';
import { sharedMaxRowBytes, type ConnectOptions, type Engine } from '../engine/engine.js';
import type { ChunkRange, KeyValues, Row, RowHash, Sql, TableInfo } from '../engine/types.js';
import { endsTheRun, messageOf, SyncpointError } from '../errors.js';
import type { ChunkDone, ChunkReplicaOutcome, CheckpointHooks, TableResume } from './checkpoint/checkpoint.js';
import { RangeSource, type NextRange } from './checksum/range-source.js';
import { SessionPool } from './checksum/session-pool.js';
import { lockedChunk } from './checksum/locked-chunk.js';
import { checksumProbe, countProbe, runOnLane, sameChecksum, spoilsLane, type ChunkOutcome, type ChunkTarget, type Probe, type ServerChunk } from './checksum/run-chunk.js';
import { ChunkSizer, firstChunkRows } from './plan/chunk-sizer.js';
import { loadSchemas } from './plan/load-schemas.js';
import { planTables, type PlannedTable } from './plan/plan-tables.js';
import type { TableFilter } from './plan/table-filter.js';
import { verdictOf, type CheckResult, type DriftChunk, type TableResult } from './report/check-result.js';
import { SyncManager, syncOptionsFor } from './sync/sync-manager.js';
import { restoreOrphanedHolds } from './sync/restore-held.js';
import { retryableTableChange, tableChangedReason } from './checksum/table-changed.js';
import type { Lane } from './sync/lane.js';
import { resolveTopology, type Topology } from './topology/topology.js';
import { byTableThenReplica } from '../text-order.js';

export interface CheckOptions {
  readonly primary: ConnectionSpec;
  readonly replicas: readonly ConnectionSpec[];
  readonly filter: TableFilter;
  /** Target seconds per chunk. */
  readonly chunkTime: number;
  /** The per-row hash of chunk checksums (check, diff). */
  readonly hash: RowHash;
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
  /** History and --resume: chunk checkpoints out, carried progress in (src/pipeline/checkpoint). */
  readonly checkpoint?: CheckpointHooks;
  /** Discovery: where to reach servers the primary reports without a usable address (--address). */
  readonly addresses?: ReadonlyMap<string, { readonly host: string; readonly port: number }>;
  /**
   * A filter that selects no table here is not an error (a fleet-wide filter some clusters have
   * no table for): the run says so in a note. Otherwise it is a configuration error.
   */
  readonly filterMaySelectNothing?: boolean;
}

export interface Progress {
  readonly tablesDone: number;
  readonly tablesTotal: number;
  readonly rowsDone: number;
  readonly rowsEstimated: number;
}

export const checkDefaults = {
  chunkTime: 0.5,
  hash: 'fast' as RowHash,
  // 4 lanes: PostgreSQL 2M rows ~20% faster than 2 (MariaDB the same), 2 cores, primary + 2 replicas.
  concurrency: 4,
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
  /** Replicas whose difference was seen again at a later sync point. */
  confirmed?: Set<string>;
  /** Why a replica's re-check could not run (the last reason). */
  notRechecked?: Map<string, string>;
}

const MAX_REPORTED_RANGES = 100;
const CHUNK_ATTEMPTS = 3;

export async function runCheck(mode: 'check' | 'counts', o: CheckOptions): Promise<CheckResult> {
  const started = Date.now();
  const log = o.log;
  const connect: ConnectOptions = { lockWaitMs: o.lockWaitMs, connectTimeoutMs: o.connectTimeoutMs, appName: `syncpoint-${mode}` };

  // 1. topology
  const topo = await resolveTopology({ primary: o.primary, replicas: o.replicas, connect, log, ...(o.addresses ? { addresses: o.addresses } : {}) });
  const result: CheckResult = {
    schemaVersion: 1,
    command: mode,
    verdict: 'consistent',
    primary: topo.primary.label,
    replicas: topo.replicas.map((r) => r.label),
    tables: [],
    durationMs: 0,
    notes: [...topo.notes],
    ...(mode === 'check' ? { hash: o.hash } : {}),
    sync: { method: '', epochs: 0, maxLockMs: 0, maxReplicaPauseMs: 0, lanes: o.concurrency },
    replicaLagSeconds: Object.fromEntries(topo.replicas.map((r) => [r.label, r.status?.lagSeconds ?? null])),
  };
  let sync: SyncManager | null = null;
  let fatal: unknown = null;
  const entries = new Map<string, TableResult>();
  const key = (table: string, replica: string) => `${table}\u0000${replica}`;
  try {
    // 1b. replicas a killed earlier run left stopped (hold markers) run again before anything else
    result.notes.push(...await restoreOrphanedHolds(topo.replicas, log));
    // 2. schema; meanwhile each server opens the sessions of the lanes (handshake and setup are
    //    round trips of their own, in parallel with the schema's rather than after them)
    topo.primary.engine.prewarm(o.concurrency);
    for (const r of topo.replicas) if (!r.error && r.engine) r.engine.prewarm(o.concurrency);
    const { primaryTables, replicaTables } = await loadSchemas(topo, o.filter, (label, reason) => markReplicaUnusable(topo, label, reason));
    const plan = planTables(primaryTables, replicaTables, o.filter, topo.primary.label, { keyCollationMatters: !topo.primary.engine.caps.boundsInPrimaryCollation, columnOrderMatters: topo.primary.engine.family === 'mysql-family', mayBeEmpty: o.filterMaySelectNothing ?? false });
    result.notes.push(...plan.notes);
    if (plan.tables.length === 0 && plan.notes.length === 0) result.notes.push('the table filter selects no table on this primary: nothing was checked');
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
      sync = new SyncManager(topo.primary, topo.replicas, syncOptionsFor(o, work.map((t) => t.table), log));
      result.sync.method = sync.method;
      const replicaEngines = new Map(topo.replicas.filter((r) => r.engine).map((r) => [r.label, r.engine!] as const));
      const ctx: RunContext = { o, mode, sync, primary: topo.primary.engine, replicaEngines, maxRowBytes: sharedMaxRowBytes([topo.primary.engine, ...replicaEngines.values()]), entry: (t, r) => entries.get(key(t, r))!, suspects: [], turns: new Map() };

      // 4. checksum (or count) every table: `concurrency` workers, each on one lane at a time,
      //    open tables biggest first and, when none is left to open, help the biggest still running
      const boundaries = new SessionPool(() => topo.primary.engine.session(), o.concurrency);
      const rowsEstimated = work.reduce((n, t) => n + Math.max(0, t.table.rowEstimate), 0);
      let tablesDone = 0;
      let rowsDone = 0;
      const runs = [...work].sort((a, b) => b.table.rowEstimate - a.table.rowEstimate).map((t) => new TableCheck(ctx, t, boundaries));
      let opened = 0;
      const pick = (): TableCheck | null => {
        if (opened < runs.length) return runs[opened++]!;
        let best: TableCheck | null = null;
        for (const r of runs.slice(0, opened)) if (!r.exhausted && (!best || r.rowsLeftPerWorker() > best.rowsLeftPerWorker())) best = r;
        return best;
      };
      const worker = async (): Promise<void> => {
        for (let t = pick(); t && !fatal; t = pick()) {
          try {
            await t.work();
          } catch (err) {
            if (endsTheRun(err)) fatal ??= err;
            else t.fail(messageOf(err));
          } finally {
            if (t.leave()) {
              rowsDone += t.primaryRowsSeen;
              tablesDone++;
              o.onProgress?.({ tablesDone, tablesTotal: work.length, rowsDone, rowsEstimated });
            }
          }
        }
      };
      try {
        await Promise.all(Array.from({ length: Math.min(o.concurrency, Math.max(1, runs.length)) }, worker));
      } finally {
        await boundaries.close();
      }
      const limit = pLimit(o.concurrency);

      // 5. recheck differing chunks at fresh synchronized points
      for (let attempt = 1; attempt <= o.retries && ctx.suspects.length > 0 && !fatal; attempt++) {
        log.info({ chunks: ctx.suspects.length, attempt }, 're-checking differing chunks at a fresh sync point');
        sync.refresh();
        try {
          await Promise.all(ctx.suspects.map((s) => limit(() => recheck(ctx, s))));
        } catch (err) {
          if (endsTheRun(err)) fatal ??= err;
          else throw err;
        }
        ctx.suspects = ctx.suspects.filter((s) => s.replicas.size > 0);
      }
      // A stop asked for with a reason (--max-runtime) is reported with that reason.
      if (fatal && o.signal?.aborted && o.signal.reason instanceof SyncpointError) fatal = o.signal.reason;
      // A difference seen at one sync point only is still reported (it was seen where both sides
      // held the same transactions), but says so when --retries asked for a second look it never got.
      const unconfirmed = new Map<TableResult, string[]>();
      // Drift found, then the rest of the table skipped (a later chunk locked or changed): both are
      // reported, drift first (DESIGN: drift and something incomplete is drift, and says both).
      const partly = new Map<TableResult, string>();
      for (const s of ctx.suspects) {
        for (const [label, rows] of s.replicas) {
          const e = ctx.entry(s.planned.table.qualified, label);
          if (e.status === 'skipped' || e.status === 'error') {
            partly.set(e, `${e.status === 'skipped' ? 'the rest was skipped' : 'the rest failed'}: ${e.reason ?? ''}`);
            delete (e as { reason?: string }).reason;
          }
          e.status = 'drift';
          (e.driftRanges ??= []).length < MAX_REPORTED_RANGES && e.driftRanges.push({ lower: s.range.lower, upper: s.range.upper, ...rows } as DriftChunk);
          if (o.retries > 0 && !s.confirmed?.has(label)) {
            const why = s.notRechecked?.get(label) ?? (fatal ? `the run stopped: ${messageOf(fatal)}` : sync.failedReplicas.has(label) ? `replica left the run: ${sync.failedReplicas.get(label)}` : 'no re-check ran');
            unconfirmed.set(e, [...(unconfirmed.get(e) ?? []), why]);
          }
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
        // Never "ok" with a differing chunk counted: whatever path lost its suspicion, it is drift.
        if (e.status === 'ok' && e.driftChunks > 0) e.status = 'drift';
        if (e.status === 'drift' && !e.reason) e.reason = driftReason(e, mode);
        const whys = unconfirmed.get(e);
        if (e.status === 'drift' && whys) {
          e.reason += `; ${whys.length} of the differing chunk(s) seen at one sync point only, not re-checked (${[...new Set(whys)].join('; ')})`;
        }
        const rest = partly.get(e);
        if (rest) e.reason += `; ${rest}`;
      }
      Object.assign(result.sync, { epochs: sync.stats.epochs, maxLockMs: sync.stats.maxLockMs, maxReplicaPauseMs: sync.stats.maxReplicaPauseMs });
      await sampleLag(topo, result);
    }
  } catch (err) {
    if (!endsTheRun(err) && !(err instanceof SyncpointError)) throw err;
    fatal ??= err;
    // A usage or configuration mistake (e.g. a sync method the engine lacks) is the user's to fix:
    // exit 2 with its message, never an "incomplete" report of tables nobody looked at.
    const usersMistake = err instanceof SyncpointError && (err.kind === 'usage' || err.kind === 'config');
    if (entries.size === 0 || usersMistake) {
      await sync?.close().catch(() => undefined);
      await topo.close();
      throw err;
    }
  } finally {
    await sync?.close().catch(() => undefined);
    await topo.close();
  }
  if (fatal && o.signal?.aborted && o.signal.reason instanceof SyncpointError) fatal = o.signal.reason;
  result.tables.push(...[...entries.values()].sort(byTableThenReplica));
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
  /** Every server builds the same row string: the smallest limit among them (sharedMaxRowBytes). */
  readonly maxRowBytes: number;
  readonly entry: (table: string, replica: string) => TableResult;
  suspects: Suspect[];
  /** Locked re-checks, one at a time per table (see lockedRecheck). */
  readonly turns: Map<string, LimitFunction>;
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


/** A chunk or re-check whose table was given up on (dropTable) before it got a lane. */
class GivenUp extends Error {}

/** A chunk that cannot run in this lane; retried at a fresh sync point, given up after CHUNK_ATTEMPTS. */
class ChunkRetry extends Error {
  constructor(readonly why: 'blocked' | 'lost' | 'changed', message: string) {
    super(message);
  }
}

/**
 * Acquire a lane, run `fn`, release. Retried at a fresh sync point (our snapshots released, lost
 * sessions reconnected): lock-wait timeouts (a DDL or a lock in the way: it gets through while we
 * let go), a lost session, a table this sync point could not lock, a definition changed under
 * the snapshot. A table given up on (dropTable) while this waited for its lane throws GivenUp:
 * later sync points leave it out (primary-lock), so neither a difference nor a match there counts.
 */
async function onLane<T>(ctx: RunContext, table: string, fn: (lane: Lane, attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const lane = await ctx.sync.acquire(table);
    try {
      if (ctx.sync.isDropped(table)) throw new GivenUp();
      return await fn(lane, attempt);
    } catch (err) {
      const retry = (err instanceof ChunkRetry && err.why !== 'changed') || retryableTableChange(err) ||
        (err instanceof SyncpointError && (err.kind === 'timeout' || (err.kind === 'connection' && !ctx.o.signal?.aborted)));
      if (retry && attempt < CHUNK_ATTEMPTS) {
        ctx.o.log.warn(`chunk not run (${messageOf(err)}): retrying at a fresh sync point (attempt ${attempt + 1} of ${CHUNK_ATTEMPTS})`);
        ctx.sync.refresh();
        continue;
      }
      throw err;
    } finally {
      ctx.sync.release(lane);
    }
  }
}

/** Final answer for entries not finished yet (a table blocked or changed under the check). */
function finishAs(ctx: RunContext, entries: readonly TableResult[], status: 'skipped' | 'error', reason: string): void {
  for (const e of entries) {
    if (finished.has(e)) continue;
    e.status = status;
    e.reason = reason;
    finished.add(e);
  }
}

/**
 * One table on its replicas: ranges from a RangeSource, each checksummed on a lane; several
 * workers may run chunks of the same table at once. Chunk records reach the checkpoint in key
 * order (a chunk that finishes early waits for the ones before it).
 */
class TableCheck {
  primaryRowsSeen = 0;
  private readonly t: TableInfo;
  private readonly entries: TableResult[];
  private readonly notes: string[] = [];
  private readonly key: PlannedTable['key'];
  private readonly keyNames: string[] | null;
  private readonly sizer: ChunkSizer;
  private readonly started = Date.now();
  private source: RangeSource | null = null;
  private workers = 0;
  /** A range was handed out whose chunk ended in an error: the table is not complete, whatever the source says. */
  private abandoned = false;
  /** Entries are final and the checkpoint has the table (at the end, or at once when skipped or resumed done). */
  private closed = false;
  private counted = false;
  private nextRecord = 0;
  private readonly early = new Map<number, ChunkDone>();

  constructor(private readonly ctx: RunContext, private readonly planned: PlannedTable, private readonly boundaries: SessionPool) {
    this.t = planned.table;
    this.entries = planned.replicas.map((r) => ctx.entry(this.t.qualified, r));
    this.key = ctx.mode === 'check' ? planned.key : null;
    this.keyNames = this.key ? this.key.columns.map((c) => c.name) : null;
    this.sizer = new ChunkSizer({ targetSeconds: ctx.o.chunkTime, initialRows: firstChunkRows(this.t, ctx.o.chunkTime) });
  }

  /** No more ranges to hand out (more workers would find nothing to do). */
  get exhausted(): boolean {
    return this.source !== null && this.source.done;
  }

  /** For choosing which table a free worker helps: rows left (estimated) per worker on it. */
  rowsLeftPerWorker(): number {
    return Math.max(0, this.t.rowEstimate - this.primaryRowsSeen) / (this.workers + 1);
  }

  /** Run chunks until none is left. */
  async work(): Promise<void> {
    this.workers++;
    const source = this.source ?? this.open();
    if (!source) return;
    for (;;) {
      const { o } = this.ctx;
      if (o.signal?.aborted) throw o.signal.reason instanceof SyncpointError ? o.signal.reason : new SyncpointError('interrupted', 'interrupted');
      const live = this.entries.filter((e) => !finished.has(e) && !this.ctx.sync.failedReplicas.has(e.replica));
      if (live.length === 0) return source.stop();
      let next;
      try {
        next = await source.next();
      } catch (err) {
        if (this.skipIfChanged(err)) return;
        throw err;
      }
      if (!next) return;
      try {
        if (!(await this.chunk(next, live))) return;
      } catch (err) {
        this.abandoned = true;
        throw err;
      }
    }
  }

  /** The table failed outright (an error that does not end the run): every replica gets it. */
  fail(reason: string): void {
    this.source?.stop();
    for (const r of this.planned.replicas) setError(this.ctx.entry(this.t.qualified, r), reason);
  }

  /** A worker is done with this table; true for the last one out once no range is left (the table is finished). */
  leave(): boolean {
    this.workers--;
    if (this.workers > 0 || this.counted || (this.source && !this.source.done)) return false;
    this.counted = true;
    this.ctx.sync.deactivate(this.t.qualified);
    if (this.closed) return true;
    this.closed = true;
    // A range was taken and never checked (its chunk ended in an error, the run's or the
    // table's): the entries not final yet were not fully compared, and the run's end says so
    // ("not checked"); the checkpoint gets no final record, so a resumed run checks the table again.
    if (this.abandoned) return true;
    for (const e of this.entries) {
      if (!finished.has(e) && !this.ctx.sync.failedReplicas.has(e.replica)) {
        e.durationMs += Date.now() - this.started;
        if (this.notes.length && !e.reason) e.reason = this.notes.join('; ');
        finished.add(e);
      }
    }
    this.ctx.o.checkpoint?.tableDone(this.t.qualified, this.keyNames, this.entries.filter((e) => finished.has(e)));
    return true;
  }

  /** The first worker: notes, key-less limits, resume; the range source (null: nothing to do). */
  private open(): RangeSource | null {
    const { o } = this.ctx;
    const t = this.t;
    if (!t.transactional) {
      const recheck = this.ctx.primary.replication.lockForRead && o.retries > 0 ? ': a differing chunk is re-checked with the table locked on the primary' : ', concurrent writes can make it differ';
      this.notes.push(`${t.engine ?? 'non-transactional'} table: not snapshot-isolated${recheck}`);
    }
    if (t.systemVersioned) this.notes.push('system-versioned: current rows compared, without their ROW START/END values; history rows are not');
    let lower: KeyValues | null = null;
    let seq = 0;
    if (this.ctx.mode === 'check' && !this.key) {
      if (t.rowEstimate > o.noKeyMaxRows) {
        for (const e of this.entries) {
          e.status = 'skipped';
          e.reason = `no primary key or unique NOT NULL index and about ${t.rowEstimate} rows (over --nokey-max-rows ${o.noKeyMaxRows}): add a key or raise the limit`;
          finished.add(e);
        }
        o.checkpoint?.tableDone(t.qualified, null, this.entries);
        this.closed = true;
        this.source = RangeSource.none(t.qualified);
        return null;
      }
      this.notes.push('no primary key or unique NOT NULL index: checked as one chunk');
    }
    const resumed = o.checkpoint?.resumeTable(t.qualified, this.keyNames, this.planned.replicas) ?? null;
    if (resumed) {
      ({ lower, nextSeq: seq } = resumed);
      applyResume(this.ctx, this.planned, this.entries, resumed);
      if (resumed.done) {
        this.closed = true;
        this.source = RangeSource.none(t.qualified);
        return null;
      }
    }
    this.nextRecord = seq;
    const key = this.key;
    const sql = this.ctx.primary.sql;
    this.source = new RangeSource({
      keyed: key !== null,
      lower,
      seq,
      size: () => this.sizer.next(),
      boundary: async (after, offset) => {
        const rows = await this.readPrimary(sql.nextBoundary(t, key!.columns, after, offset), 'chunk boundary');
        return rows.length ? sql.parseBoundary(rows[0]!, key!.columns) : null;
      },
      extent: async () => {
        const q = key ? sql.keyExtent(t, key.columns) : null;
        const rows = q ? await this.readPrimary(q, 'key extent') : [];
        return rows[0] ? sql.parseExtent(rows[0]) : null;
      },
      rowEstimate: t.rowEstimate,
      table: t.qualified,
    });
    return this.source;
  }

  /**
   * A range read on the primary (boundary, key extent), outside any snapshot. A lock wait (a DDL
   * in the way) gives up after --lock-wait-timeout: it is let through, then asked again.
   */
  private async readPrimary(q: Sql, what: string): Promise<Row[]> {
    const { o } = this.ctx;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.boundaries.use((s) => s.query(q));
      } catch (err) {
        if (!(err instanceof SyncpointError && err.kind === 'timeout') || attempt >= CHUNK_ATTEMPTS || o.signal?.aborted) throw err;
        o.log.warn({ table: this.t.qualified }, `${what} not read (${messageOf(err)}): retrying (attempt ${attempt + 1} of ${CHUNK_ATTEMPTS})`);
      }
    }
  }

  /** A table changed or gone under the check is skipped, never drift; true when that is what `err` says. */
  private skipIfChanged(err: unknown): boolean {
    const changed = err instanceof ChunkRetry && err.why === 'changed' ? err.message : tableChangedReason(err);
    if (!changed) return false;
    this.ctx.sync.dropTable(this.t.qualified);
    this.source?.stop();
    finishAs(this.ctx, this.entries, 'skipped', `table changed during check: ${changed}${err instanceof ChunkRetry ? '' : ` (${messageOf(err)})`}; re-run to check it`);
    return true;
  }

  /** One chunk on a lane; false when the table is finished early (skipped). */
  private async chunk({ seq, range }: NextRange, live: TableResult[]): Promise<boolean> {
    const { ctx, t } = this;
    const { o } = ctx;
    let res;
    try {
      res = await onLane(ctx, t.qualified, async (lane, attempt) => {
        const blocked = lane.blocked.get(t.qualified);
        if (blocked?.kind === 'changed') throw new ChunkRetry('changed', blocked.reason);
        if (blocked) throw new ChunkRetry('blocked', `the sync lock on ${t.qualified}: ${blocked.reason}`);
        const probe = ctx.mode === 'counts' ? countProbe(t) : checksumProbe({ table: t, key: this.key?.columns ?? null, range, hash: o.hash, maxRowBytes: ctx.maxRowBytes });
        const r = await runOnLane(lane, ctx.primary, ctx.replicaEngines, live.map((e) => e.replica), probe);
        spoilOnError(ctx, r);
        if (!r.primary.ok) throw r.primary.error;
        const lost = [...r.replicas].find(([, x]) => !x.ok && isConnectionLoss(x.error));
        if (lost && attempt < CHUNK_ATTEMPTS) throw new ChunkRetry('lost', `${lost[0]}: ${messageOf((lost[1] as { error: unknown }).error)}`);
        const changed = [...r.replicas].find(([, x]) => !x.ok && retryableTableChange(x.error));
        if (changed && attempt < CHUNK_ATTEMPTS) throw (changed[1] as { error: unknown }).error;
        return r;
      });
    } catch (err) {
      if (err instanceof GivenUp) return false;
      if (err instanceof ChunkRetry && err.why === 'blocked') {
        // An application transaction keeps a conflicting lock: waiting longer would queue its
        // other writers behind us, so the table is skipped, and no longer locked for sync points.
        ctx.sync.dropTable(t.qualified);
        this.source?.stop();
        finishAs(ctx, this.entries, 'skipped', `rows locked by another transaction on the primary: ${err.message} (${CHUNK_ATTEMPTS} sync points); re-run when it has committed`);
        return false;
      }
      if (this.skipIfChanged(err)) return false;
      throw err;
    }
    const p = (res.primary as Extract<ServerChunk, { ok: true }>).checksum;
    this.primaryRowsSeen += p.rows;
    let slowest = res.primary.ms;
    let suspect: Suspect | null = null;
    const outcomes: Record<string, ChunkReplicaOutcome> = {};
    for (const e of live) {
      const r = res.replicas.get(e.replica);
      // Skipped or failed by a concurrent chunk of this table while this one ran: a difference
      // seen here still counts (reported as drift, the rest skipped or failed), nothing else does.
      if (finished.has(e) && !(r?.ok && !sameChecksum(p, r.checksum))) continue;
      e.chunks++;
      e.primaryRows += p.rows;
      outcomes[e.replica] = !r ? { absent: true } : r.ok ? { rows: r.checksum.rows, same: sameChecksum(p, r.checksum) } : { error: messageOf(r.error) };
      if (!r) continue; // replica not in this lane: it failed to sync; handled when the run ends
      slowest = Math.max(slowest, r.ms);
      if (!r.ok) {
        if (isConnectionLoss(r.error)) ctx.sync.markReplicaFailed(e.replica, `connection lost: ${messageOf(r.error)}`);
        const changed = tableChangedReason(r.error);
        if (changed) finishAs(ctx, [e], 'skipped', `table changed during check on the replica: ${changed} (${messageOf(r.error)}); re-run to check it`);
        else setError(e, `chunk failed on replica: ${messageOf(r.error)}`);
        continue;
      }
      e.replicaRows += r.checksum.rows;
      if (!sameChecksum(p, r.checksum)) {
        e.driftChunks++;
        suspect ??= { planned: this.planned, range, replicas: new Map() };
        suspect.replicas.set(e.replica, { primaryRows: p.rows, replicaRows: r.checksum.rows });
      }
    }
    if (suspect) ctx.suspects.push(suspect);
    this.record({ table: t.qualified, key: this.keyNames, seq, range, primaryRows: p.rows, ms: Math.round(slowest), replicas: outcomes });
    this.sizer.observe(p.rows, slowest / 1000);
    this.source?.observe(range, p.rows);
    return true;
  }

  /** Hand chunk records to the checkpoint in key order. */
  private record(c: ChunkDone): void {
    const cp = this.ctx.o.checkpoint;
    if (!cp) return;
    this.early.set(c.seq, c);
    for (let r = this.early.get(this.nextRecord); r; r = this.early.get(this.nextRecord)) {
      this.early.delete(this.nextRecord++);
      cp.chunkDone(r);
    }
  }
}

/** Carry what an interrupted run found for this table: its counts, final entries, chunks to re-check. */
function applyResume(ctx: RunContext, planned: PlannedTable, entries: TableResult[], r: TableResume): void {
  for (const e of entries) {
    const c = r.entries.get(e.replica);
    if (!c) continue;
    Object.assign(e, { primaryRows: c.primaryRows, replicaRows: c.replicaRows, chunks: c.chunks, driftChunks: c.driftChunks, durationMs: c.durationMs });
    if (c.reason !== undefined) e.reason = c.reason;
    e.status = c.status;
    if (c.status !== 'ok' || r.done) finished.add(e);
  }
  for (const s of r.suspects) ctx.suspects.push({ planned, range: s.range, replicas: new Map(s.replicas) });
}

/** The lag a metrics reader wants is the worst seen: the start's reading, and one more at the end. */
async function sampleLag(topo: Topology, result: CheckResult): Promise<void> {
  const lag = result.replicaLagSeconds!;
  for (const r of topo.replicas) {
    if (r.error || !r.engine || !r.control) continue;
    try {
      const st = await r.engine.replication.replicaStatus(r.control);
      if (st?.lagSeconds != null) lag[r.label] = Math.max(lag[r.label] ?? 0, st.lagSeconds);
    } catch {
      // a replica that left the run is already reported; its lag stays as first seen
    }
  }
}

/** Any failed chunk ends this sync point's lanes (see spoilsLane); the next chunk waits for a fresh one. */
function spoilOnError(ctx: RunContext, r: ChunkOutcome): void {
  if (spoilsLane(r)) ctx.sync.refresh();
}

/**
 * Snapshots do not hold a non-transactional table still: a re-check reads it on both sides under
 * the primary's table lock. One at a time per table: a second lock request would queue behind the
 * writers the first one keeps waiting, and give up.
 */
function lockedRecheck(ctx: RunContext, t: TableInfo, labels: readonly string[], probe: Probe): Promise<ChunkOutcome> {
  let turn = ctx.turns.get(t.qualified);
  if (!turn) ctx.turns.set(t.qualified, (turn = pLimit(1)));
  return turn(() => lockedChunk({ primary: ctx.primary, replicas: labels.map((label) => ({ label, engine: ctx.replicaEngines.get(label)! })), table: t, probe, lockWaitMs: ctx.o.lockWaitMs, maxLockMs: ctx.o.maxLockMs }));
}

function isConnectionLoss(err: unknown): boolean {
  return err instanceof SyncpointError && err.kind === 'connection';
}

/** Run a suspect chunk again at the current (fresh) sync point; drop replicas where it now matches. */
async function recheck(ctx: RunContext, s: Suspect): Promise<void> {
  const t = s.planned.table;
  const notRechecked = (label: string, why: string) => (s.notRechecked ??= new Map()).set(label, why);
  for (const l of s.replicas.keys()) if (ctx.sync.failedReplicas.has(l)) notRechecked(l, `replica left the run: ${ctx.sync.failedReplicas.get(l)}`);
  const labels = [...s.replicas.keys()].filter((l) => !ctx.sync.failedReplicas.has(l));
  if (labels.length === 0) return;
  const givenUp = () => {
    // Given up on (changed, or locked past every bounded wait) by another chunk: the difference
    // was seen at a synchronized point and is not disproved; it stays reported, saying why.
    for (const l of labels) notRechecked(l, 'the table was given up on before the re-check (changed, or locked past every bounded wait)');
  };
  if (ctx.sync.isDropped(t.qualified)) return givenUp();
  const target: ChunkTarget = { table: t, key: ctx.mode === 'check' ? (s.planned.key?.columns ?? null) : null, range: s.range, hash: ctx.o.hash, maxRowBytes: ctx.maxRowBytes };
  const probe = ctx.mode === 'counts' ? countProbe(t) : checksumProbe(target);
  let res;
  try {
    if (!t.transactional && ctx.primary.replication.lockForRead) {
      res = await lockedRecheck(ctx, t, labels, probe);
      if (!res.primary.ok) throw res.primary.error;
    } else {
      res = await onLane(ctx, t.qualified, async (lane) => {
        const blocked = lane.blocked.get(t.qualified);
        if (blocked) throw new ChunkRetry(blocked.kind === 'changed' ? 'changed' : 'blocked', blocked.reason);
        const r = await runOnLane(lane, ctx.primary, ctx.replicaEngines, labels, probe);
        spoilOnError(ctx, r);
        if (!r.primary.ok) throw r.primary.error;
        return r;
      });
    }
  } catch (err) {
    if (endsTheRun(err)) throw err;
    if (err instanceof GivenUp) return givenUp();
    const changed = err instanceof ChunkRetry && err.why === 'changed' ? err.message : tableChangedReason(err);
    if (changed) {
      // The table changed (renamed, dropped, altered) before the re-check: the difference was seen
      // at a synchronized point and is not disproved; it stays reported, saying so. Never "ok":
      // the first pass already counted these entries finished.
      ctx.sync.dropTable(t.qualified);
      for (const l of labels) notRechecked(l, `the table changed before the re-check: ${changed}`);
      return;
    }
    // Not disproved: the difference was seen at a synchronized point and stays reported.
    ctx.o.log.warn({ table: t.qualified }, `could not re-check a differing chunk: ${messageOf(err)}`);
    for (const l of labels) notRechecked(l, `re-check failed: ${messageOf(err)}`);
    return;
  }
  const p = (res.primary as Extract<ServerChunk, { ok: true }>).checksum;
  for (const label of labels) {
    const r = res.replicas.get(label);
    const e = ctx.entry(t.qualified, label);
    if (!r || !r.ok) {
      // keep the suspicion: not disproved
      notRechecked(label, !r ? 'replica not synchronized for the re-check' : `re-check failed: ${messageOf(r.error)}`);
      continue;
    }
    const prev = s.replicas.get(label)!;
    e.primaryRows += p.rows - prev.primaryRows;
    e.replicaRows += r.checksum.rows - prev.replicaRows;
    if (sameChecksum(p, r.checksum)) {
      ctx.o.log.warn({ table: t.qualified, replica: label }, 'a chunk differed, then matched at a fresh sync point: not reported as drift');
      e.driftChunks--;
      s.replicas.delete(label);
    } else {
      s.replicas.set(label, { primaryRows: p.rows, replicaRows: r.checksum.rows });
      (s.confirmed ??= new Set()).add(label);
    }
  }
}

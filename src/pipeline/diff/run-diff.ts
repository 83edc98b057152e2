/**
 * diff, as a numbered list:
 *   1. topology and schema, as check does (a missing table or different columns is a problem
 *      with status drift: rows cannot express it)
 *   2. suspects: the drifting chunks of a previous check (--from-check), or a checksum pass over
 *      every chunk at synchronized positions
 *   3. for each suspect chunk, at a fresh synchronized point and inside one lane (so primary and
 *      replica read the same replication position throughout): checksum again; if it still
 *      differs, bisect the key range by checksums, then merge-compare the rows of each small
 *      range; key-less tables: multiset compare of row-content hashes
 *   4. result: rows (capped by --max-rows), totals (always complete), problems, verdict
 */
import pLimit from 'p-limit';
import { sharedMaxRowBytes, type Engine, type Session } from '../../engine/engine.js';
import type { FetchedRow } from '../../engine/row-types.js';
import type { ChunkChecksum, ChunkRange, ColumnInfo, KeyValues, TableInfo } from '../../engine/types.js';
import { endsTheRun, messageOf, SyncpointError, usageError } from '../../errors.js';
import { checksumProbe, runOnLane, sameChecksum, spoilsLane } from '../checksum/run-chunk.js';
import { ChunkSizer } from '../plan/chunk-sizer.js';
import { planTables, type PlannedTable } from '../plan/plan-tables.js';
import type { CheckOptions } from '../run-check.js';
import type { CheckResult } from '../report/check-result.js';
import type { Lane } from '../sync/lane.js';
import { SyncManager, syncOptionsFor } from '../sync/sync-manager.js';
import { restoreOrphanedHolds } from '../sync/restore-held.js';
import { resolveTopology } from '../topology/topology.js';
import { loadSchemas } from '../plan/load-schemas.js';
import { bisect } from './bisect.js';
import { DiffCollector, type DiffResult, type DiffRow, type ValuePair } from './diff-result.js';
import { driftHints, uncheckedPairs, reviveRange, type CheckHint } from './from-check.js';
import { mergeHashGroups } from './keyless.js';
import { mergeRows } from './merge-rows.js';
import { hashStream, rowStream } from './row-pages.js';

export type DiffOptions = Omit<CheckOptions, 'retries' | 'onProgress'> & {
  /** Rows listed in the result; the totals count every difference. */
  readonly maxRows: number;
  readonly showValues: boolean;
  /** Bisect until a range holds at most this many rows on either side, then compare rows. */
  readonly leafRows: number;
  /** Start from a check result rather than a checksum pass of our own. */
  readonly fromCheck?: CheckResult;
};

export const diffDefaults = { maxRows: 1000, showValues: false, leafRows: 256 } as const;

const CHUNK_ATTEMPTS = 3;
/** Shown values: characters kept before the ellipsis. */
const SHOW_CHARS = 64;

interface Suspect {
  readonly planned: PlannedTable;
  readonly range: ChunkRange;
  readonly replicas: Set<string>;
}

interface Ctx {
  readonly o: DiffOptions;
  readonly sync: SyncManager;
  readonly primary: Engine;
  readonly replicaEngines: ReadonlyMap<string, Engine>;
  /** Every server builds the same row string: the smallest limit among them (sharedMaxRowBytes). */
  readonly maxRowBytes: number;
  readonly out: DiffCollector;
  /** Tables no sync point could hold, and why: their other chunks are not tried again. */
  readonly givenUp: Map<string, Error>;
}

export async function runDiff(o: DiffOptions): Promise<DiffResult> {
  const started = Date.now();
  const log = o.log;
  if (!Number.isSafeInteger(o.leafRows) || o.leafRows < 1) throw usageError('leaf rows must be a whole number >= 1');
  if (!Number.isSafeInteger(o.maxRows) || o.maxRows < 0) throw usageError('--max-rows must be a whole number >= 0');
  const topo = await resolveTopology({ primary: o.primary, replicas: o.replicas, connect: { lockWaitMs: o.lockWaitMs, connectTimeoutMs: o.connectTimeoutMs, appName: 'syncpoint-diff' }, log });
  const result: DiffResult = {
    schemaVersion: 1,
    command: 'diff',
    verdict: 'consistent',
    primary: topo.primary.label,
    replicas: topo.replicas.map((r) => r.label),
    rows: [],
    totals: [],
    problems: [],
    truncated: false,
    notes: [...topo.notes],
    durationMs: 0,
  };
  const out = new DiffCollector(result, o.maxRows);
  let sync: SyncManager | null = null;
  let fatal: unknown = null;
  try {
    if (o.fromCheck && o.fromCheck.primary !== topo.primary.label) {
      throw usageError(`--from-check: that check ran against primary ${o.fromCheck.primary}, not ${topo.primary.label}`);
    }
    // Replicas a killed run (check, diff, repair) left stopped run again before anything is held.
    result.notes.push(...await restoreOrphanedHolds(topo.replicas, log));
    const hints = o.fromCheck ? driftHints(o.fromCheck) : null;
    if (hints) result.notes.push(`from a check result: ${hints.size} drifting table/replica pair(s) to narrow down`);
    for (const u of o.fromCheck ? uncheckedPairs(o.fromCheck) : []) {
      out.problem({ table: u.table, replica: u.replica, status: 'skipped', reason: `not compared by the check (${u.reason}): diff it without --from-check, or check it again` });
    }

    // 1. topology and schema
    for (const r of topo.replicas) if (r.error) out.problem({ table: '*', replica: r.label, status: 'error', reason: `replica unusable: ${r.error}` });
    const { primaryTables, replicaTables } = await loadSchemas(topo, o.filter, (label, reason) =>
      out.problem({ table: '*', replica: label, status: 'error', reason: `cannot read its schema: ${reason}` }),
    );
    // Rows are merged in key order, and bisect splits a range on either side: a key that each side
    // orders differently cannot be compared row by row (MySQL family included).
    const plan = planTables(primaryTables, replicaTables, o.filter, topo.primary.label, { keyCollationMatters: true, columnOrderMatters: topo.primary.engine.family === 'mysql-family' });
    for (const n of plan.notes) out.note(n);
    for (const d of plan.schemaDrift) {
      if (hints && !hints.has(`${d.table}\u0000${d.replica}`)) continue;
      out.problem({ table: d.table, replica: d.replica, status: 'drift', reason: `${d.reason} (rows cannot be compared)` });
    }
    const work: PlannedTable[] = [];
    for (const t of plan.tables) {
      const replicas = hints ? t.replicas.filter((r) => hints.has(`${t.table.qualified}\u0000${r}`)) : t.replicas;
      if (replicas.length) work.push({ ...t, replicas });
    }
    if (hints) {
      const known = new Set(work.flatMap((t) => t.replicas.map((r) => `${t.table.qualified}\u0000${r}`)));
      for (const d of plan.schemaDrift) known.add(`${d.table}\u0000${d.replica}`);
      for (const k of hints.keys()) {
        if (!known.has(k)) {
          const [table, replica] = k.split('\u0000') as [string, string];
          out.problem({ table, replica, status: 'skipped', reason: 'drifting in the check result but not found now (filtered out, dropped, or the replica is not in this run)' });
        }
      }
    }
    log.info({ tables: work.length }, `diff: ${work.length} table(s) to compare`);

    if (work.length > 0) {
      sync = new SyncManager(topo.primary, topo.replicas, syncOptionsFor(o, work.map((t) => t.table), log));
      const replicaEngines = new Map(topo.replicas.filter((r) => r.engine).map((r) => [r.label, r.engine!] as const));
      const ctx: Ctx = { o, sync, primary: topo.primary.engine, replicaEngines, maxRowBytes: sharedMaxRowBytes([topo.primary.engine, ...replicaEngines.values()]), out, givenUp: new Map() };
      const limit = pLimit(o.concurrency);

      // 2. suspects
      const suspects: Suspect[] = [];
      await Promise.all(
        work.map((t) =>
          limit(async () => {
            if (fatal) return;
            try {
              const given = hints ? givenRanges(t, hints, topo.primary.engine.family) : null;
              if (given) suspects.push(...given);
              else suspects.push(...(await scanTable(ctx, t)));
            } catch (err) {
              if (endsTheRun(err)) fatal ??= err;
              else for (const r of t.replicas) out.problem({ table: t.table.qualified, replica: r, ...notHeldOr(err, 'error', messageOf(err)) });
            } finally {
              ctx.sync.deactivate(t.table.qualified);
            }
          }),
        ),
      );

      // 3. narrow each suspect at a fresh synchronized point
      if (!fatal && suspects.length) {
        log.info({ chunks: suspects.length }, 'narrowing differing chunks at a fresh sync point');
        sync.refresh();
        await Promise.all(
          suspects.map((s) =>
            limit(async () => {
              if (fatal) return;
              try {
                await narrowSuspect(ctx, s);
              } catch (err) {
                if (endsTheRun(err)) fatal ??= err;
                else for (const r of s.replicas) out.problem({ table: s.planned.table.qualified, replica: r, ...notHeldOr(err, 'error', `chunk ${describeRange(s.range)}: ${messageOf(err)}`) });
              } finally {
                ctx.sync.deactivate(s.planned.table.qualified);
              }
            }),
          ),
        );
      }
      for (const [label, reason] of sync.failedReplicas) {
        result.notes.push(`${label}: ${reason}`);
        out.problem({ table: '*', replica: label, status: 'error', reason: `replica left the run: ${reason}` });
      }
    }
  } catch (err) {
    if (!endsTheRun(err) && !(err instanceof SyncpointError)) throw err;
    if (err instanceof SyncpointError && (err.kind === 'usage' || err.kind === 'config')) {
      await sync?.close().catch(() => undefined);
      await topo.close();
      throw err;
    }
    fatal ??= err;
  } finally {
    await sync?.close().catch(() => undefined);
    await topo.close();
  }
  if (fatal) result.error = messageOf(fatal);
  out.finish(fatal !== null);
  result.durationMs = Date.now() - started;
  return result;
}


/** A table no sync point could hold is skipped with why; any other failure is what the caller says. */
function notHeldOr(err: unknown, status: 'error', reason: string): { status: 'skipped' | 'error'; reason: string } {
  if (!(err instanceof TableNotHeld)) return { status, reason };
  return err.kind === 'locked'
    ? { status: 'skipped', reason: `rows locked by another transaction on the primary: ${err.message} (${CHUNK_ATTEMPTS} sync points); not compared, re-run when it has committed` }
    : { status: 'skipped', reason: `table changed during the diff: ${err.message}; re-run to compare it` };
}

function describeRange(r: ChunkRange): string {
  const f = (v: KeyValues | null) => (v ? JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)) : 'open');
  return `(${f(r.lower)} .. ${f(r.upper)}]`;
}

function givenRanges(t: PlannedTable, hints: Map<string, CheckHint>, family: Engine['family']): Suspect[] | null {
  const byRange = new Map<string, Suspect>();
  for (const r of t.replicas) {
    const h = hints.get(`${t.table.qualified}\u0000${r}`);
    if (!h?.ranges) return null;
    if (!t.key) return null;
    for (const range of h.ranges) {
      const revived = reviveRange(range, t.key.columns, family);
      const k = describeRange(revived);
      const s = byRange.get(k) ?? { planned: t, range: revived, replicas: new Set<string>() };
      s.replicas.add(r);
      byRange.set(k, s);
    }
  }
  return [...byRange.values()];
}

/** A table the sync point could not lock on the primary (primary-lock) or that changed: its lanes do not hold it still. */
class TableNotHeld extends Error {
  constructor(readonly kind: 'locked' | 'changed', message: string) {
    super(message);
  }
}

/**
 * Acquire a lane that holds `table` at its sync point, run `fn`, release. A table the epoch could
 * not lock (an application transaction holds a conflicting lock) is not read there: its two sides
 * would be at different points, and every row written in between would be listed. Retried at
 * fresh sync points, then given up (TableNotHeld).
 */
async function onLane<T>(ctx: Ctx, table: string, fn: (lane: Lane) => Promise<T>): Promise<T> {
  const earlier = ctx.givenUp.get(table);
  if (earlier) throw earlier;
  for (let attempt = 1; ; attempt++) {
    const lane = await ctx.sync.acquire(table);
    try {
      const blocked = lane.blocked.get(table);
      if (blocked) throw new TableNotHeld(blocked.kind, blocked.reason);
      return await fn(lane);
    } catch (err) {
      const again = (err instanceof TableNotHeld && err.kind === 'locked') || (err instanceof SyncpointError && err.kind === 'timeout');
      if (again && attempt < CHUNK_ATTEMPTS) {
        ctx.sync.refresh();
        continue;
      }
      if (err instanceof TableNotHeld) {
        ctx.givenUp.set(table, err);
        ctx.sync.dropTable(table);
      }
      throw err;
    } finally {
      ctx.sync.release(lane);
    }
  }
}



/** The checksum pass of check, keeping the chunks that differ on some replica. */
async function scanTable(ctx: Ctx, planned: PlannedTable): Promise<Suspect[]> {
  const { o } = ctx;
  const t = planned.table;
  const key = planned.key?.columns ?? null;
  const suspects: Suspect[] = [];
  if (!key && t.rowEstimate > o.noKeyMaxRows) {
    for (const r of planned.replicas) {
      ctx.out.problem({ table: t.qualified, replica: r, status: 'skipped', reason: `no primary key or unique NOT NULL index and about ${t.rowEstimate} rows (over --nokey-max-rows ${o.noKeyMaxRows}): add a key or raise the limit` });
    }
    return suspects;
  }
  const sizer = new ChunkSizer({ targetSeconds: o.chunkTime, initialRows: Math.min(Math.max(t.rowEstimate, 1000), 10_000) });
  let lower: KeyValues | null = null;
  for (;;) {
    if (o.signal?.aborted) throw new SyncpointError('interrupted', 'interrupted');
    const live = planned.replicas.filter((r) => !ctx.sync.failedReplicas.has(r));
    if (live.length === 0) break;
    const { res, range, upper } = await onLane(ctx, t.qualified, async (lane) => {
      let upper: KeyValues | null = null;
      if (key) {
        const rows = await lane.primary.query(ctx.primary.sql.nextBoundary(t, key, lower, sizer.next() - 1));
        upper = rows.length ? ctx.primary.sql.parseBoundary(rows[0]!, key) : null;
      }
      const range: ChunkRange = { lower, upper };
      const res = await runOnLane(lane, ctx.primary, ctx.replicaEngines, live, checksumProbe({ table: t, key, range, hash: ctx.o.hash, maxRowBytes: ctx.maxRowBytes }));
      if (spoilsLane(res)) ctx.sync.refresh();
      if (!res.primary.ok) throw res.primary.error;
      return { res, range, upper };
    });
    const p = res.primary.ok ? res.primary.checksum : null;
    let suspect: Suspect | null = null;
    let slowest = res.primary.ms;
    for (const label of live) {
      const r = res.replicas.get(label);
      if (!r) continue;
      slowest = Math.max(slowest, r.ms);
      if (!r.ok) {
        ctx.out.problem({ table: t.qualified, replica: label, status: 'error', reason: `chunk failed on replica: ${messageOf(r.error)}` });
        continue;
      }
      if (!sameChecksum(p!, r.checksum)) (suspect ??= { planned, range, replicas: new Set() }).replicas.add(label);
    }
    if (suspect) suspects.push(suspect);
    sizer.observe(p!.rows, slowest / 1000);
    if (!upper) break;
    lower = upper;
  }
  return suspects;
}

/** Re-checksum at the lane's (fresh) point, then narrow on every replica that still differs. */
async function narrowSuspect(ctx: Ctx, s: Suspect): Promise<void> {
  const t = s.planned.table;
  const key = s.planned.key?.columns ?? null;
  const labels = [...s.replicas].filter((l) => !ctx.sync.failedReplicas.has(l));
  if (labels.length === 0) return;
  if (!t.transactional) ctx.out.note(`${t.qualified}: ${t.engine ?? 'non-transactional'} table, not snapshot-isolated: rows written during the diff can show up as differences`);
  await onLane(ctx, t.qualified, async (lane) => {
    const res = await runOnLane(lane, ctx.primary, ctx.replicaEngines, labels, checksumProbe({ table: t, key, range: s.range, hash: ctx.o.hash, maxRowBytes: ctx.maxRowBytes }));
    if (spoilsLane(res)) ctx.sync.refresh();
    if (!res.primary.ok) throw res.primary.error;
    const p = res.primary.checksum;
    for (const label of labels) {
      const r = res.replicas.get(label);
      if (!r) continue; // not synchronized in this epoch: the sync manager reports the replica
      if (!r.ok) {
        ctx.out.problem({ table: t.qualified, replica: label, status: 'error', reason: `chunk failed on replica: ${messageOf(r.error)}` });
        continue;
      }
      if (sameChecksum(p, r.checksum)) {
        ctx.o.log.warn({ table: t.qualified, replica: label }, 'a chunk that differed matches at a fresh sync point: nothing to narrow');
        continue;
      }
      const session = lane.replicas.get(label)!;
      const engine = ctx.replicaEngines.get(label)!;
      if (key) await narrowKeyed(ctx, lane.primary, session, engine, t, key, label, s.range, p, r.checksum);
      else await compareKeyless(ctx, lane.primary, session, engine, t, label, p, r.checksum);
    }
  });
}

async function narrowKeyed(
  ctx: Ctx,
  ps: Session,
  rs: Session,
  re: Engine,
  t: TableInfo,
  key: readonly ColumnInfo[],
  label: string,
  range: ChunkRange,
  p: ChunkChecksum,
  r: ChunkChecksum,
): Promise<void> {
  const pe = ctx.primary;
  const stats = await bisect(
    range,
    { primary: p, replica: r },
    {
      probe: async (sub) => {
        if (ctx.o.signal?.aborted) throw new SyncpointError('interrupted', 'interrupted');
        const [a, b] = await Promise.all([
          ps.query(pe.sql.chunkChecksum(t, t.columns, key, sub, ctx.o.hash, ctx.maxRowBytes)),
          rs.query(re.sql.chunkChecksum(t, t.columns, key, sub, ctx.o.hash, ctx.maxRowBytes)),
        ]);
        return { primary: pe.sql.parseChecksum(a[0]!), replica: re.sql.parseChecksum(b[0]!) };
      },
      splitAt: async (sub, side, offset) => {
        const [e, s] = side === 'primary' ? [pe, ps] : [re, rs];
        const rows = await s.query(e.sql.nextBoundary(t, key, sub.lower, offset));
        if (!rows.length) throw new Error(`no row at offset ${offset} of ${describeRange(sub)} on the ${side}: the snapshot changed under the bisect`);
        return e.sql.parseBoundary(rows[0]!, key);
      },
      leaf: async (sub) => {
        if (ctx.o.signal?.aborted) throw new SyncpointError('interrupted', 'interrupted');
        await mergeRows(rowStream(pe, ps, t, key, sub, ctx.o.showValues), rowStream(re, rs, t, key, sub, ctx.o.showValues), (d) => {
          const base = d.kind === 'extra' ? d.replica : d.primary;
          const row: DiffRow = {
            table: t.qualified,
            replica: label,
            key: Object.fromEntries(key.map((c, i) => [c.name, base.keyDisplay[i] ?? null])),
            keyValues: base.keyValues,
            kind: d.kind,
            columns: d.kind === 'changed' ? d.columns.map((i) => t.columns[i]!.name) : [],
          };
          if (ctx.o.showValues) row.values = valuesOf(t, d.kind === 'extra' ? null : d.primary, d.kind === 'missing' ? null : d.replica, d.kind === 'changed' ? d.columns : null);
          ctx.out.add(row, 1, base.order);
        });
      },
    },
    ctx.o.leafRows,
  );
  ctx.o.log.debug({ table: t.qualified, replica: label, ...stats }, 'chunk narrowed');
}

function trunc(v: string | null): string | null {
  if (v === null) return null;
  return v.length > SHOW_CHARS ? `${v.slice(0, SHOW_CHARS)}…` : v;
}

function valuesOf(t: TableInfo, p: FetchedRow | null, r: FetchedRow | null, only: readonly number[] | null): Record<string, ValuePair> {
  const out: Record<string, ValuePair> = {};
  const idx = only ?? t.columns.map((_c, i) => i);
  for (const i of idx) out[t.columns[i]!.name] = { primary: p ? trunc(p.shown?.[i] ?? null) : null, replica: r ? trunc(r.shown?.[i] ?? null) : null };
  return out;
}

async function compareKeyless(ctx: Ctx, ps: Session, rs: Session, re: Engine, t: TableInfo, label: string, p: ChunkChecksum, r: ChunkChecksum): Promise<void> {
  const rows = Math.max(p.rows, r.rows);
  if (rows > ctx.o.noKeyMaxRows) {
    ctx.out.problem({
      table: t.qualified,
      replica: label,
      status: 'drift',
      reason: `no primary key or unique NOT NULL index, so rows cannot be narrowed by key, and ${rows} rows is over --nokey-max-rows ${ctx.o.noKeyMaxRows} for a full-row compare (${p.rows} on primary, ${r.rows} on replica)`,
    });
    return;
  }
  ctx.out.note(`${t.qualified} on ${label}: no primary key or unique NOT NULL index, so rows cannot be named by key; compared as multisets of whole rows (missing/extra copies by content hash, a changed row shows as one missing and one extra)`);
  await mergeHashGroups(hashStream(ctx.primary, ps, t), hashStream(re, rs, t), (d) => {
    ctx.out.add({ table: t.qualified, replica: label, key: null, keyValues: null, kind: d.kind, columns: [], rowHash: d.hash, copies: d.copies }, d.copies);
  });
}

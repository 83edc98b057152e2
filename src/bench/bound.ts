/**
 * The raw bounds: what the servers need just to read and hash every row, with no chunking and no
 * synchronization. One query per table on every server, all at once.
 * - 'same-hash': syncpoint's default row hash (engine.sql.chunkChecksum over the whole table,
 *   'fast'), so syncpoint / bound is the cost of chunking and synchronization alone;
 * - 'cheap-hash': pt-table-checksum's CRC32 row expression / sum(hashtext(row)), the cheapest
 *   full-row hash each server has;
 * - 'count': plain COUNT(*), the bound for `syncpoint counts`.
 */
import { parseDsn } from '../config/dsn.js';
import { connectEngine } from '../engine/detect.js';
import { sharedMaxRowBytes, type Engine, type Session } from '../engine/engine.js';
import type { Sql, TableInfo } from '../engine/types.js';
import { chooseKey } from '../pipeline/plan/choose-key.js';
import { BENCH_SCHEMA } from './dataset.js';
import { compareText } from '../text-order.js';

export type BoundKind = 'same-hash' | 'cheap-hash' | 'count';

export interface BoundServer {
  readonly engine: Engine;
  readonly tables: readonly TableInfo[];
}

/** Engines and table definitions for every server (outside the timed part). */
export async function openBoundServers(dsns: readonly string[]): Promise<BoundServer[]> {
  const out: BoundServer[] = [];
  for (const dsn of dsns) {
    const engine = await connectEngine(parseDsn(dsn), { lockWaitMs: 60_000, connectTimeoutMs: 10_000, appName: 'syncpoint-bench' });
    const s = await engine.session();
    try {
      const tables = (await engine.introspector.loadSchema(s, { schemas: [BENCH_SCHEMA] })).sort((a, b) => compareText(a.name, b.name));
      out.push({ engine, tables });
    } finally {
      await s.close();
    }
  }
  return out;
}

function cheapHash(engine: Engine, t: TableInfo): Sql {
  const q = engine.sql.qualifiedName(t);
  if (engine.family === 'postgres') return { sql: `SELECT count(*) AS n, coalesce(sum(hashtext(t::text)::int8), 0) AS s FROM ${q} AS t`, params: [] };
  const cols = t.columns.map((c) => engine.sql.quoteIdent(c.name)).join(', ');
  const nulls = t.columns.filter((c) => c.nullable).map((c) => `ISNULL(${engine.sql.quoteIdent(c.name)})`);
  // pt-table-checksum's own row expression.
  return { sql: `SELECT COUNT(*) AS n, COALESCE(BIT_XOR(CRC32(CONCAT_WS('#', ${cols}${nulls.length ? `, CONCAT(${nulls.join(', ')})` : ''}))), 0) AS s FROM ${q}`, params: [] };
}

function boundQuery(kind: BoundKind, engine: Engine, t: TableInfo, maxRowBytes: number): Sql {
  if (kind === 'count') return engine.sql.rowCount(t);
  if (kind === 'cheap-hash') return cheapHash(engine, t);
  // With its key, as check passes it: the open range reads the whole table in one query.
  return engine.sql.chunkChecksum(t, t.columns, chooseKey(t)?.columns ?? null, { lower: null, upper: null }, 'fast', maxRowBytes);
}

/**
 * Wall time of one bound run: sessions are opened first (not timed), then every (server, table)
 * query starts at once. Tables named in `only` are the ones measured (the probe table is left out).
 */
export async function runBound(servers: readonly BoundServer[], kind: BoundKind, only: (t: TableInfo) => boolean): Promise<number> {
  const jobs: { engine: Engine; s: Session; q: Sql }[] = [];
  try {
    for (const srv of servers) {
      for (const t of srv.tables.filter(only)) {
        const s = await srv.engine.session();
        // A whole table's row hashes materialized at once: room in memory, so the bound is not
        // slowed by an on-disk temporary table that chunked runs never need.
        if (srv.engine.family !== 'postgres') await s.query('SET SESSION max_heap_table_size = 1073741824, tmp_table_size = 1073741824');
        jobs.push({ engine: srv.engine, s, q: boundQuery(kind, srv.engine, t, sharedMaxRowBytes(servers.map((x) => x.engine))) });
      }
    }
    const started = performance.now();
    await Promise.all(jobs.map((j) => j.s.query(j.q)));
    return performance.now() - started;
  } finally {
    await Promise.all(jobs.map((j) => j.s.close()));
  }
}

export async function closeBoundServers(servers: readonly BoundServer[]): Promise<void> {
  await Promise.all(servers.map((s) => s.engine.close()));
}

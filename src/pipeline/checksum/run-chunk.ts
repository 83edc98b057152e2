/**
 * Run one chunk's checksum (or a table's count) on every server of a lane at once. The servers
 * do the hashing; only a count and a digest per server come back.
 */
import type { Engine, Session } from '../../engine/engine.js';
import type { ChunkChecksum, ChunkRange, ColumnInfo, Row, RowHash, Sql, TableInfo } from '../../engine/types.js';
import type { Lane } from '../sync/lane.js';

export type ServerChunk =
  | { readonly ok: true; readonly checksum: ChunkChecksum; readonly ms: number }
  | { readonly ok: false; readonly error: unknown; readonly ms: number };

export interface ChunkOutcome {
  readonly primary: ServerChunk;
  readonly replicas: ReadonlyMap<string, ServerChunk>;
}

export interface ChunkTarget {
  readonly table: TableInfo;
  readonly key: readonly ColumnInfo[] | null;
  readonly range: ChunkRange;
  readonly hash: RowHash;
  /** The smallest row-string limit of the servers compared (sharedMaxRowBytes). */
  readonly maxRowBytes: number;
}

/** What to ask each server, in its own dialect, and how to read the answer. */
export type Probe = (engine: Engine) => { readonly q: Sql; readonly parse: (row: Row) => ChunkChecksum };

export const checksumProbe = (target: ChunkTarget): Probe => (engine) => ({
  q: engine.sql.chunkChecksum(target.table, target.table.columns, target.key, target.range, target.hash, target.maxRowBytes),
  parse: (row) => engine.sql.parseChecksum(row),
});

/** Exact COUNT(*) of the whole table; the digest is empty, so only counts compare. */
export const countProbe = (table: TableInfo): Probe => (engine) => ({
  q: engine.sql.rowCount(table),
  parse: (row) => ({ rows: engine.sql.parseCount(row), digest: '' }),
});

/** `probe` on one server's session: its checksum, or the error, and how long it took. */
export async function probeOn(engine: Engine, session: Session, probe: Probe): Promise<ServerChunk> {
  const started = performance.now();
  try {
    const { q, parse } = probe(engine);
    const rows = await session.query(q);
    return { ok: true, checksum: parse(rows[0]!), ms: performance.now() - started };
  } catch (error) {
    return { ok: false, error, ms: performance.now() - started };
  }
}

/** Run `probe` on the lane's primary session and on the sessions of `replicaLabels` in this lane, all at once. */
export async function runOnLane(
  lane: Lane,
  primary: Engine,
  replicaEngines: ReadonlyMap<string, Engine>,
  replicaLabels: readonly string[],
  probe: Probe,
): Promise<ChunkOutcome> {
  const jobs = replicaLabels
    .filter((l) => lane.replicas.has(l))
    .map(async (l) => [l, await probeOn(replicaEngines.get(l)!, lane.replicas.get(l)!, probe)] as const);
  const [p, ...rs] = await Promise.all([probeOn(primary, lane.primary, probe), ...jobs]);
  return { primary: p, replicas: new Map(rs) };
}

/**
 * A statement that failed inside a PostgreSQL snapshot transaction aborts it: every later chunk on
 * that lane would fail with "current transaction is aborted", whatever its table. A lane that saw
 * any failure needs a fresh sync point.
 */
export function spoilsLane(r: ChunkOutcome): boolean {
  return !r.primary.ok || [...r.replicas.values()].some((x) => !x.ok);
}

export function sameChecksum(a: ChunkChecksum, b: ChunkChecksum): boolean {
  return a.rows === b.rows && a.digest === b.digest;
}

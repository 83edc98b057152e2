/**
 * Run one chunk's checksum on every server of a lane at once. The servers do the hashing;
 * only a count and a digest per server come back.
 */
import type { Engine, Session } from '../../engine/engine.js';
import type { ChunkChecksum, ChunkRange, ColumnInfo, TableInfo } from '../../engine/types.js';
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
}

async function one(engine: Engine, session: Session, target: ChunkTarget): Promise<ServerChunk> {
  const started = performance.now();
  try {
    const q = engine.sql.chunkChecksum(target.table, target.table.columns, target.key, target.range);
    const rows = await session.query(q);
    return { ok: true, checksum: engine.sql.parseChecksum(rows[0]!), ms: performance.now() - started };
  } catch (error) {
    return { ok: false, error, ms: performance.now() - started };
  }
}

export async function runChunk(
  lane: Lane,
  primary: Engine,
  replicaEngines: ReadonlyMap<string, Engine>,
  replicaLabels: readonly string[],
  target: ChunkTarget,
): Promise<ChunkOutcome> {
  const jobs = replicaLabels
    .filter((l) => lane.replicas.has(l))
    .map(async (l) => [l, await one(replicaEngines.get(l)!, lane.replicas.get(l)!, target)] as const);
  const [p, ...rs] = await Promise.all([one(primary, lane.primary, target), ...jobs]);
  return { primary: p, replicas: new Map(rs) };
}

export function sameChecksum(a: ChunkChecksum, b: ChunkChecksum): boolean {
  return a.rows === b.rows && a.digest === b.digest;
}

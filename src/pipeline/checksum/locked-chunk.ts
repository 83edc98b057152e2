/**
 * One chunk of a non-transactional table (MyISAM, Aria, MEMORY) read with the primary's table
 * locked throughout. Snapshots do not isolate such a table: read on a busy primary and on its
 * replicas at a sync point, a chunk differs by whatever was written in between, on every run.
 * With the table locked against writes on the primary (readers go on) there is no write to it
 * after the lock's position; once a replica has applied that position its copy cannot change
 * either, so the primary and the replica are read at the same point.
 *
 * Used for re-checks only: the first pass stays lock-free, and only a chunk that differed pays.
 * The lock is held while the replicas catch up (at most maxLockMs) and for the chunk's read.
 */
import type { Engine, Session } from '../../engine/engine.js';
import type { Position } from '../../engine/position.js';
import type { TableInfo } from '../../engine/types.js';
import { sourceMismatch } from '../sync/source-check.js';
import { probeOn, type ChunkOutcome, type Probe, type ServerChunk } from './run-chunk.js';

export interface LockedReplica {
  readonly label: string;
  readonly engine: Engine;
}

export interface LockedChunkOptions {
  readonly primary: Engine;
  readonly replicas: readonly LockedReplica[];
  readonly table: TableInfo;
  readonly probe: Probe;
  readonly lockWaitMs: number;
  readonly maxLockMs: number;
}

/** A lock not granted, or the primary's session not opened, throws; a replica that cannot be read is a failed ServerChunk. */
export async function lockedChunk(o: LockedChunkOptions): Promise<ChunkOutcome> {
  const repl = o.primary.replication;
  if (!repl.lockForRead || !repl.unlockRead) throw new Error(`${o.primary.flavor} has no read lock for non-transactional tables`);
  const ps = await o.primary.session();
  const opened: Session[] = [ps];
  let locked = false;
  try {
    // Connections and checks first: nothing slow may run while the table's writers wait.
    // Only the kind of position matters before the lock (binlog coordinates cannot be waited for down a chain).
    const kindOf = await repl.currentPosition(ps);
    const ready = await Promise.all(o.replicas.map((r) => prepare(r, o, ps, kindOf, opened)));
    // The session that holds the lock reads the chunk: a writer queued behind the lock would
    // queue any other session's read too, and wait for the lock it waits behind.
    const position = await repl.lockForRead(ps, [o.table], o.lockWaitMs);
    locked = true;
    const lockedAt = Date.now();
    const reached = await Promise.all(ready.map(async ([label, r]) => [label, 'error' in r ? r : await reach(r, position, o, lockedAt)] as const));
    const [primary, ...rest] = await Promise.all([
      probeOn(o.primary, ps, o.probe),
      ...reached.map(async ([label, r]) => [label, 'error' in r ? failed(r.error) : await probeOn(r.engine, r.session, o.probe)] as const),
    ]);
    return { primary, replicas: new Map(rest) };
  } finally {
    if (locked) await repl.unlockRead(ps).catch(() => undefined);
    await Promise.all(opened.map((s) => s.close()));
  }
}

type Ready = { engine: Engine; session: Session } | { error: unknown };

/** A session on the replica, and whether it can wait for the primary's positions at all. */
async function prepare(r: LockedReplica, o: LockedChunkOptions, ps: Session, kindOf: Position, opened: Session[]): Promise<readonly [string, Ready]> {
  try {
    const s = await r.engine.session();
    opened.push(s);
    const mismatch = await sourceMismatch(o.primary, ps, r.engine, s, kindOf);
    if (mismatch) throw new Error(mismatch);
    return [r.label, { engine: r.engine, session: s }];
  } catch (error) {
    return [r.label, { error }];
  }
}

/** The replica once it has applied `position`, within what is left of maxLockMs. */
async function reach(r: { engine: Engine; session: Session }, position: Position, o: LockedChunkOptions, lockedAt: number): Promise<Ready> {
  try {
    const budget = Math.max(1, o.maxLockMs - (Date.now() - lockedAt));
    if (!(await r.engine.replication.waitApplied(r.session, position, budget))) {
      throw new Error(`did not apply the primary's position within --max-lock-time (${o.maxLockMs} ms) while ${o.table.qualified} was locked there`);
    }
    return r;
  } catch (error) {
    return { error };
  }
}

function failed(error: unknown): ServerChunk {
  return { ok: false, error, ms: 0 };
}

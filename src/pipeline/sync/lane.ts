/**
 * A lane is one unit of checking capacity: one session per server, every one of them inside a
 * snapshot that reflects the same point of the replication stream. Chunks run on lanes; a lane
 * belongs to an epoch, and a new epoch is a new synchronized point.
 */
import type { Session } from '../../engine/engine.js';
import type { Position } from '../../engine/position.js';
import type { BlockedTable } from './epoch.js';

export interface Lane {
  readonly index: number;
  readonly epoch: number;
  /** The replication position every session of this lane reflects. */
  readonly position: Position;
  readonly primary: Session;
  /** Replica label -> session, only for replicas synchronized in this epoch. */
  readonly replicas: ReadonlyMap<string, Session>;
  /** Tables (qualified names) this epoch could not lock: chunks of them must not run here. */
  readonly blocked: ReadonlyMap<string, BlockedTable>;
}

export interface SyncStats {
  epochs: number;
  /** Longest time the primary held table locks for a sync point (primary-lock), ms. */
  maxLockMs: number;
  /** Longest time any replica's apply was held stopped by us (replica-until), ms. */
  maxReplicaPauseMs: number;
  /** Time spent establishing sync points, ms. */
  syncMs: number;
}

/** What a sync method gets and gives back for one epoch (one synchronized point, K lanes). */
import type { Logger } from 'pino';
import type { Engine, Session } from '../../engine/engine.js';
import type { Position } from '../../engine/position.js';
import type { TableInfo } from '../../engine/types.js';

export interface EpochPrimary {
  readonly label: string;
  readonly engine: Engine;
  readonly control: Session;
  /** One session per lane, not inside any transaction when handed over. */
  readonly sessions: readonly Session[];
}

export interface EpochReplica extends EpochPrimary {}

export interface EpochContext {
  readonly primary: EpochPrimary;
  readonly replicas: readonly EpochReplica[];
  /** Tables the epoch must cover (primary-lock locks exactly these). */
  readonly tables: readonly TableInfo[];
  readonly lockWaitMs: number;
  readonly lockRetries: number;
  readonly maxLockMs: number;
  readonly syncTimeoutMs: number;
  /** The run's stop: waits on held replicas end at once, so they are restarted without delay. */
  readonly signal?: AbortSignal;
  /** Where replica-until writes its hold marker (default: the state dir's holds/). */
  readonly holdsDir?: string;
  readonly log: Logger;
}

export interface EpochResult {
  /** Position of each lane, in lane order. */
  readonly positions: readonly Position[];
  /** Replicas that could not be synchronized in this epoch, with why. */
  readonly failed: ReadonlyMap<string, string>;
  readonly lockMs: number;
  readonly replicaPauseMs: number;
  /** Tables this epoch could not lock on the primary (primary-lock): not consistent in its lanes. */
  readonly blocked?: ReadonlyMap<string, BlockedTable>;
}

/** Why a table was left out of a sync point. */
export interface BlockedTable {
  /** locked: a conflicting lock was held past every bounded wait; changed: dropped or renamed. */
  readonly kind: 'locked' | 'changed';
  readonly reason: string;
}

/**
 * What an engine can do, as plain booleans and lists. The pipeline branches on these,
 * never on engine names. Defaults live here; an engine overrides only what differs.
 */
export type SyncMethod =
  /** Stop each replica's apply, open primary snapshots at exact positions, let replicas run UNTIL each. (MariaDB) */
  | 'replica-until'
  /** Briefly lock the checked tables on the primary (SHARE), read the position, wait for replicas, snapshot all, unlock. */
  | 'primary-lock';

export interface Capabilities {
  /** Sync methods this engine supports, best first. */
  readonly syncMethods: readonly SyncMethod[];
  /** A snapshot can report the exact replication position it corresponds to (MariaDB Binlog_snapshot_*). */
  readonly snapshotPosition: boolean;
  /** Other sessions can join a snapshot (pg_export_snapshot / SET TRANSACTION SNAPSHOT). */
  readonly sharedSnapshots: boolean;
  /** Replicas can be found from the primary alone. */
  readonly replicaDiscovery: boolean;
  /** Positions are GTID sets (MySQL/MariaDB) rather than file offsets. */
  readonly gtid: boolean;
  /** Table lock usable for primary-lock sync without blocking readers. */
  readonly sharedTableLock: boolean;
  /**
   * Chunk bounds compare in the primary's collation on every server (MySQL family: the bound
   * carries COLLATE). When false (PostgreSQL) each server compares in its own, so a key column
   * collated differently on a replica is a schema difference.
   */
  readonly boundsInPrimaryCollation: boolean;
}

export const defaultCapabilities: Capabilities = Object.freeze({
  syncMethods: ['primary-lock'] as const,
  snapshotPosition: false,
  sharedSnapshots: false,
  replicaDiscovery: false,
  gtid: false,
  sharedTableLock: true,
  boundsInPrimaryCollation: true,
});

export function withCapabilities(overrides: Partial<Capabilities>): Capabilities {
  return Object.freeze({ ...defaultCapabilities, ...overrides });
}

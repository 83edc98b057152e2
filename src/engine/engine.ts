/**
 * The flavor boundary. One implementation per folder (mysql-family shared by mysql and mariadb,
 * postgres). SQL text exists only below src/engine; the pipeline speaks in these interfaces.
 */
import type { Capabilities } from './capabilities.js';
import type { Position } from './position.js';
import type { RowSql } from './row-types.js';
import type {
  ApplyThread,
  ChunkChecksum,
  ChunkRange,
  ColumnInfo,
  DiscoveredReplica,
  Family,
  Flavor,
  KeyExtent,
  KeyValues,
  ReplicaStatus,
  Row,
  RowHash,
  ServerRef,
  Sql,
  TableInfo,
} from './types.js';

/** One dedicated server connection with the tool's session settings applied. */
export interface Session {
  readonly server: ServerRef;
  /** Server-side connection id (for logs and for KILL in tests). */
  readonly connectionId: number;
  query(q: Sql | string): Promise<Row[]>;
  /** Graceful close; never throws. */
  close(): Promise<void>;
  readonly closed: boolean;
}

export interface SchemaScope {
  /** Only these schemas/databases when given; system schemas are always excluded by the engine. */
  readonly schemas?: readonly string[];
}

export interface Introspector {
  /** Every user table in scope with columns, indexes, engine and estimates, in one round of queries. */
  loadSchema(s: Session, scope: SchemaScope): Promise<TableInfo[]>;
}

/** Pure SQL builders: no I/O. Identifiers always go through quoteIdent. */
export interface SqlDialect {
  quoteIdent(name: string): string;
  qualifiedName(t: Pick<TableInfo, 'schema' | 'name'>): string;
  /**
   * Count + order-independent wide hash over every column of `columns` for rows in `range`
   * of `key` (null key: the whole table), with the per-row hash `hash`. Result row is read back
   * with parseChecksum. Only digests of the same hash compare.
   */
  /**
   * `maxRowBytes`: the smallest `Engine.maxRowBytes` of the servers compared, so every server
   * builds the same row string (Infinity where none has a limit).
   */
  chunkChecksum(t: TableInfo, columns: readonly ColumnInfo[], key: readonly ColumnInfo[] | null, range: ChunkRange, hash: RowHash, maxRowBytes: number): Sql;
  parseChecksum(row: Row): ChunkChecksum;
  /**
   * The key of the row `offset` rows after `after` (exclusive) in key order, or no row when fewer remain.
   * With offset n this returns the upper bound of a chunk of n+1 rows.
   */
  nextBoundary(t: TableInfo, key: readonly ColumnInfo[], after: KeyValues | null, offset: number): Sql;
  parseBoundary(row: Row, key: readonly ColumnInfo[]): KeyValues;
  /**
   * MIN and MAX of a key that is one integer column (null for any other key): chunk ranges of
   * such a key can be cut by arithmetic instead of boundary queries. Read with parseExtent.
   */
  keyExtent(t: TableInfo, key: readonly ColumnInfo[]): Sql | null;
  /** Null for an empty table. */
  parseExtent(row: Row): KeyExtent | null;
  /** Exact row count of the whole table. Result read with parseCount. */
  rowCount(t: TableInfo): Sql;
  parseCount(row: Row): number;
  /** Single rows for diff and repair: row pages, hash groups, literals, repair statements. */
  readonly rows: RowSql;
}

/** Replication facts and the primitives the sync stage sequences. */
export interface ReplicationProbe {
  /** Where the server's own change stream stands now (primary side). */
  currentPosition(s: Session): Promise<Position>;
  /**
   * Null when the server is not a replica. openTempTables is read only when asked for (an audit):
   * the sync stage polls this, and every statement is a round trip.
   */
  replicaStatus(s: Session, o?: { readonly openTempTables?: boolean }): Promise<ReplicaStatus | null>;
  discoverReplicas(s: Session): Promise<DiscoveredReplica[]>;

  /**
   * Open a read-only REPEATABLE READ snapshot on this session. With caps.snapshotPosition,
   * returns the exact position the snapshot corresponds to; otherwise null.
   */
  beginSnapshot(s: Session): Promise<Position | null>;
  /** End the snapshot transaction (commit). */
  endSnapshot(s: Session): Promise<void>;
  /** caps.sharedSnapshots: an id other sessions can import while this one is open. */
  exportSnapshot(s: Session): Promise<string>;
  importSnapshot(s: Session, id: string): Promise<void>;

  /**
   * replica-until: stop applying. `until` is the kind of position the replica will then be
   * asked to apply up to: for its source's own binlog coordinates (a direct replica) only the
   * apply thread stops and receiving goes on; MariaDB stops both threads for a GTID target.
   */
  stopApply(s: Session, until?: Position['kind']): Promise<void>;
  /**
   * replica-until: this replica's apply threads (the SQL thread and any parallel workers), to
   * tell one waiting for a lock held on the replica or inside a long statement, either of which
   * STOP would wait for; empty where they cannot be seen (no PROCESS privilege) or the engine has
   * none.
   */
  applyThreads?(s: Session): Promise<readonly ApplyThread[]>;
  /** replica-until: apply until exactly `pos`, then stop by itself. */
  startApplyUntil(s: Session, pos: Position): Promise<void>;
  /** This server's id among its replication peers (MySQL family @@server_id), null when none. */
  serverId(s: Session): Promise<number | null>;
  /**
   * The GTID position matching this server's own binlog coordinates `pos` (MariaDB: a scan of the
   * binlog file, cached briefly); any other position comes back as it is.
   */
  gtidOf(s: Session, pos: Position): Promise<Position>;
  /** Resume applying with no condition. */
  startApply(s: Session): Promise<void>;
  /**
   * Wait until the replica has applied `pos` (or more); false on timeout. With `signal`, an abort
   * ends the wait within about a second (SyncpointError 'interrupted'): a run told to stop while
   * it holds replicas restarts them at once, not after --sync-timeout.
   */
  waitApplied(s: Session, pos: Position, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  /** replica-until: wait until the apply thread has stopped by itself; false on timeout. `signal` as for waitApplied. */
  waitApplyStopped(s: Session, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;

  /**
   * primary-lock: inside a new transaction on `s`, lock `tables` against writes (readers not
   * blocked), waiting at most lockWaitMs; then take the snapshot and return the position
   * that covers every committed write to them and that replicas can reach. Released by
   * endSnapshot. `idle`: another session on the same server, outside any transaction, that the
   * engine may use meanwhile (PostgreSQL commits an empty transaction on it when the WAL up to
   * the position is not flushed yet; without it, it opens a session of its own).
   */
  lockTablesForSync(s: Session, tables: readonly TableInfo[], lockWaitMs: number, idle?: Session): Promise<Position>;

  /**
   * Engines with non-transactional tables (MySQL family): lock `tables` against writes on `s`
   * itself, outside any transaction, waiting at most lockWaitMs, and return the position that
   * covers every committed write to them. `s` then reads those tables (and only those) under the
   * lock, which another session could not do: a writer queued behind the lock would queue it too.
   * Released by unlockRead. Absent where every table is transactional (PostgreSQL).
   */
  lockForRead?(s: Session, tables: readonly TableInfo[], lockWaitMs: number): Promise<Position>;
  unlockRead?(s: Session): Promise<void>;

  /**
   * Why the primary's positions cannot be waited for on this replica, or null when they can:
   * e.g. a PostgreSQL subscriber of another publisher (its positions are that server's WAL).
   * Engines without such a case leave it out.
   */
  sourceProblem?(replica: Session, primary: Session): Promise<string | null>;
}

export interface ConnectOptions {
  /** Per-session lock wait (MDL / lock_timeout), milliseconds. */
  readonly lockWaitMs: number;
  /** Connect timeout, milliseconds. */
  readonly connectTimeoutMs: number;
  /** Application name shown in processlists. */
  readonly appName: string;
}

export interface Engine {
  readonly flavor: Flavor;
  readonly family: Family;
  /** Server version string as reported. */
  readonly version: string;
  readonly server: ServerRef;
  /**
   * The longest string the server's functions build (MySQL family: max_allowed_packet; over it
   * CONCAT gives NULL). Absent: no limit a row string can reach (PostgreSQL).
   */
  readonly maxRowBytes?: number;
  readonly caps: Capabilities;
  readonly introspector: Introspector;
  readonly replication: ReplicationProbe;
  readonly sql: SqlDialect;
  /** A new dedicated session (connection) with session settings applied. */
  session(): Promise<Session>;
  /**
   * Open n sessions ahead, in the background, for the next session() calls (a check's lanes,
   * while the schemas load). Nothing is reported here: a session that could not open reports its
   * error from the session() call that would have had it; one lost meanwhile is replaced.
   */
  prewarm(n: number): void;
  /** Close every session this engine opened. */
  close(): Promise<void>;
}

/** The row-string limit every one of `engines` keeps (Infinity when none has one). */
export function sharedMaxRowBytes(engines: Iterable<Pick<Engine, 'maxRowBytes'>>): number {
  let limit = Number.POSITIVE_INFINITY;
  for (const e of engines) if (e.maxRowBytes !== undefined) limit = Math.min(limit, e.maxRowBytes);
  return limit;
}

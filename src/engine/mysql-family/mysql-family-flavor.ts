/**
 * What differs between MariaDB and MySQL, in one shape with the family defaults in one base
 * (Kysely style): a flavor overrides only what it spells or does differently, so a new
 * capability or spelling is one line in the base and one line in the flavor that differs.
 */
import { withCapabilities, type Capabilities } from '../capabilities.js';
import type { Session } from '../engine.js';
import type { Position } from '../position.js';
import type { Row, Sql } from '../types.js';

export type MysqlFamilyFlavorName = 'mysql' | 'mariadb';

/** Parsed server version: "10.11.19-MariaDB-0+deb12u1-log", "8.0.36-28", "5.7.44-log". */
export interface ServerVersion {
  readonly text: string;
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** What the engine learns at connect time and hands to the flavor. */
export interface ServerFacts {
  readonly version: ServerVersion;
  /** MySQL @@GLOBAL.gtid_mode = ON (MariaDB always has GTIDs: false here, unused). */
  readonly gtidMode: boolean;
}

/** The statements whose spelling differs per flavor or version. */
export interface ReplicationStatements {
  /** SHOW SLAVE STATUS / SHOW REPLICA STATUS (MySQL 8.0.22+). */
  readonly replicaStatus: string;
  /** Fallback when replicaStatus is refused (a server older than the version suggests, a proxy). */
  readonly replicaStatusFallback: string | null;
  /** SHOW SLAVE HOSTS / SHOW REPLICAS (MySQL 8.0.22+). */
  readonly replicaHosts: string;
  readonly replicaHostsVia: string;
  readonly stopApply: string;
  readonly startApply: string;
  /** The start phrase a GTID UNTIL is appended to. */
  readonly startApplyPrefix: string;
  /** The SQL thread alone (receiving goes on): for UNTIL the source's own file coordinates. */
  readonly stopApplyThread: string;
  readonly startApplyThreadPrefix: string;
  /**
   * The replication threads (processlist rows as id, state, statement, elapsed_ms). elapsed_ms:
   * MariaDB's TIME_MS, which restarts with each event the SQL thread applies; null on MySQL, whose
   * TIME for the SQL thread counts from the event's timestamp on the source.
   */
  readonly applyThreads: string;
  /** SHOW MASTER STATUS / SHOW BINARY LOG STATUS (MySQL 8.2+; the old one is gone in 8.4). */
  readonly binlogStatus: string;
  /** MASTER_POS_WAIT / SOURCE_POS_WAIT (MySQL 8.0.26+). */
  readonly posWaitFunction: string;
  /** UNTIL MASTER_LOG_FILE / SOURCE_LOG_FILE (MySQL 8.0.23+). */
  readonly untilFileWords: readonly [file: string, pos: string];
  /** Binlog dump commands in PROCESSLIST: a replica or binlog reader connected to this server. */
  readonly dumpCommands: readonly string[];
  /** Statement-level time limit to switch off in every session. */
  readonly noStatementTimeout: string | null;
  /**
   * The session variable behind SET TRANSACTION ISOLATION LEVEL, so that the isolation joins the
   * one SET every new session runs: tx_isolation, or transaction_isolation (MySQL 5.7.20+,
   * MariaDB 11.1+; MySQL 8.0 has only this one).
   */
  readonly isolationVariable: string;
  /**
   * MariaDB: every replication connection, named ones too (SHOW SLAVE STATUS shows only the
   * default one); null where the default status lists them all (MySQL channels).
   */
  readonly allConnectionsStatus: string | null;
}

export interface FlavorProfile {
  readonly flavor: MysqlFamilyFlavorName;
  readonly caps: Capabilities;
  readonly statements: ReplicationStatements;
  /** Position of this server's own change stream now. */
  currentPosition(s: Session): Promise<Position>;
  /** What a replica has executed, in the primary's terms, from its status row. */
  executedPosition(s: Session, status: Row): Promise<Position | null>;
  /** Position a just-opened consistent snapshot reflects; null when the flavor cannot tell. */
  snapshotPosition(s: Session): Promise<Position | null>;
  /** START ... UNTIL <pos>: SQL thread only for file coordinates, as the flavor needs for a GTID. */
  startApplyUntil(pos: Position): Sql;
  /** This server's GTID position at its own binlog coordinates; other positions as they are. */
  gtidOf(s: Session, pos: Position): Promise<Position>;
  /**
   * The part of `target` this server does not hold yet (null: all of it), where the flavor's wait
   * function would wait for what the server already has: MariaDB's MASTER_GTID_WAIT reads
   * gtid_slave_pos only, which lacks the server's own writes (a former primary, replicating
   * again, holds in its binlog the transactions its new primary has from it).
   */
  notYetApplied?(s: Session, target: Position): Promise<Position | null>;
  /** A one-row query whose column `reached` is 1 when pos is applied, 0 on timeout, NULL when the server cannot tell. */
  waitApplied(pos: Position, timeoutMs: number): Sql;
}

/** Family defaults: the MySQL 5.7 / MariaDB spellings both understand. */
export const baseStatements: ReplicationStatements = Object.freeze({
  replicaStatus: 'SHOW SLAVE STATUS',
  replicaStatusFallback: null,
  replicaHosts: 'SHOW SLAVE HOSTS',
  replicaHostsVia: 'SHOW SLAVE HOSTS',
  stopApply: 'STOP SLAVE SQL_THREAD',
  startApply: 'START SLAVE SQL_THREAD',
  startApplyPrefix: 'START SLAVE SQL_THREAD',
  stopApplyThread: 'STOP SLAVE SQL_THREAD',
  startApplyThreadPrefix: 'START SLAVE SQL_THREAD',
  // Replication threads run as 'system user'; without PROCESS only the session's own threads are
  // listed, and nothing comes back.
  applyThreads: "SELECT ID AS id, STATE AS state, INFO AS statement, NULL AS elapsed_ms FROM information_schema.PROCESSLIST WHERE USER = 'system user'",
  binlogStatus: 'SHOW MASTER STATUS',
  posWaitFunction: 'MASTER_POS_WAIT',
  untilFileWords: ['MASTER_LOG_FILE', 'MASTER_LOG_POS'] as const,
  dumpCommands: ['Binlog Dump', 'Binlog Dump GTID'],
  noStatementTimeout: null,
  isolationVariable: 'tx_isolation',
  allConnectionsStatus: null,
});

export const baseCapabilities: Capabilities = withCapabilities({
  syncMethods: ['primary-lock'],
  replicaDiscovery: true,
  sharedTableLock: true,
});

export function statementsWith(overrides: Partial<ReplicationStatements>): ReplicationStatements {
  return Object.freeze({ ...baseStatements, ...overrides });
}

export function capabilitiesWith(overrides: Partial<Capabilities>): Capabilities {
  return Object.freeze({ ...baseCapabilities, ...overrides });
}

export function parseServerVersion(text: string): ServerVersion {
  // MariaDB 10.x behind some proxies still reports the old "5.5.5-" replication-protocol prefix.
  const m = /(\d+)\.(\d+)\.(\d+)/.exec(text.replace(/^5\.5\.5-/, ''));
  return Object.freeze({ text, major: m ? Number(m[1]) : 0, minor: m ? Number(m[2]) : 0, patch: m ? Number(m[3]) : 0 });
}

export function isMariadbVersion(text: string): boolean {
  return /mariadb/i.test(text);
}

/** version >= major.minor.patch */
export function versionAtLeast(v: ServerVersion, major: number, minor = 0, patch = 0): boolean {
  if (v.major !== major) return v.major > major;
  if (v.minor !== minor) return v.minor > minor;
  return v.patch >= patch;
}

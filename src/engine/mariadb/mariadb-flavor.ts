/**
 * MariaDB 10.x/11.x: only what differs from the MySQL-family base.
 * replica-until is the preferred sync method: the primary is never locked, because a snapshot
 * reports its exact position and a replica can apply UNTIL exactly that GTID position.
 */
import { capabilitiesWith, statementsWith, versionAtLeast, type FlavorProfile, type ServerFacts } from '../mysql-family/mysql-family-flavor.js';
import { parseReplicaStatusRow } from '../mysql-family/mysql-family-replica-status.js';
import {
  mariadbCurrentPosition,
  mariadbExecutedPosition,
  mariadbGtidOf,
  mariadbPending,
  mariadbSnapshotPosition,
  mariadbStartApplyUntil,
  mariadbWaitApplied,
} from './mariadb-replication.js';

export function mariadbFlavor(facts: ServerFacts): FlavorProfile {
  const statements = statementsWith({
    // MariaDB 10.1+: the per-statement limit that would cut a long checksum or a wait short.
    noStatementTimeout: 'max_statement_time = 0',
    // transaction_isolation from 11.1.1 (tx_isolation, deprecated then, is in every 10.x/11.x).
    isolationVariable: versionAtLeast(facts.version, 11, 1, 1) ? 'transaction_isolation' : 'tx_isolation',
    allConnectionsStatus: 'SHOW ALL SLAVES STATUS',
    // MariaDB refuses UNTIL master_gtid_pos while the IO thread runs (ER_SLAVE_WAS_RUNNING, seen on
    // 10.11): a GTID UNTIL stops and restarts both threads. The reconnecting IO thread makes the
    // primary scan its current binlog file for the start GTID (no GTID index before 11.4): +1.2 s
    // with a 754 MB file (10.11). So a GTID UNTIL is only for replicas further down a chain; a
    // direct replica stops its SQL thread alone, UNTIL the primary's own file coordinates
    // (stopApplyThread, base spelling), and keeps receiving.
    // With MASTER_USE_GTID=no the server refuses a GTID UNTIL (error 1949).
    stopApply: 'STOP SLAVE',
    startApply: 'START SLAVE',
    startApplyPrefix: 'START SLAVE',
    applyThreads: "SELECT ID AS id, STATE AS state, INFO AS statement, TIME_MS AS elapsed_ms FROM information_schema.PROCESSLIST WHERE USER = 'system user'",
  });
  return Object.freeze({
    flavor: 'mariadb',
    caps: capabilitiesWith({
      syncMethods: ['replica-until', 'primary-lock'],
      snapshotPosition: true,
      gtid: true,
    }),
    statements,
    currentPosition: mariadbCurrentPosition,
    executedPosition: (s, row) => mariadbExecutedPosition(s, parseReplicaStatusRow(row)),
    snapshotPosition: mariadbSnapshotPosition,
    startApplyUntil: (pos) => mariadbStartApplyUntil(statements, pos),
    gtidOf: mariadbGtidOf,
    notYetApplied: mariadbPending,
    waitApplied: (pos, timeoutMs) => mariadbWaitApplied(statements.posWaitFunction, pos, timeoutMs),
  } satisfies FlavorProfile);
}

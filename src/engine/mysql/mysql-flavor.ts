/**
 * MySQL 5.7/8.x: only what differs from the MySQL-family base, mostly the 8.0.22+ spellings
 * (REPLICA/SOURCE) and what gtid_mode decides.
 */
import {
  capabilitiesWith,
  statementsWith,
  versionAtLeast,
  type FlavorProfile,
  type ReplicationStatements,
  type ServerFacts,
} from '../mysql-family/mysql-family-flavor.js';
import { parseReplicaStatusRow } from '../mysql-family/mysql-family-replica-status.js';
import { mysqlCurrentPosition, mysqlExecutedPosition, mysqlStartApplyUntil, mysqlWaitApplied } from './mysql-replication.js';

export function mysqlStatements(facts: ServerFacts): ReplicationStatements {
  const v = facts.version;
  const replicaWords = versionAtLeast(v, 8, 0, 22);
  return statementsWith({
    ...(replicaWords
      ? {
          replicaStatus: 'SHOW REPLICA STATUS',
          replicaStatusFallback: 'SHOW SLAVE STATUS',
          replicaHosts: 'SHOW REPLICAS',
          replicaHostsVia: 'SHOW REPLICAS',
          stopApply: 'STOP REPLICA SQL_THREAD',
          startApply: 'START REPLICA SQL_THREAD',
          startApplyPrefix: 'START REPLICA SQL_THREAD',
          stopApplyThread: 'STOP REPLICA SQL_THREAD',
          startApplyThreadPrefix: 'START REPLICA SQL_THREAD',
        }
      : {}),
    ...(versionAtLeast(v, 8, 0, 23) ? { untilFileWords: ['SOURCE_LOG_FILE', 'SOURCE_LOG_POS'] as const } : {}),
    ...(versionAtLeast(v, 8, 0, 26) ? { posWaitFunction: 'SOURCE_POS_WAIT' } : {}),
    // SHOW MASTER STATUS is gone in 8.4; SHOW BINARY LOG STATUS exists from 8.2.
    ...(versionAtLeast(v, 8, 2, 0) ? { binlogStatus: 'SHOW BINARY LOG STATUS' } : {}),
    // max_execution_time (5.7.8+) limits SELECTs only: a checksum must not be cut short.
    noStatementTimeout: versionAtLeast(v, 5, 7, 8) ? 'max_execution_time = 0' : null,
    isolationVariable: versionAtLeast(v, 5, 7, 20) ? 'transaction_isolation' : 'tx_isolation',
  });
}

export function mysqlFlavor(facts: ServerFacts): FlavorProfile {
  const statements = mysqlStatements(facts);
  return Object.freeze({
    flavor: 'mysql',
    caps: capabilitiesWith({ gtid: facts.gtidMode }),
    statements,
    currentPosition: (s) => mysqlCurrentPosition(s, facts.gtidMode, statements.binlogStatus),
    executedPosition: async (_s, row) => mysqlExecutedPosition(parseReplicaStatusRow(row), facts.gtidMode),
    snapshotPosition: async () => null,
    startApplyUntil: (pos) => mysqlStartApplyUntil(statements.startApplyPrefix, statements.untilFileWords, pos),
    // MySQL snapshots report no position (caps.snapshotPosition false): nothing to convert.
    gtidOf: async (_s, pos) => pos,
    waitApplied: (pos, timeoutMs) => mysqlWaitApplied(statements.posWaitFunction, pos, timeoutMs),
  } satisfies FlavorProfile);
}

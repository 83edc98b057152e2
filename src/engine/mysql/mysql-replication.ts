/**
 * MySQL 5.7/8.x positions: the gtid_executed set when gtid_mode=ON, else binlog file coordinates.
 * MySQL has no Binlog_snapshot_* status: a snapshot cannot say which position it reflects, so
 * the sync method is primary-lock (see mysql-family-table-lock.ts).
 */
import { configError } from '../../errors.js';
import type { Session } from '../engine.js';
import { formatPosition, parseBinlogFilePos, parseMysqlGtidSet, type Position } from '../position.js';
import type { Row, Sql } from '../types.js';
import { statusText, type ReplicaStatusFacts } from '../mysql-family/mysql-family-replica-status.js';

export async function mysqlCurrentPosition(s: Session, gtidMode: boolean, binlogStatus: string): Promise<Position> {
  if (gtidMode) {
    const rows = await s.query('SELECT @@GLOBAL.gtid_executed AS pos');
    return parseMysqlGtidSet(String(rows[0]?.['pos'] ?? ''));
  }
  const pos = parseBinlogStatus(await s.query(binlogStatus));
  if (!pos) throw configError('binary logging is off (SHOW MASTER STATUS is empty): this server cannot be a replication primary', s.server.label);
  return pos;
}

/** SHOW MASTER STATUS / SHOW BINARY LOG STATUS -> file:position, null when the binlog is off. */
export function parseBinlogStatus(rows: readonly Row[]): Position | null {
  const r = rows[0];
  if (!r) return null;
  const file = statusText(r, 'File');
  const pos = statusText(r, 'Position');
  return file && /^\d+$/.test(pos) ? parseBinlogFilePos(`${file}:${pos}`) : null;
}

/**
 * Executed_Gtid_Set is the replica's whole gtid_executed (its own transactions too: those are
 * errant, and comparing sets shows them); without GTIDs, the executed file coordinates.
 */
export function mysqlExecutedPosition(facts: ReplicaStatusFacts, gtidMode: boolean): Position | null {
  if (gtidMode) return parseMysqlGtidSet(facts.executedGtidSet);
  return facts.executedFilePos;
}

export function mysqlStartApplyUntil(prefix: string, untilFile: readonly [string, string], pos: Position): Sql {
  switch (pos.kind) {
    case 'mysql-gtid':
      return { sql: `${prefix} UNTIL SQL_AFTER_GTIDS = ?`, params: [formatPosition(pos)] };
    case 'binlog-file-pos':
      return { sql: `${prefix} UNTIL ${untilFile[0]} = ?, ${untilFile[1]} = ${pos.pos}`, params: [pos.file] };
    default:
      throw new Error(`MySQL cannot apply until a ${pos.kind} position`);
  }
}

export function mysqlWaitApplied(posWaitFunction: string, pos: Position, timeoutMs: number): Sql {
  switch (pos.kind) {
    case 'mysql-gtid':
      // 0 reached, 1 timed out; whole seconds, which every 5.7/8.x accepts.
      return {
        sql: 'SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?) = 0 AS reached',
        params: [formatPosition(pos), Math.max(1, Math.ceil(timeoutMs / 1000))],
      };
    case 'binlog-file-pos':
      return { sql: `SELECT ${posWaitFunction}(?, ?, ?) >= 0 AS reached`, params: [pos.file, pos.pos, Math.max(1, Math.ceil(timeoutMs / 1000))] };
    default:
      throw new Error(`MySQL cannot wait for a ${pos.kind} position`);
  }
}

/**
 * Reads for `syncpoint preflight` on MySQL and MariaDB: the server variables that decide whether
 * a replica can be promoted (binary log, log_slave_updates, read_only, server_id, GTID state),
 * every replication connection with its GTID mode, and the SQL thread's open temporary tables.
 * Variables are read with SHOW GLOBAL VARIABLES WHERE ... so a name one flavor lacks is simply
 * absent instead of an error.
 */
import type { Session } from '../engine.js';
import type { Row } from '../types.js';
import { mapReplicaChannel, type AuditReplicaChannel } from './mysql-family-audit.js';
import { driverErrorCode } from './mysql-family-errors.js';
import { parseOpenTempTables, statusText } from './mysql-family-replica-status.js';

const VARIABLES = [
  'server_id',
  'server_uuid',
  'hostname',
  'port',
  'version',
  'log_bin',
  'log_slave_updates',
  'log_replica_updates',
  'read_only',
  'super_read_only',
  'binlog_format',
  // MariaDB
  'gtid_binlog_state',
  'gtid_binlog_pos',
  'gtid_slave_pos',
  'gtid_strict_mode',
  'gtid_domain_id',
  // MySQL
  'gtid_mode',
  'gtid_executed',
  'gtid_purged',
  'enforce_gtid_consistency',
] as const;

export interface PreflightReplicaChannel extends AuditReplicaChannel {
  /** MariaDB Using_Gtid ('No', 'Slave_Pos', 'Current_Pos'); null on MySQL. */
  readonly usingGtid: string | null;
  /** MySQL Auto_Position (1 = GTID auto-positioning); null on MariaDB. */
  readonly autoPosition: boolean | null;
}

export interface MysqlFamilyPreflightFacts {
  /** Lower-case variable name -> value, for the VARIABLES above that the server has. */
  readonly variables: Readonly<Record<string, string>>;
  readonly channels: readonly PreflightReplicaChannel[];
  /** Slave_open_temp_tables / Replica_open_temp_tables; null when the server does not report it. */
  readonly openTempTables: number | null;
  /**
   * What its binary logs no longer hold, as a position another server must have applied to be
   * served from them: MySQL gtid_purged; MariaDB the GTID state where its oldest binary log
   * starts (BINLOG_GTID_POS(oldest, 4)). Null when it cannot be read (no binary log, no privilege).
   */
  readonly binlogStart: string | null;
}

function isSyntaxError(err: unknown): boolean {
  const code = driverErrorCode((err as { cause?: unknown })?.cause ?? err);
  return code === 'ER_PARSE_ERROR' || code === 'ER_SYNTAX_ERROR';
}

export function mapPreflightChannel(row: Row): PreflightReplicaChannel {
  const usingGtid = statusText(row, 'Using_Gtid');
  const auto = statusText(row, 'Auto_Position');
  return {
    ...mapReplicaChannel(row),
    usingGtid: usingGtid === '' ? null : usingGtid,
    autoPosition: auto === '' ? null : auto === '1',
  };
}

async function channels(s: Session, flavor: 'mysql' | 'mariadb'): Promise<PreflightReplicaChannel[]> {
  const attempts = flavor === 'mariadb' ? ['SHOW ALL SLAVES STATUS', 'SHOW SLAVE STATUS'] : ['SHOW REPLICA STATUS', 'SHOW SLAVE STATUS'];
  for (let i = 0; i < attempts.length; i++) {
    try {
      return (await s.query(attempts[i]!)).map(mapPreflightChannel);
    } catch (err) {
      if (i === attempts.length - 1 || !isSyntaxError(err)) throw err;
    }
  }
  return [];
}

export async function readMysqlFamilyPreflight(s: Session, flavor: 'mysql' | 'mariadb'): Promise<MysqlFamilyPreflightFacts> {
  const rows = await s.query({
    sql: `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${VARIABLES.map(() => '?').join(', ')})`,
    params: [...VARIABLES],
  });
  const variables: Record<string, string> = {};
  for (const r of rows) variables[statusText(r, 'Variable_name').toLowerCase()] = statusText(r, 'Value');
  const temp = parseOpenTempTables(
    await s.query("SHOW GLOBAL STATUS WHERE Variable_name IN ('Slave_open_temp_tables', 'Replica_open_temp_tables')"),
  );
  return { variables, channels: await channels(s, flavor), openTempTables: temp, binlogStart: await binlogStart(s, flavor, variables) };
}

async function binlogStart(s: Session, flavor: 'mysql' | 'mariadb', variables: Readonly<Record<string, string>>): Promise<string | null> {
  if (flavor === 'mysql') return variables['gtid_purged'] ?? null;
  try {
    const oldest = (await s.query('SHOW BINARY LOGS'))[0];
    if (!oldest) return null;
    const file = statusText(oldest, 'Log_name');
    const rows = await s.query({ sql: 'SELECT BINLOG_GTID_POS(?, 4) AS pos', params: [file] });
    const v = rows[0]?.['pos'];
    return v === null || v === undefined ? null : String(v);
  } catch {
    return null;
  }
}

/**
 * The GTID state as late as possible: read on the primary after every replica was read, so a
 * transaction committed meanwhile can only make the primary look ahead, never a replica look
 * errant. MariaDB: gtid_binlog_state (every domain-server pair, not just the last per domain);
 * MySQL: gtid_executed.
 */
export async function readMysqlFamilyGtidState(s: Session, flavor: 'mysql' | 'mariadb'): Promise<string> {
  const rows = await s.query(flavor === 'mariadb' ? 'SELECT @@GLOBAL.gtid_binlog_state AS g' : 'SELECT @@GLOBAL.gtid_executed AS g');
  const v = rows[0]?.['g'];
  return v === null || v === undefined ? '' : Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

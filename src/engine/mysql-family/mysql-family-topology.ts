/**
 * What `syncpoint topology` shows about a MySQL or MariaDB server beyond the replication probe:
 * read_only, binlog format, GTID mode. SHOW GLOBAL VARIABLES WHERE ... tolerates variables a
 * version lacks (gtid_mode on MariaDB, super_read_only on MariaDB), where @@name would fail.
 */
import type { Session } from '../engine.js';
import type { Row } from '../types.js';
import { driverErrorCode } from './mysql-family-errors.js';

export interface MysqlFamilyNodeFacts {
  readonly readOnly: boolean;
  readonly superReadOnly: boolean | null;
  readonly logBin: boolean;
  readonly binlogFormat: string | null;
  readonly logReplicaUpdates: boolean | null;
  readonly serverId: number | null;
  /** MySQL: gtid_mode; MariaDB: the replica's Using_Gtid, or "always on" with gtid_strict_mode for a primary. */
  readonly gtidMode: string | null;
}

const TOPOLOGY_VARIABLES = ['read_only', 'super_read_only', 'log_bin', 'binlog_format', 'log_slave_updates', 'log_replica_updates', 'server_id', 'gtid_mode', 'gtid_strict_mode'];

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

function field(row: Row, name: string): string {
  const k = Object.keys(row).find((x) => x.toLowerCase() === name.toLowerCase());
  return k === undefined ? '' : text(row[k]);
}

const on = (v: string | undefined) => v !== undefined && ['ON', '1', 'YES', 'TRUE'].includes(v.toUpperCase());

export function mapNodeFacts(flavor: 'mysql' | 'mariadb', variableRows: readonly Row[], replicaRow: Row | null): MysqlFamilyNodeFacts {
  const vars = new Map<string, string>();
  for (const r of variableRows) vars.set(field(r, 'Variable_name').toLowerCase(), field(r, 'Value'));
  let gtidMode: string | null;
  if (flavor === 'mysql') {
    gtidMode = vars.get('gtid_mode') ?? null;
    if (replicaRow && gtidMode) {
      const auto = field(replicaRow, 'Auto_Position');
      if (auto !== '') gtidMode += auto === '1' ? ' (auto-position)' : ' (file coordinates)';
    }
  } else {
    // MariaDB always writes GTIDs; what varies is whether a replica connects by GTID.
    const strict = on(vars.get('gtid_strict_mode')) ? ', strict' : '';
    const using = replicaRow ? field(replicaRow, 'Using_Gtid') : '';
    gtidMode = replicaRow ? `Using_Gtid=${using || 'No'}${strict}` : `always${strict}`;
  }
  const serverId = Number(vars.get('server_id'));
  const lru = vars.get('log_replica_updates') ?? vars.get('log_slave_updates');
  return Object.freeze({
    readOnly: on(vars.get('read_only')),
    superReadOnly: vars.has('super_read_only') ? on(vars.get('super_read_only')) : null,
    logBin: on(vars.get('log_bin')),
    binlogFormat: vars.get('binlog_format')?.toUpperCase() || null,
    logReplicaUpdates: lru === undefined ? null : on(lru),
    serverId: Number.isInteger(serverId) ? serverId : null,
    gtidMode,
  });
}

function isSyntaxError(err: unknown): boolean {
  const code = driverErrorCode((err as { cause?: unknown })?.cause ?? err);
  return code === 'ER_PARSE_ERROR' || code === 'ER_SYNTAX_ERROR';
}

export async function readMysqlFamilyNodeFacts(s: Session, flavor: 'mysql' | 'mariadb'): Promise<MysqlFamilyNodeFacts> {
  const vars = await s.query({
    sql: `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${TOPOLOGY_VARIABLES.map(() => '?').join(', ')})`,
    params: TOPOLOGY_VARIABLES,
  });
  let status: Row[];
  try {
    // MySQL 8.4 removed the SLAVE spelling; MariaDB and MySQL < 8.0.22 lack the REPLICA one.
    status = await s.query(flavor === 'mysql' ? 'SHOW REPLICA STATUS' : 'SHOW SLAVE STATUS');
  } catch (err) {
    if (!isSyntaxError(err)) throw err;
    status = await s.query('SHOW SLAVE STATUS');
  }
  return mapNodeFacts(flavor, vars, status[0] ?? null);
}

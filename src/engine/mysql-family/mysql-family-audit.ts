/**
 * Audit reads for `syncpoint risks` on MySQL and MariaDB: variables, status, replication
 * connections with their filters, binlog filters, auto-increment tables, accounts with write
 * privileges, routines and triggers, binary-log events and statement digests. Each function takes
 * a Session and returns neutral objects; a read the server refuses (privileges, versions) throws,
 * and the caller records it as a gap.
 */
import type { Session } from '../engine.js';
import { displayName, type Row } from '../types.js';
import { driverErrorCode } from './mysql-family-errors.js';
import { EXCLUDED_SCHEMAS } from './mysql-family-introspector.js';

/** The server did not understand the statement (an older or newer spelling is needed). */
function isSyntaxError(err: unknown): boolean {
  const code = driverErrorCode((err as { cause?: unknown })?.cause ?? err);
  return code === 'ER_PARSE_ERROR' || code === 'ER_SYNTAX_ERROR';
}

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

/** Case-insensitive field read (information_schema names come upper case on MySQL 8). */
function field(row: Row, name: string): unknown {
  if (name in row) return row[name];
  const found = Object.keys(row).find((k) => k.toLowerCase() === name.toLowerCase());
  return found === undefined ? undefined : row[found];
}

function nameValueMap(rows: readonly Row[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of rows) out[text(field(r, 'Variable_name')).toLowerCase()] = text(field(r, 'Value'));
  return out;
}

export async function auditVariables(s: Session): Promise<Record<string, string>> {
  return nameValueMap(await s.query('SHOW GLOBAL VARIABLES'));
}

/** The status counters the rules read (all of SHOW GLOBAL STATUS is ~500 rows of noise). */
export async function auditStatus(s: Session): Promise<Record<string, string>> {
  return nameValueMap(
    await s.query(
      "SHOW GLOBAL STATUS WHERE Variable_name IN ('Slave_open_temp_tables', 'Replica_open_temp_tables', 'Slave_running', 'Uptime', 'Slave_retried_transactions', 'Replica_retried_transactions')",
    ),
  );
}

/** One replication connection of a replica (MariaDB multi-source has several). */
export interface AuditReplicaChannel {
  /** '' for the default connection/channel. */
  readonly name: string;
  readonly ioRunning: boolean;
  readonly sqlRunning: boolean;
  readonly ioError: string | null;
  readonly sqlError: string | null;
  readonly lagSeconds: number | null;
  readonly sourceHost: string | null;
  readonly sourcePort: number | null;
  /** Replicate_Do_DB, Replicate_Ignore_DB, ... as the server prints them ('' when unset). */
  readonly filters: Readonly<Record<string, string>>;
  /** Statements left to skip (sql_slave_skip_counter / Skip_Counter). */
  readonly skipCounter: number;
}

const FILTER_COLUMNS: readonly (readonly [string, string])[] = [
  ['replicate_do_db', 'Replicate_Do_DB'],
  ['replicate_ignore_db', 'Replicate_Ignore_DB'],
  ['replicate_do_table', 'Replicate_Do_Table'],
  ['replicate_ignore_table', 'Replicate_Ignore_Table'],
  ['replicate_wild_do_table', 'Replicate_Wild_Do_Table'],
  ['replicate_wild_ignore_table', 'Replicate_Wild_Ignore_Table'],
  ['replicate_rewrite_db', 'Replicate_Rewrite_DB'],
  ['replicate_do_domain_ids', 'Replicate_Do_Domain_Ids'],
  ['replicate_ignore_domain_ids', 'Replicate_Ignore_Domain_Ids'],
  ['replicate_ignore_server_ids', 'Replicate_Ignore_Server_Ids'],
];

const pickText = (row: Row, ...names: string[]) => {
  for (const n of names) {
    const v = field(row, n);
    if (v !== undefined) return text(v);
  }
  return '';
};

function intOrNull(v: string): number | null {
  if (v === '' || v.toUpperCase() === 'NULL') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

export function mapReplicaChannel(row: Row): AuditReplicaChannel {
  const filters: Record<string, string> = {};
  for (const [key, col] of FILTER_COLUMNS) {
    const v = field(row, col);
    if (v !== undefined) filters[key] = text(v);
  }
  const ioErrno = pickText(row, 'Last_IO_Errno');
  const sqlErrno = pickText(row, 'Last_SQL_Errno');
  const ioErr = pickText(row, 'Last_IO_Error');
  const sqlErr = pickText(row, 'Last_SQL_Error');
  return {
    name: pickText(row, 'Connection_name', 'Channel_Name'),
    ioRunning: pickText(row, 'Slave_IO_Running', 'Replica_IO_Running') === 'Yes',
    sqlRunning: pickText(row, 'Slave_SQL_Running', 'Replica_SQL_Running') === 'Yes',
    ioError: ioErr ? `error ${ioErrno}: ${ioErr.replace(/\s+/g, ' ')}` : null,
    sqlError: sqlErr ? `error ${sqlErrno}: ${sqlErr.replace(/\s+/g, ' ')}` : null,
    lagSeconds: intOrNull(pickText(row, 'Seconds_Behind_Master', 'Seconds_Behind_Source')),
    sourceHost: pickText(row, 'Master_Host', 'Source_Host') || null,
    sourcePort: intOrNull(pickText(row, 'Master_Port', 'Source_Port')),
    filters,
    skipCounter: intOrNull(pickText(row, 'Skip_Counter')) ?? 0,
  };
}

/** Every replication connection: MariaDB SHOW ALL SLAVES STATUS (multi-source), MySQL SHOW REPLICA STATUS (8.0.22+) or SHOW SLAVE STATUS. */
export async function auditReplicaChannels(s: Session, flavor: 'mysql' | 'mariadb'): Promise<AuditReplicaChannel[]> {
  const attempts = flavor === 'mariadb' ? ['SHOW ALL SLAVES STATUS', 'SHOW SLAVE STATUS'] : ['SHOW REPLICA STATUS', 'SHOW SLAVE STATUS'];
  for (let i = 0; i < attempts.length; i++) {
    try {
      return (await s.query(attempts[i]!)).map(mapReplicaChannel);
    } catch (err) {
      if (i === attempts.length - 1 || !isSyntaxError(err)) throw err;
    }
  }
  return [];
}

export interface AuditBinlogStatus {
  readonly file: string;
  readonly position: number;
  readonly doDb: string;
  readonly ignoreDb: string;
}

/** SHOW MASTER STATUS (SHOW BINARY LOG STATUS on MySQL 8.2+); null when binary logging is off. */
export async function auditBinlogStatus(s: Session): Promise<AuditBinlogStatus | null> {
  let rows: Row[];
  try {
    rows = await s.query('SHOW MASTER STATUS');
  } catch (err) {
    if (!isSyntaxError(err)) throw err;
    rows = await s.query('SHOW BINARY LOG STATUS');
  }
  const r = rows[0];
  if (!r) return null;
  return { file: pickText(r, 'File'), position: Number(pickText(r, 'Position')) || 0, doDb: pickText(r, 'Binlog_Do_DB'), ignoreDb: pickText(r, 'Binlog_Ignore_DB') };
}

const excluded = () => ({ sql: EXCLUDED_SCHEMAS.map(() => '?').join(', '), params: [...EXCLUDED_SCHEMAS] });

/** "db.table" of user tables with an AUTO_INCREMENT column. */
export async function auditAutoIncrementTables(s: Session): Promise<string[]> {
  const ex = excluded();
  const rows = await s.query({
    sql: `SELECT DISTINCT TABLE_SCHEMA AS s, TABLE_NAME AS t FROM information_schema.COLUMNS WHERE EXTRA LIKE '%auto_increment%' AND TABLE_SCHEMA NOT IN (${ex.sql})`,
    params: ex.params,
  });
  // As TableInfo.qualified shows them, which the rules compare with.
  return rows.map((r) => displayName(text(field(r, 's')), text(field(r, 't')), '`'));
}

/** Privileges that change data or schema, and those that let an account write despite read_only. */
export const WRITE_PRIVILEGES: readonly string[] = Object.freeze([
  'INSERT', 'UPDATE', 'DELETE', 'CREATE', 'DROP', 'ALTER', 'INDEX', 'CREATE VIEW', 'CREATE ROUTINE', 'ALTER ROUTINE', 'TRIGGER', 'EVENT', 'DELETE HISTORY', 'REFERENCES',
]);
export const READ_ONLY_BYPASS_PRIVILEGES: readonly string[] = Object.freeze(['SUPER', 'READ_ONLY ADMIN', 'CONNECTION_ADMIN', 'CONNECTION ADMIN']);

export interface AuditAccount {
  readonly name: string;
  readonly privileges: { scope: string; privilege: string }[];
  grantOption: boolean;
}

/** "'app'@'%'" -> "app@%". */
export function grantee(g: string): string {
  const m = /^'((?:[^']|'')*)'@'((?:[^']|'')*)'$/.exec(g);
  return m ? `${m[1]!.replace(/''/g, "'")}@${m[2]!.replace(/''/g, "'")}` : g.replace(/'/g, '');
}

/**
 * Accounts and their write-capable privileges at global, database and table level. What
 * information_schema shows depends on the caller's privileges: without SELECT on the mysql
 * database only the caller's own grants are listed.
 */
export async function auditAccounts(s: Session): Promise<AuditAccount[]> {
  const wanted = [...WRITE_PRIVILEGES, ...READ_ONLY_BYPASS_PRIVILEGES, 'ALL PRIVILEGES', 'CREATE USER', 'GRANT OPTION'];
  const marks = wanted.map(() => '?').join(', ');
  const rows = await s.query({
    sql:
      `SELECT GRANTEE AS g, '*.*' AS scope, PRIVILEGE_TYPE AS p, IS_GRANTABLE AS gr FROM information_schema.USER_PRIVILEGES WHERE PRIVILEGE_TYPE IN (${marks}) ` +
      `UNION ALL SELECT GRANTEE, CONCAT(TABLE_SCHEMA, '.*'), PRIVILEGE_TYPE, IS_GRANTABLE FROM information_schema.SCHEMA_PRIVILEGES WHERE PRIVILEGE_TYPE IN (${marks}) ` +
      `UNION ALL SELECT GRANTEE, CONCAT(TABLE_SCHEMA, '.', TABLE_NAME), PRIVILEGE_TYPE, IS_GRANTABLE FROM information_schema.TABLE_PRIVILEGES WHERE PRIVILEGE_TYPE IN (${marks})`,
    params: [...wanted, ...wanted, ...wanted],
  });
  const byName = new Map<string, AuditAccount>();
  for (const r of rows) {
    const name = grantee(text(field(r, 'g')));
    const acc = byName.get(name) ?? { name, privileges: [], grantOption: false };
    const priv = text(field(r, 'p')).toUpperCase();
    if (priv === 'GRANT OPTION' || text(field(r, 'gr')).toUpperCase() === 'YES') acc.grantOption = true;
    if (priv !== 'GRANT OPTION') acc.privileges.push({ scope: text(field(r, 'scope')), privilege: priv });
    byName.set(name, acc);
  }
  return [...byName.values()];
}

export interface AuditRoutine {
  readonly schema: string;
  readonly name: string;
  readonly kind: 'FUNCTION' | 'PROCEDURE' | 'TRIGGER';
  readonly deterministic: boolean | null;
  readonly body: string | null;
  readonly table: string | null;
}

/** Stored functions, procedures and triggers of user schemas; bodies are NULL without the privilege to see them. */
export async function auditRoutines(s: Session): Promise<AuditRoutine[]> {
  const ex = excluded();
  const routines = await s.query({
    sql: `SELECT ROUTINE_SCHEMA AS s, ROUTINE_NAME AS n, ROUTINE_TYPE AS k, IS_DETERMINISTIC AS d, ROUTINE_DEFINITION AS b FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA NOT IN (${ex.sql})`,
    params: ex.params,
  });
  const triggers = await s.query({
    sql: `SELECT TRIGGER_SCHEMA AS s, TRIGGER_NAME AS n, EVENT_OBJECT_TABLE AS t, ACTION_STATEMENT AS b FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA NOT IN (${ex.sql})`,
    params: ex.params,
  });
  return [
    ...routines.map((r) => ({
      schema: text(field(r, 's')),
      name: text(field(r, 'n')),
      kind: (text(field(r, 'k')).toUpperCase() === 'PROCEDURE' ? 'PROCEDURE' : 'FUNCTION') as 'FUNCTION' | 'PROCEDURE',
      deterministic: text(field(r, 'd')).toUpperCase() === 'YES',
      body: field(r, 'b') === null || field(r, 'b') === undefined ? null : text(field(r, 'b')),
      table: null,
    })),
    ...triggers.map((r) => ({
      schema: text(field(r, 's')),
      name: text(field(r, 'n')),
      kind: 'TRIGGER' as const,
      deterministic: null,
      body: field(r, 'b') === null || field(r, 'b') === undefined ? null : text(field(r, 'b')),
      table: text(field(r, 't')),
    })),
  ];
}

export interface AuditBinlogEvent {
  readonly file: string;
  readonly pos: number;
  readonly type: string;
  readonly info: string;
}

/**
 * The newest events of the server's binary logs, at most `maxEvents`, oldest first, whole files
 * only back to where the budget runs out (a transaction never spans files). SHOW BINLOG EVENTS
 * needs BINLOG MONITOR (MariaDB) / REPLICATION SLAVE (MySQL).
 */
export async function auditBinlogEvents(s: Session, maxEvents: number): Promise<{ events: AuditBinlogEvent[]; files: string[]; truncated: boolean }> {
  const logs = (await s.query('SHOW BINARY LOGS')).map((r) => text(field(r, 'Log_name')));
  const chosen: { file: string; rows: Row[] }[] = [];
  let budget = maxEvents;
  let truncated = false;
  for (let i = logs.length - 1; i >= 0 && budget > 0; i--) {
    const file = logs[i]!;
    // The file name is bound as a string literal: SHOW statements take no placeholders in every version.
    const quoted = `'${file.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
    const rows = await s.query(`SHOW BINLOG EVENTS IN ${quoted} LIMIT ${budget + 1}`);
    if (rows.length > budget) {
      truncated = true;
      // A file only partly read would start mid-history; keep it only if it is the newest one.
      if (chosen.length === 0) chosen.push({ file, rows: rows.slice(0, budget) });
      break;
    }
    chosen.push({ file, rows });
    budget -= rows.length;
    if (i > 0 && budget <= 0) truncated = true;
  }
  chosen.reverse();
  return {
    events: chosen.flatMap((c) =>
      c.rows.map((r) => ({ file: text(field(r, 'Log_name')) || c.file, pos: Number(text(field(r, 'Pos'))) || 0, type: text(field(r, 'Event_type')), info: text(field(r, 'Info')) })),
    ),
    files: chosen.map((c) => c.file),
    truncated,
  };
}

export interface AuditDigest {
  readonly schema: string | null;
  readonly text: string;
  readonly count: number;
}

/**
 * Statement digests from performance_schema (when it is on): the sample text where the server
 * keeps one (MySQL 8 QUERY_SAMPLE_TEXT), else the normalized digest text ("?" for literals).
 */
export async function auditStatementDigests(s: Session, limit: number): Promise<AuditDigest[]> {
  const rows = await s.query(
    `SELECT * FROM performance_schema.events_statements_summary_by_digest WHERE DIGEST_TEXT IS NOT NULL ORDER BY COUNT_STAR DESC LIMIT ${Math.max(1, Math.floor(limit))}`,
  );
  return rows.map((r) => {
    const sample = text(field(r, 'QUERY_SAMPLE_TEXT'));
    const digest = text(field(r, 'DIGEST_TEXT'));
    const schema = text(field(r, 'SCHEMA_NAME'));
    return { schema: schema || null, text: sample && !sample.endsWith('...') ? sample : digest, count: Number(text(field(r, 'COUNT_STAR'))) || 1 };
  });
}

/**
 * The SQL `syncpoint clone` needs on MySQL and MariaDB (DOMAIN.md §5): stopping and starting the
 * replication threads, open temporary tables, the executed coordinates, a clean SHUTDOWN, the
 * source's replication settings, and pointing a new replica at a recorded position. Plus the
 * file-level facts only this flavor family has (master.info). Pure builders and parsers are
 * exported for unit tests; the async readers take an engine Session.
 */
import type { Session } from '../engine.js';
import { parseMariadbGtid, parseMysqlGtidSet, type Position } from '../position.js';
import type { Row, Sql } from '../types.js';
import { parseServerVersion, versionAtLeast, type ServerVersion } from './mysql-family-flavor.js';
import { parseOpenTempTables, statusText } from './mysql-family-replica-status.js';

export type MysqlFamilyFlavorName = 'mysql' | 'mariadb';

/** The spellings that differ by flavor and version (MySQL 8.0.22/8.0.23 renamed SLAVE/MASTER). */
export interface CloneStatements {
  readonly replicaStatus: string;
  readonly stopSqlThread: string;
  readonly startSqlThread: string;
  readonly stopReplica: string;
  readonly startReplica: string;
  readonly resetReplicaAll: string;
  /** CHANGE MASTER TO / CHANGE REPLICATION SOURCE TO */
  readonly changeSource: string;
  /** Option-name prefix inside CHANGE ...: MASTER_ or SOURCE_. */
  readonly optionPrefix: 'MASTER_' | 'SOURCE_';
  readonly replicaHosts: string;
  readonly binlogStatus: string;
}

export function cloneStatements(flavor: MysqlFamilyFlavorName, versionText: string): CloneStatements {
  const v = parseServerVersion(versionText);
  if (flavor === 'mysql' && versionAtLeast(v, 8, 0, 23)) {
    return Object.freeze({
      replicaStatus: 'SHOW REPLICA STATUS',
      stopSqlThread: 'STOP REPLICA SQL_THREAD',
      startSqlThread: 'START REPLICA SQL_THREAD',
      stopReplica: 'STOP REPLICA',
      startReplica: 'START REPLICA',
      resetReplicaAll: 'RESET REPLICA ALL',
      changeSource: 'CHANGE REPLICATION SOURCE TO',
      optionPrefix: 'SOURCE_',
      replicaHosts: 'SHOW REPLICAS',
      binlogStatus: versionAtLeast(v, 8, 2, 0) ? 'SHOW BINARY LOG STATUS' : 'SHOW MASTER STATUS',
    });
  }
  return Object.freeze({
    replicaStatus: 'SHOW SLAVE STATUS',
    stopSqlThread: 'STOP SLAVE SQL_THREAD',
    startSqlThread: 'START SLAVE SQL_THREAD',
    stopReplica: 'STOP SLAVE',
    startReplica: 'START SLAVE',
    resetReplicaAll: 'RESET SLAVE ALL',
    changeSource: 'CHANGE MASTER TO',
    optionPrefix: 'MASTER_',
    replicaHosts: 'SHOW SLAVE HOSTS',
    binlogStatus: 'SHOW MASTER STATUS',
  });
}

const str = (v: unknown): string => (v === null || v === undefined ? '' : Buffer.isBuffer(v) ? v.toString('utf8') : String(v));

// ---- server facts ---------------------------------------------------------------------------

/** Where a server keeps what a data-directory copy must carry, and who it is. */
export interface MysqlServerFacts {
  readonly version: ServerVersion;
  readonly serverId: number;
  /** Absolute, without trailing slash. */
  readonly datadir: string;
  readonly pidFile: string;
  readonly readOnly: boolean;
  readonly logSlaveUpdates: boolean;
  readonly logBin: boolean;
  readonly binlogFormat: string;
  /** Directories that may live outside the datadir (null: the datadir itself). Relative values are resolved against datadir. */
  readonly dirs: {
    readonly innodbDataHome: string | null;
    readonly innodbLogGroupHome: string | null;
    readonly innodbUndo: string | null;
    readonly slaveLoadTmpdir: string | null;
    readonly relayLogBasename: string | null;
    readonly logBinBasename: string | null;
  };
  /** MariaDB gtid_binlog_state / MySQL gtid_executed: what this server's binlog holds. */
  readonly gtidBinlogState: string;
  /** MariaDB gtid_slave_pos ('' on MySQL). */
  readonly gtidSlavePos: string;
  /** MySQL gtid_mode=ON; MariaDB: always true (GTIDs are always there). */
  readonly gtidMode: boolean;
}

// Every variable read at once: a missing one (MySQL lacks gtid_slave_pos, MariaDB lacks
// gtid_mode) reads as NULL through the information_schema/performance_schema-free form below.
const FACT_VARS = [
  'server_id', 'datadir', 'pid_file', 'read_only', 'log_slave_updates', 'log_bin', 'binlog_format',
  'innodb_data_home_dir', 'innodb_log_group_home_dir', 'innodb_undo_directory', 'slave_load_tmpdir',
  'relay_log_basename', 'log_bin_basename', 'gtid_binlog_state', 'gtid_slave_pos', 'gtid_executed', 'gtid_mode', 'version',
] as const;

/** SHOW GLOBAL VARIABLES is readable by every user and simply omits what a flavor lacks. */
export function serverFactsSql(): Sql {
  return { sql: `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${FACT_VARS.map(() => '?').join(', ')})`, params: [...FACT_VARS] };
}

export function parseServerFacts(rows: readonly Row[], flavor: MysqlFamilyFlavorName): MysqlServerFacts {
  const v = new Map<string, string>();
  for (const r of rows) v.set(statusText(r, 'Variable_name').toLowerCase(), statusText(r, 'Value'));
  const get = (k: string) => v.get(k) ?? '';
  const opt = (k: string) => (get(k) === '' ? null : get(k));
  const on = (k: string) => ['ON', '1', 'YES', 'TRUE'].includes(get(k).toUpperCase());
  const datadir = get('datadir').replace(/\/+$/, '') || '/';
  return Object.freeze({
    version: parseServerVersion(get('version')),
    serverId: Number(get('server_id')),
    datadir,
    pidFile: get('pid_file'),
    readOnly: on('read_only'),
    logSlaveUpdates: on('log_slave_updates'),
    logBin: on('log_bin'),
    binlogFormat: get('binlog_format'),
    dirs: Object.freeze({
      innodbDataHome: opt('innodb_data_home_dir'),
      innodbLogGroupHome: opt('innodb_log_group_home_dir'),
      innodbUndo: opt('innodb_undo_directory'),
      slaveLoadTmpdir: opt('slave_load_tmpdir'),
      relayLogBasename: opt('relay_log_basename'),
      logBinBasename: opt('log_bin_basename'),
    }),
    gtidBinlogState: flavor === 'mariadb' ? get('gtid_binlog_state') : get('gtid_executed').replace(/\s+/g, ''),
    gtidSlavePos: flavor === 'mariadb' ? get('gtid_slave_pos') : '',
    gtidMode: flavor === 'mariadb' ? true : get('gtid_mode').toUpperCase() === 'ON',
  });
}

export async function readServerFacts(s: Session, flavor: MysqlFamilyFlavorName): Promise<MysqlServerFacts> {
  return parseServerFacts(await s.query(serverFactsSql()), flavor);
}

/** Server ids of the replicas registered with this server (SHOW SLAVE HOSTS / SHOW REPLICAS). */
export async function registeredReplicaIds(s: Session, st: CloneStatements): Promise<number[]> {
  const rows = await s.query(st.replicaHosts);
  return rows.map((r) => Number(statusText(r, 'Server_id', 'Server_Id'))).filter((n) => Number.isInteger(n) && n > 0);
}

// ---- replication status and settings ---------------------------------------------------------

/** What the new replica needs to replicate like the source does (no password: see readReplicationPassword). */
export interface ReplicationSettings {
  readonly host: string;
  readonly port: number;
  /** Master_Server_Id: the server the source replicates from (null when not shown). */
  readonly sourceServerId: number | null;
  readonly user: string;
  readonly connectRetry: number | null;
  readonly usingGtid: boolean;
  readonly ssl: {
    readonly enabled: boolean;
    readonly ca: string;
    readonly caPath: string;
    readonly cert: string;
    readonly cipher: string;
    readonly key: string;
    readonly verifyServerCert: boolean;
  };
  /** Replicate_* filters in force on the source (server options the target's configuration must repeat). */
  readonly filters: readonly string[];
  /** IGNORE_SERVER_IDS of the source's connection (carried to the new replica). */
  readonly ignoreServerIds: readonly number[];
  /** MariaDB DO_DOMAIN_IDS / IGNORE_DOMAIN_IDS of the source's connection (carried to the new replica). */
  readonly doDomainIds: readonly number[];
  readonly ignoreDomainIds: readonly number[];
  /** MASTER_DELAY (SQL_Delay) of the source's connection, seconds; 0 when none. */
  readonly delaySeconds: number;
  /** Multi-source (MariaDB named connections, MySQL channels): more than one connection. */
  readonly connections: number;
}

/** Server options (my.cnf), not part of a connection's settings: the target's configuration must repeat them. */
const FILTER_FIELDS = [
  'Replicate_Do_DB', 'Replicate_Ignore_DB', 'Replicate_Do_Table', 'Replicate_Ignore_Table',
  'Replicate_Wild_Do_Table', 'Replicate_Wild_Ignore_Table', 'Replicate_Rewrite_DB',
];

/** "2, 3" / "2,3" -> [2, 3]; '' -> []. */
function idList(text: string): number[] {
  return text.split(/[\s,]+/).filter((x) => /^\d+$/.test(x)).map(Number);
}

export function parseReplicationSettings(rows: readonly Row[]): ReplicationSettings | null {
  const row = rows[0];
  if (!row) return null;
  const usingGtid = statusText(row, 'Using_Gtid');
  const autoPosition = statusText(row, 'Auto_Position');
  const yes = (x: string) => ['yes', '1', 'on'].includes(x.toLowerCase());
  return Object.freeze({
    host: statusText(row, 'Master_Host', 'Source_Host'),
    port: Number(statusText(row, 'Master_Port', 'Source_Port')),
    sourceServerId: /^\d+$/.test(statusText(row, 'Master_Server_Id', 'Source_Server_Id')) ? Number(statusText(row, 'Master_Server_Id', 'Source_Server_Id')) : null,
    user: statusText(row, 'Master_User', 'Source_User'),
    connectRetry: statusText(row, 'Connect_Retry') === '' ? null : Number(statusText(row, 'Connect_Retry')),
    // MariaDB: Using_Gtid Slave_Pos/Current_Pos/No; MySQL: Auto_Position 1/0.
    usingGtid: usingGtid !== '' ? usingGtid.toLowerCase() !== 'no' : autoPosition === '1',
    ssl: Object.freeze({
      enabled: yes(statusText(row, 'Master_SSL_Allowed', 'Source_SSL_Allowed')),
      ca: statusText(row, 'Master_SSL_CA_File', 'Source_SSL_CA_File'),
      caPath: statusText(row, 'Master_SSL_CA_Path', 'Source_SSL_CA_Path'),
      cert: statusText(row, 'Master_SSL_Cert', 'Source_SSL_Cert'),
      cipher: statusText(row, 'Master_SSL_Cipher', 'Source_SSL_Cipher'),
      key: statusText(row, 'Master_SSL_Key', 'Source_SSL_Key'),
      verifyServerCert: yes(statusText(row, 'Master_SSL_Verify_Server_Cert', 'Source_SSL_Verify_Server_Cert')),
    }),
    filters: Object.freeze(FILTER_FIELDS.map((f) => [f, statusText(row, f)] as const).filter(([, v]) => v !== '').map(([f, v]) => `${f}=${v}`)),
    ignoreServerIds: Object.freeze(idList(statusText(row, 'Replicate_Ignore_Server_Ids'))),
    doDomainIds: Object.freeze(idList(statusText(row, 'Replicate_Do_Domain_Ids'))),
    ignoreDomainIds: Object.freeze(idList(statusText(row, 'Replicate_Ignore_Domain_Ids'))),
    delaySeconds: Number(statusText(row, 'SQL_Delay')) || 0,
    connections: rows.length,
  });
}

export async function readReplicationSettings(s: Session, st: CloneStatements): Promise<ReplicationSettings | null> {
  return parseReplicationSettings(await s.query(st.replicaStatus));
}

/**
 * master.info (MariaDB, MySQL with master_info_repository=FILE): line 1 is the number of lines,
 * then log name, position, host, user, password, port (MySQL's documented order, which MariaDB
 * keeps). The only place the replication password is kept; SHOW SLAVE STATUS never shows it.
 */
export function parseMasterInfo(text: string): { host: string; user: string; password: string; port: number } | null {
  const lines = text.split('\n');
  if (lines.length < 7 || !/^\d+$/.test(lines[0]!.trim())) return null;
  const port = Number(lines[6]);
  if (!Number.isInteger(port)) return null;
  return { host: lines[3] ?? '', user: lines[4] ?? '', password: lines[5] ?? '', port };
}

/** MySQL with master_info_repository=TABLE (the 8.0 default): the default channel's stored credentials. */
export async function readReplicationPasswordFromTable(s: Session): Promise<{ user: string; password: string } | null> {
  try {
    const rows = await s.query("SELECT User_name AS user, User_password AS password FROM mysql.slave_master_info WHERE Channel_name = ''");
    const r = rows[0];
    return r ? { user: str(r['user']), password: str(r['password']) } : null;
  } catch {
    // No such table (MariaDB) or no SELECT on mysql.*: the caller falls back to master.info.
    return null;
  }
}

export interface ReplicaThreads {
  readonly io: string;
  readonly sql: string;
  readonly lastError: string | null;
}

export function parseReplicaThreads(rows: readonly Row[]): ReplicaThreads | null {
  const row = rows[0];
  if (!row) return null;
  const sqlErr = statusText(row, 'Last_SQL_Error');
  const ioErr = statusText(row, 'Last_IO_Error');
  return {
    io: statusText(row, 'Slave_IO_Running', 'Replica_IO_Running'),
    sql: statusText(row, 'Slave_SQL_Running', 'Replica_SQL_Running'),
    lastError: sqlErr ? `SQL thread: ${sqlErr}` : ioErr ? `IO thread: ${ioErr}` : null,
  };
}

export async function readReplicaThreads(s: Session, st: CloneStatements): Promise<ReplicaThreads | null> {
  return parseReplicaThreads(await s.query(st.replicaStatus));
}

/** Slave_open_temp_tables (Replica_open_temp_tables on MySQL 8.0.26+): temporary tables the SQL thread holds. */
export async function openTempTables(s: Session): Promise<number> {
  const n = parseOpenTempTables(await s.query("SHOW GLOBAL STATUS WHERE Variable_name IN ('Slave_open_temp_tables', 'Replica_open_temp_tables')"));
  return n ?? 0;
}

// ---- the recorded position -------------------------------------------------------------------

/** What a stopped replica has executed, in its primary's terms. */
export interface ExecutedCoordinates {
  /** Relay_Master_Log_File / Exec_Master_Log_Pos: executed, in the primary's binlog. */
  readonly file: string;
  readonly pos: bigint;
  /** MariaDB gtid_slave_pos, MySQL Executed_Gtid_Set; '' when the flavor has none. */
  readonly gtid: string;
  readonly gtidPosition: Position | null;
}

export function parseExecutedCoordinates(statusRows: readonly Row[], gtidText: string, flavor: MysqlFamilyFlavorName, gtidMode: boolean): ExecutedCoordinates | null {
  const row = statusRows[0];
  if (!row) return null;
  const file = statusText(row, 'Relay_Master_Log_File', 'Relay_Source_Log_File');
  const pos = statusText(row, 'Exec_Master_Log_Pos', 'Exec_Source_Log_Pos');
  if (!file || !/^\d+$/.test(pos)) return null;
  const gtid = flavor === 'mariadb' ? gtidText.trim() : gtidMode ? statusText(row, 'Executed_Gtid_Set').replace(/\s+/g, '') : '';
  let gtidPosition: Position | null = null;
  if (gtid) gtidPosition = flavor === 'mariadb' ? parseMariadbGtid(gtid) : parseMysqlGtidSet(gtid);
  return Object.freeze({ file, pos: BigInt(pos), gtid, gtidPosition });
}

export async function readExecutedCoordinates(s: Session, st: CloneStatements, flavor: MysqlFamilyFlavorName, gtidMode: boolean): Promise<ExecutedCoordinates | null> {
  const status = await s.query(st.replicaStatus);
  const gtid = flavor === 'mariadb' ? str((await s.query('SELECT @@GLOBAL.gtid_slave_pos AS pos'))[0]?.['pos']) : '';
  return parseExecutedCoordinates(status, gtid, flavor, gtidMode);
}

/** The primary's own binlog coordinates now (file mode catch-up target). */
export async function binlogCoordinates(s: Session, st: CloneStatements): Promise<{ file: string; pos: bigint } | null> {
  const r = (await s.query(st.binlogStatus))[0];
  if (!r) return null;
  const file = statusText(r, 'File');
  const pos = statusText(r, 'Position');
  return file && /^\d+$/.test(pos) ? { file, pos: BigInt(pos) } : null;
}

// ---- errant transactions -----------------------------------------------------------------------

/**
 * MariaDB: each domain-server pair in the source's gtid_binlog_state must be covered by the
 * primary's (same pair, sequence at least as high); anything else was written on the source (or
 * on a server the primary never heard of) and a clone would spread it.
 */
export function mariadbErrantGtids(sourceBinlogState: string, primaryBinlogState: string): string[] {
  const parse = (text: string) => {
    const m = new Map<string, bigint>();
    for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
      const x = /^(\d+)-(\d+)-(\d+)$/.exec(part);
      if (x) m.set(`${x[1]}-${x[2]}`, BigInt(x[3]!));
    }
    return m;
  };
  const src = parse(sourceBinlogState);
  const pri = parse(primaryBinlogState);
  const out: string[] = [];
  for (const [pair, seq] of src) {
    const p = pri.get(pair);
    if (p === undefined || p < seq) out.push(`${pair}-${seq}`);
  }
  return out;
}

// ---- changing state ---------------------------------------------------------------------------

/** SHUTDOWN (MariaDB 10.0.4+, MySQL 5.7.9+): a clean shutdown; the statement returns before the process exits. */
export const SHUTDOWN_SQL = 'SHUTDOWN';

export async function shutdownServer(s: Session): Promise<void> {
  try {
    await s.query(SHUTDOWN_SQL);
  } catch (err) {
    // The server may close our connection while shutting down: that is success, not failure.
    const kind = (err as { kind?: string }).kind;
    if (kind !== 'connection') throw err;
  }
}

export async function setServerId(s: Session, id: number): Promise<void> {
  await s.query({ sql: 'SET GLOBAL server_id = ?', params: [id] });
}

export async function setReadOnly(s: Session): Promise<void> {
  await s.query('SET GLOBAL read_only = 1');
}

export type TargetStart =
  | { readonly mode: 'gtid'; readonly gtid: string }
  | { readonly mode: 'file'; readonly file: string; readonly pos: bigint };

export interface PointTargetOptions {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly connectRetry: number | null;
  readonly ssl: ReplicationSettings['ssl'] | null;
  readonly start: TargetStart;
  /** The source connection's own settings, repeated (empty lists: none). */
  readonly ignoreServerIds?: readonly number[];
  readonly doDomainIds?: readonly number[];
  readonly ignoreDomainIds?: readonly number[];
}

/**
 * The statements that point a freshly started copy at its primary, in order. MariaDB GTID mode
 * sets gtid_slave_pos explicitly (it is also in the copied mysql.gtid_slave_pos table, but the
 * recorded value is the one the manifest vouches for); MySQL GTID mode uses auto-positioning,
 * which reads the copied gtid_executed.
 */
export function pointTargetSql(flavor: MysqlFamilyFlavorName, st: CloneStatements, o: PointTargetOptions): Sql[] {
  const P = st.optionPrefix;
  const opts: string[] = [`${P}HOST = ?`, `${P}PORT = ${Math.trunc(o.port)}`, `${P}USER = ?`, `${P}PASSWORD = ?`];
  const params: (string | number)[] = [o.host, o.user, o.password];
  if (o.connectRetry !== null && Number.isFinite(o.connectRetry)) opts.push(`${P}CONNECT_RETRY = ${Math.max(1, Math.trunc(o.connectRetry))}`);
  if (o.ssl?.enabled) {
    opts.push(`${P}SSL = 1`);
    for (const [name, value] of [['CA', o.ssl.ca], ['CAPATH', o.ssl.caPath], ['CERT', o.ssl.cert], ['CIPHER', o.ssl.cipher], ['KEY', o.ssl.key]] as const) {
      if (value) {
        opts.push(`${P}SSL_${name} = ?`);
        params.push(value);
      }
    }
    opts.push(`${P}SSL_VERIFY_SERVER_CERT = ${o.ssl.verifyServerCert ? 1 : 0}`);
  }
  const ids = (xs: readonly number[]) => `(${xs.map((x) => Math.trunc(x)).join(', ')})`;
  if (o.ignoreServerIds?.length) opts.push(`IGNORE_SERVER_IDS = ${ids(o.ignoreServerIds)}`);
  if (flavor === 'mariadb' && o.doDomainIds?.length) opts.push(`DO_DOMAIN_IDS = ${ids(o.doDomainIds)}`);
  if (flavor === 'mariadb' && o.ignoreDomainIds?.length) opts.push(`IGNORE_DOMAIN_IDS = ${ids(o.ignoreDomainIds)}`);
  const out: Sql[] = [];
  if (o.start.mode === 'gtid') {
    if (flavor === 'mariadb') {
      out.push({ sql: 'SET GLOBAL gtid_slave_pos = ?', params: [o.start.gtid] });
      opts.push('MASTER_USE_GTID = slave_pos');
    } else {
      opts.push(`${P}AUTO_POSITION = 1`);
    }
  } else {
    opts.push(`${P}LOG_FILE = ?`, `${P}LOG_POS = ${o.start.pos}`);
    params.push(o.start.file);
    if (flavor === 'mariadb') opts.push('MASTER_USE_GTID = no');
  }
  out.push({ sql: `${st.changeSource} ${opts.join(', ')}`, params });
  return out;
}

/** RESET ... ALL first: the copy's replication metadata (MySQL keeps it in tables) must not survive. */
export async function pointTarget(s: Session, flavor: MysqlFamilyFlavorName, st: CloneStatements, o: PointTargetOptions): Promise<void> {
  await s.query(st.stopReplica).catch(() => undefined);
  await s.query(st.resetReplicaAll);
  for (const q of pointTargetSql(flavor, st, o)) await s.query(q);
}

/**
 * Files of the source's data directory that must not reach the copy: process runtime files, and
 * the InnoDB temporary tablespace (removed at a clean shutdown and created anew at startup).
 */
export const MYSQL_FAMILY_COPY_EXCLUDES: readonly string[] = Object.freeze(['/*.pid', '/*.sock', '/*.sock.lock', '/mysql.sock*', '/ibtmp1']);

/** What the clone guardian runs on the source after restarting it for a dead tool: replication back on. */
export function restoreReplicationSql(st: CloneStatements): string[] {
  // START on running threads is a warning ("already running"), not an error.
  return [st.startReplica];
}

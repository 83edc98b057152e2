/**
 * Parsers for replication status rows, pure so they are tested on captured server output.
 * MySQL 8.0.22+ renamed Master/Slave to Source/Replica in SHOW REPLICA STATUS and SHOW REPLICAS;
 * every reader here accepts both spellings.
 */
import { parseBinlogFilePos, type Position } from '../position.js';
import type { ApplyThread, DiscoveredReplica, Row } from '../types.js';

/** First present, non-undefined field among the spellings. */
export function pick(row: Row, ...names: string[]): unknown {
  for (const n of names) if (row[n] !== undefined) return row[n];
  return undefined;
}

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

export function statusText(row: Row, ...names: string[]): string {
  return text(pick(row, ...names));
}

function intOrNull(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** The facts every flavor reads the same way from SHOW SLAVE/REPLICA STATUS. */
export interface ReplicaStatusFacts {
  readonly receiving: boolean;
  readonly applying: boolean;
  readonly lastError: string | null;
  readonly lagSeconds: number | null;
  readonly sourceHost: string | null;
  readonly sourcePort: number | null;
  readonly sourceServerId: number | null;
  /** Relay_Master_Log_File:Exec_Master_Log_Pos (or the Source spelling): executed, in the primary's binlog. */
  readonly executedFilePos: Position | null;
  /** MySQL Executed_Gtid_Set, MariaDB Using_Gtid: raw, for the flavor to interpret. */
  readonly executedGtidSet: string;
  readonly usingGtid: string;
  /** Until_Condition while one is in force ('None', and MySQL's 'DONE' once reached, are not). */
  readonly applyUntil: string | null;
  /** Slave_SQL_Running_State / Replica_SQL_Running_State, null when empty. */
  readonly applyState: string | null;
}

/** A processlist row of a replication thread: ID, STATE, INFO, TIME_MS (read as id, state, statement, elapsed_ms). */
export function parseApplyThread(row: Row): ApplyThread {
  const statement = text(row['statement']).trim();
  const elapsed = row['elapsed_ms'] === null || row['elapsed_ms'] === undefined ? NaN : Number(text(row['elapsed_ms']));
  return { id: Number(row['id']), state: text(row['state']).trim(), statement: statement || null, elapsedMs: Number.isFinite(elapsed) ? elapsed : null };
}

export function parseReplicaStatusRow(row: Row): ReplicaStatusFacts {
  const io = statusText(row, 'Slave_IO_Running', 'Replica_IO_Running');
  const sql = statusText(row, 'Slave_SQL_Running', 'Replica_SQL_Running');
  const sqlErr = statusText(row, 'Last_SQL_Error');
  const ioErr = statusText(row, 'Last_IO_Error');
  const sqlErrno = statusText(row, 'Last_SQL_Errno');
  const ioErrno = statusText(row, 'Last_IO_Errno');
  const lastError = sqlErr
    ? `SQL thread error ${sqlErrno}: ${sqlErr}`
    : ioErr
      ? `IO thread error ${ioErrno}: ${ioErr}`
      : null;
  const file = statusText(row, 'Relay_Master_Log_File', 'Relay_Source_Log_File');
  const pos = statusText(row, 'Exec_Master_Log_Pos', 'Exec_Source_Log_Pos');
  const host = statusText(row, 'Master_Host', 'Source_Host');
  return {
    receiving: io === 'Yes',
    applying: sql === 'Yes',
    lastError: lastError ? lastError.replace(/\s*\n\s*/g, ' ') : null,
    lagSeconds: intOrNull(pick(row, 'Seconds_Behind_Master', 'Seconds_Behind_Source')),
    sourceHost: host || null,
    sourcePort: intOrNull(pick(row, 'Master_Port', 'Source_Port')),
    sourceServerId: intOrNull(pick(row, 'Master_Server_Id', 'Source_Server_Id')),
    executedFilePos: file && /^\d+$/.test(pos) ? parseBinlogFilePos(`${file}:${pos}`) : null,
    executedGtidSet: statusText(row, 'Executed_Gtid_Set'),
    usingGtid: statusText(row, 'Using_Gtid'),
    applyUntil: untilCondition(row),
    applyState: statusText(row, 'Slave_SQL_Running_State', 'Replica_SQL_Running_State').trim() || null,
  };
}

/** Until_Condition while one is in force: null for 'None', '', and MySQL's 'DONE' (reached). */
export function untilCondition(row: Row): string | null {
  const v = statusText(row, 'Until_Condition').trim();
  return v === '' || /^(none|done)$/i.test(v) ? null : v;
}

/** The SQL (apply) thread is running; 'No' once START ... UNTIL has stopped it. */
export function sqlThreadRunning(row: Row): boolean {
  return statusText(row, 'Slave_SQL_Running', 'Replica_SQL_Running') === 'Yes';
}

/** SHOW GLOBAL STATUS rows: Slave_open_temp_tables (MariaDB, MySQL < 8.0.26) or Replica_open_temp_tables. */
export function parseOpenTempTables(rows: readonly Row[]): number | null {
  for (const r of rows) {
    const name = statusText(r, 'Variable_name').toLowerCase();
    if (name === 'slave_open_temp_tables' || name === 'replica_open_temp_tables') return intOrNull(pick(r, 'Value'));
  }
  return null;
}

/** "10.0.0.5:51234" / "[::1]:5123" / "localhost" -> the host part of a PROCESSLIST Host. */
export function processlistHost(host: string): string {
  const bracketed = /^\[(.*)\](?::\d+)?$/.exec(host);
  if (bracketed) return bracketed[1]!;
  const m = /^(.*):(\d+)$/.exec(host);
  // A bare IPv6 address has several colons: only a single one separates a port.
  if (m && !m[1]!.includes(':')) return m[1]!;
  return host;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', 'localhost.localdomain']);
const sameHost = (a: string, b: string) => a.toLowerCase() === b.toLowerCase() || (LOOPBACK.has(a.toLowerCase()) && LOOPBACK.has(b.toLowerCase()));

/**
 * Replicas that reported host and port, plus binlog dump threads not accounted for by them
 * (per host: more dump threads than reported replicas means some did not report).
 */
export function discoveredReplicas(hostRows: readonly Row[], via: string, dumpRows: readonly Row[]): DiscoveredReplica[] {
  const out: DiscoveredReplica[] = [];
  for (const r of hostRows) {
    const host = statusText(r, 'Host');
    const port = intOrNull(pick(r, 'Port'));
    const serverId = statusText(r, 'Server_id', 'Server_Id');
    if (!host) {
      out.push({
        host: `server_id ${serverId}`,
        port: null,
        via,
        problem: 'registered without a host name: set report_host (and report_port) on that replica, or pass it with --replica',
      });
      continue;
    }
    out.push({
      host,
      port: port && port > 0 ? port : null,
      via,
      problem: port && port > 0 ? null : 'reported no port: set report_port on that replica, or pass it with --replica',
    });
  }
  const reported = [...out];
  const used = new Set<DiscoveredReplica>();
  const unmatched: Row[] = [];
  for (const d of dumpRows) {
    const host = processlistHost(statusText(d, 'HOST', 'Host', 'host'));
    const match = reported.find((r) => !used.has(r) && sameHost(r.host, host));
    if (match) used.add(match);
    else unmatched.push(d);
  }
  // A replica may report a name while PROCESSLIST shows its address: only dump threads beyond the
  // number of registered replicas are certainly unreported.
  const surplus = Math.max(0, dumpRows.length - reported.length);
  for (const d of unmatched.slice(0, surplus)) {
    const host = processlistHost(statusText(d, 'HOST', 'Host', 'host'));
    const id = statusText(d, 'ID', 'Id', 'id');
    out.push({
      host,
      port: null,
      via: 'PROCESSLIST binlog dump thread',
      problem:
        `a binlog dump thread (connection ${id}) serves ${host} but no replica there reported its port: ` +
        'set report_host and report_port on that replica, or pass it with --replica (it may also be a binlog reader such as a CDC tool)',
    });
  }
  return out;
}

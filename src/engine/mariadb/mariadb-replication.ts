/**
 * MariaDB positions are domain-server-seq GTID lists. What MariaDB has that MySQL lacks: a
 * consistent snapshot reports the binlog position it corresponds to (Binlog_snapshot_file /
 * Binlog_snapshot_position, consistent with the InnoDB read view since 5.3's group commit), and
 * BINLOG_GTID_POS() turns it into a GTID position.
 */
import { SyncpointError } from '../../errors.js';
import type { Session } from '../engine.js';
import { formatPosition, parseBinlogFilePos, parseMariadbGtid, type Position } from '../position.js';
import type { Row, Sql } from '../types.js';
import { statusText, type ReplicaStatusFacts } from '../mysql-family/mysql-family-replica-status.js';
import type { ReplicationStatements } from '../mysql-family/mysql-family-flavor.js';

function single(rows: readonly Row[], column: string): string {
  const v = rows[0]?.[column];
  if (v === null || v === undefined) return '';
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

export async function mariadbCurrentPosition(s: Session): Promise<Position> {
  return parseMariadbGtid(single(await s.query('SELECT @@GLOBAL.gtid_binlog_pos AS pos'), 'pos'));
}

/**
 * gtid_slave_pos is what the SQL thread has applied from any primary, in the primaries' GTIDs,
 * and it is what MASTER_GTID_WAIT and UNTIL master_gtid_pos act on. A replica connected with
 * MASTER_USE_GTID=no reports file coordinates instead.
 */
export async function mariadbExecutedPosition(s: Session, facts: ReplicaStatusFacts): Promise<Position | null> {
  if (facts.usingGtid !== '' && facts.usingGtid.toLowerCase() !== 'no') {
    return parseMariadbGtid(single(await s.query('SELECT @@GLOBAL.gtid_slave_pos AS pos'), 'pos'));
  }
  return facts.executedFilePos;
}

/**
 * The domains of a GTID `target` this server does not hold yet (null: it holds them all). A
 * domain is held when gtid_slave_pos has reached it (applied from a primary, what
 * MASTER_GTID_WAIT waits on), or when the target's GTID was written by this very server
 * (`ownServerId`) and its binary log holds that server's GTIDs of the domain at or past it
 * (gtid_binlog_state): its own writes, e.g. from when it was the primary, which its new
 * primary's position points at. As gtid_current_pos, only the server's own GTIDs count: a later
 * GTID it wrote itself does not stand for another server's (an errant transaction), nor does a
 * stale entry of another server left in the binlog state from before a RESET MASTER upstream.
 */
export function mariadbNotYetApplied(target: Position, slavePos: string, binlogState: string, ownServerId: number): Position | null {
  if (target.kind !== 'mariadb-gtid') return target;
  const slave = parseMariadbGtid(slavePos);
  const logged = new Map<string, bigint>();
  for (const part of binlogState.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\d+)-(\d+)-(\d+)$/.exec(part);
    if (!m) throw new SyncpointError('server', `cannot parse gtid_binlog_state ${JSON.stringify(binlogState)}`);
    logged.set(`${m[1]}-${m[2]}`, BigInt(m[3]!));
  }
  const left = new Map<number, { serverId: number; seq: bigint }>();
  for (const [d, t] of target.domains) {
    const applied = slave.kind === 'mariadb-gtid' && (slave.domains.get(d)?.seq ?? -1n) >= t.seq;
    const own = t.serverId === ownServerId && (logged.get(`${d}-${t.serverId}`) ?? -1n) >= t.seq;
    if (!applied && !own) left.set(d, t);
  }
  return left.size > 0 ? { kind: 'mariadb-gtid', domains: left } : null;
}

export async function mariadbPending(s: Session, target: Position): Promise<Position | null> {
  if (target.kind !== 'mariadb-gtid') return target;
  const row = (await s.query('SELECT @@GLOBAL.gtid_slave_pos AS slave, @@GLOBAL.gtid_binlog_state AS state, @@GLOBAL.server_id AS id'))[0] ?? {};
  return mariadbNotYetApplied(target, single([row], 'slave'), single([row], 'state'), Number(single([row], 'id')));
}

/** SHOW STATUS LIKE 'binlog_snapshot_%' rows -> file and position; null when the binlog is off. */
export function parseBinlogSnapshot(rows: readonly Row[]): { file: string; pos: string } | null {
  let file = '';
  let pos = '';
  for (const r of rows) {
    const name = statusText(r, 'Variable_name').toLowerCase();
    if (name === 'binlog_snapshot_file') file = statusText(r, 'Value');
    if (name === 'binlog_snapshot_position') pos = statusText(r, 'Value');
  }
  return file && /^\d+$/.test(pos) ? { file, pos } : null;
}

/**
 * BINLOG_GTID_POS reads the binlog file from its start up to the offset: about 300 ms at 300 MB
 * (10.11), a second per GB. Snapshots opened together usually share one file:pos, so each
 * distinct one is converted once, by whichever session asks first; an entry lives a few seconds,
 * never long enough to outlive a RESET MASTER that would reuse the name.
 */
const GTID_POS_TTL_MS = 10_000;
const gtidPosCache = new Map<string, { at: number; pos: Promise<Position> }>();

/**
 * The binlog coordinates a just-opened snapshot reflects: exact, and free. Converting them to a
 * GTID position (mariadbGtidOf) costs a binlog scan, so it is left to whoever needs a GTID.
 */
export async function mariadbSnapshotPosition(s: Session): Promise<Position | null> {
  const snap = parseBinlogSnapshot(await s.query("SHOW STATUS LIKE 'binlog_snapshot_%'"));
  return snap ? parseBinlogFilePos(`${snap.file}:${snap.pos}`) : null;
}

export async function mariadbGtidOf(s: Session, at: Position): Promise<Position> {
  if (at.kind !== 'binlog-file-pos') return at;
  const snap = { file: at.file, pos: at.pos.toString() };
  const now = Date.now();
  for (const [k, v] of gtidPosCache) if (now - v.at > GTID_POS_TTL_MS) gtidPosCache.delete(k);
  const key = `${s.server.label}\u0000${snap.file}\u0000${snap.pos}`;
  const hit = gtidPosCache.get(key);
  if (hit) return hit.pos;
  const pos = binlogGtidPos(s, snap);
  gtidPosCache.set(key, { at: now, pos });
  pos.catch(() => gtidPosCache.delete(key));
  return pos;
}

async function binlogGtidPos(s: Session, snap: { file: string; pos: string }): Promise<Position> {
  const rows = await s.query({ sql: 'SELECT BINLOG_GTID_POS(?, ?) AS pos', params: [snap.file, snap.pos] });
  const v = rows[0]?.['pos'];
  if (v === null || v === undefined) {
    // NULL when the file was purged or the offset is not an event boundary: no exact position.
    throw new SyncpointError('server', `BINLOG_GTID_POS(${snap.file}, ${snap.pos}) returned NULL: cannot tell the snapshot's GTID position`);
  }
  return parseMariadbGtid(String(v));
}

export function mariadbStartApplyUntil(st: Pick<ReplicationStatements, 'startApplyPrefix' | 'startApplyThreadPrefix' | 'untilFileWords'>, pos: Position): Sql {
  switch (pos.kind) {
    case 'mariadb-gtid':
      // Stops once every listed domain reached its sequence; a domain not listed is not applied
      // meanwhile, so the position names every domain of the primary's binlog.
      return { sql: `${st.startApplyPrefix} UNTIL master_gtid_pos = ?`, params: [formatPosition(pos)] };
    case 'binlog-file-pos':
      // The source's own coordinates (Relay_Master_Log_File / Exec_Master_Log_Pos): the SQL
      // thread alone, also under MASTER_USE_GTID (checked on 10.11), while the IO thread runs.
      return { sql: `${st.startApplyThreadPrefix} UNTIL ${st.untilFileWords[0]} = ?, ${st.untilFileWords[1]} = ${pos.pos}`, params: [pos.file] };
    default:
      throw new Error(`MariaDB cannot apply until a ${pos.kind} position`);
  }
}

function waitSeconds(timeoutMs: number): number {
  // MASTER_GTID_WAIT takes fractional seconds; 0 would not wait at all.
  return Math.max(0.001, Math.round(timeoutMs) / 1000);
}

export function mariadbWaitApplied(posWaitFunction: string, pos: Position, timeoutMs: number): Sql {
  switch (pos.kind) {
    case 'mariadb-gtid':
      // 0 reached, -1 timed out.
      return { sql: 'SELECT MASTER_GTID_WAIT(?, ?) = 0 AS reached', params: [formatPosition(pos), waitSeconds(timeoutMs)] };
    case 'binlog-file-pos':
      // >= 0 reached, -1 timed out, NULL when the SQL thread is not running (the caller then reads status).
      return { sql: `SELECT ${posWaitFunction}(?, ?, ?) >= 0 AS reached`, params: [pos.file, pos.pos, Math.max(1, Math.ceil(timeoutMs / 1000))] };
    default:
      throw new Error(`MariaDB cannot wait for a ${pos.kind} position`);
  }
}

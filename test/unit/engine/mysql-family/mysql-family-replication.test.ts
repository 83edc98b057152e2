/**
 * The replication probe against scripted sessions: which statements run on which connection,
 * in which order, and how answers are read. What the servers do with them is checked against
 * real MariaDB servers (see the engine README).
 */
import { describe, expect, it } from 'vitest';
import type { Session } from '../../../../src/engine/engine.js';
import { mariadbFlavor } from '../../../../src/engine/mariadb/mariadb-flavor.js';
import { mariadbNotYetApplied } from '../../../../src/engine/mariadb/mariadb-replication.js';
import { parseServerVersion } from '../../../../src/engine/mysql-family/mysql-family-flavor.js';
import { BEGIN_SNAPSHOT, MysqlFamilyReplication } from '../../../../src/engine/mysql-family/mysql-family-replication.js';
import { mysqlFlavor } from '../../../../src/engine/mysql/mysql-flavor.js';
import { formatPosition, parseBinlogFilePos, parseMariadbGtid } from '../../../../src/engine/position.js';
import type { Row, Sql } from '../../../../src/engine/types.js';
import { SyncpointError } from '../../../../src/errors.js';
import { mariadbSlaveStatus, mysqlReplicaStatus, table } from './fixtures.js';

type Answer = Row[] | Error | ((q: Sql) => Row[] | Error);

/** A session that records statements and answers from a script of [pattern, rows] pairs. */
class ScriptedSession implements Session {
  readonly server = { host: 'h', port: 3306, label: 'h:3306' };
  readonly connectionId: number;
  readonly log: string[] = [];
  closed = false;
  constructor(
    private readonly script: [RegExp, Answer][],
    readonly name: string,
    private readonly journal: string[],
    id = 1,
  ) {
    this.connectionId = id;
  }
  async query(q: Sql | string): Promise<Row[]> {
    const sql = typeof q === 'string' ? { sql: q, params: [] } : q;
    this.log.push(sql.sql);
    this.journal.push(`${this.name}: ${sql.sql}`);
    const hit = this.script.find(([re]) => re.test(sql.sql));
    if (!hit) return [];
    const a = typeof hit[1] === 'function' ? hit[1](sql) : hit[1];
    if (a instanceof Error) throw a;
    return a;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

const maria = mariadbFlavor({ version: parseServerVersion('10.11.19-MariaDB'), gtidMode: false });
const mysql8 = mysqlFlavor({ version: parseServerVersion('8.0.36'), gtidMode: true });

function setup(flavor = maria, script: [RegExp, Answer][] = []) {
  const journal: string[] = [];
  const s = new ScriptedSession(script, 'control', journal, 1);
  const helpers: ScriptedSession[] = [];
  const probe = new MysqlFamilyReplication({
    flavor,
    async openHelper() {
      const h = new ScriptedSession(script, 'helper', journal, 2);
      helpers.push(h);
      return h;
    },
  });
  return { s, probe, helpers, journal };
}

describe('primary-lock (lockTablesForSync / endSnapshot)', () => {
  const tables = [table('orders', []), table('items', [], [], 'we`ird')];

  it('locks on a helper connection, reads the position there, then snapshots the control session', async () => {
    const { s, probe, journal } = setup(maria, [[/gtid_binlog_pos/, [{ pos: '0-1-42' }]]]);
    const pos = await probe.lockTablesForSync(s, tables, 2500);
    expect(formatPosition(pos)).toBe('0-1-42');
    expect(journal).toEqual([
      'helper: SET SESSION lock_wait_timeout = 3',
      'helper: LOCK TABLES `shop`.`orders` READ, `we``ird`.`items` READ',
      'helper: SELECT @@GLOBAL.gtid_binlog_pos AS pos',
      `control: ${BEGIN_SNAPSHOT}`,
    ]);
  });

  it('endSnapshot releases the table lock first, then commits; the helper is reused', async () => {
    const { s, probe, helpers, journal } = setup(maria, [[/gtid_binlog_pos/, [{ pos: '0-1-42' }]]]);
    await probe.lockTablesForSync(s, tables, 1000);
    journal.length = 0;
    await probe.endSnapshot(s);
    expect(journal).toEqual(['helper: UNLOCK TABLES', 'control: COMMIT']);
    await probe.lockTablesForSync(s, tables, 1000);
    expect(helpers).toHaveLength(1);
    journal.length = 0;
    // a plain snapshot session has no helper: only COMMIT
    const other = new ScriptedSession([], 'lane', journal, 3);
    await probe.endSnapshot(other);
    expect(journal).toEqual(['lane: COMMIT']);
  });

  it('MySQL with GTIDs reads gtid_executed under the lock', async () => {
    const { s, probe, journal } = setup(mysql8, [[/gtid_executed/, [{ pos: '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5' }]]]);
    const pos = await probe.lockTablesForSync(s, tables, 1000);
    expect(pos.kind).toBe('mysql-gtid');
    expect(journal[2]).toBe('helper: SELECT @@GLOBAL.gtid_executed AS pos');
  });

  it('a lock wait timeout becomes a timeout the sync stage retries, and nothing stays locked', async () => {
    const timeout = new SyncpointError('timeout', 'Lock wait timeout exceeded; try restarting transaction', 'h:3306', { cause: { code: 'ER_LOCK_WAIT_TIMEOUT' } });
    const { s, probe, journal } = setup(maria, [[/^LOCK TABLES/, timeout]]);
    const err = await probe.lockTablesForSync(s, tables, 1000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncpointError);
    expect((err as SyncpointError).kind).toBe('timeout');
    expect((err as SyncpointError).message).toMatch(/not granted within 1s/);
    journal.length = 0;
    await probe.endSnapshot(s);
    expect(journal).toEqual(['control: COMMIT']);
  });

  it('a missing LOCK TABLES privilege is named', async () => {
    const denied = new SyncpointError('config', "missing privilege: Access denied for user 'ro'@'h' to database 'shop'", 'h:3306', { cause: { code: 'ER_DBACCESS_DENIED_ERROR' } });
    const { s, probe } = setup(maria, [[/^LOCK TABLES/, denied]]);
    await expect(probe.lockTablesForSync(s, tables, 1000)).rejects.toThrow(/LOCK TABLES privilege/);
  });
});

describe('snapshots', () => {
  it('MariaDB: the snapshot reports its binlog coordinates as they are (no binlog scan)', async () => {
    const { s, probe, journal } = setup(maria, [
      [/binlog_snapshot/, [{ Variable_name: 'Binlog_snapshot_file', Value: 'bin.000003' }, { Variable_name: 'Binlog_snapshot_position', Value: '2801638' }]],
      [/BINLOG_GTID_POS/, new Error('must not convert')],
    ]);
    const pos = await probe.beginSnapshot(s);
    expect(pos).toEqual({ kind: 'binlog-file-pos', file: 'bin.000003', pos: 2801638n });
    expect(journal[0]).toBe('control: START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
  });
  it('MariaDB: gtidOf converts coordinates with BINLOG_GTID_POS, once per distinct position', async () => {
    let calls = 0;
    const { s, probe } = setup(maria, [
      [/BINLOG_GTID_POS/, (q) => (++calls, q.params[0] === 'bin.000009' && q.params[1] === '4242' ? [{ pos: '0-1-5317231' }] : new Error('bad params'))],
    ]);
    const at = parseBinlogFilePos('bin.000009:4242');
    expect(formatPosition(await probe.gtidOf(s, at))).toBe('0-1-5317231');
    expect(formatPosition(await probe.gtidOf(s, at))).toBe('0-1-5317231');
    expect(calls).toBe(1);
    const gtid = parseMariadbGtid('0-1-7');
    expect(await probe.gtidOf(s, gtid)).toBe(gtid);
  });
  it('MariaDB without a binlog: no position', async () => {
    const { s, probe } = setup(maria, [[/binlog_snapshot/, [{ Variable_name: 'Binlog_snapshot_file', Value: '' }, { Variable_name: 'Binlog_snapshot_position', Value: '0' }]]]);
    expect(await probe.beginSnapshot(s)).toBeNull();
  });
  it('MariaDB: a NULL from BINLOG_GTID_POS is an error naming it', async () => {
    const { s, probe } = setup(maria, [[/BINLOG_GTID_POS/, [{ pos: null }]]]);
    await expect(probe.gtidOf(s, parseBinlogFilePos('bin.000001:77'))).rejects.toThrow(/BINLOG_GTID_POS/);
  });
  it('MySQL cannot tell a snapshot position', async () => {
    const { s, probe } = setup(mysql8);
    expect(await probe.beginSnapshot(s)).toBeNull();
    expect(s.log).toEqual([BEGIN_SNAPSHOT]);
  });
  it('shared snapshots are refused', async () => {
    const { s, probe } = setup();
    await expect(probe.exportSnapshot(s)).rejects.toThrow(/sharedSnapshots/);
    await expect(probe.importSnapshot(s, 'x')).rejects.toThrow(/sharedSnapshots/);
  });
});

describe('replica status and apply control', () => {
  it('MariaDB GTID replica: executed is gtid_slave_pos, temp tables from global status when asked for', async () => {
    const { s, probe } = setup(maria, [
      [/^SHOW SLAVE STATUS/, [mariadbSlaveStatus]],
      [/gtid_slave_pos/, [{ pos: '0-1-5324195' }]],
      [/^SHOW GLOBAL STATUS/, [{ Variable_name: 'Slave_open_temp_tables', Value: '2' }]],
    ]);
    const st = (await probe.replicaStatus(s, { openTempTables: true }))!;
    expect(st).toMatchObject({ kind: 'binlog', receiving: true, applying: true, lagSeconds: 417, openTempTables: 2, sourcePort: 23310, paused: false });
    expect(formatPosition(st.executed!)).toBe('0-1-5324195');
    // The sync stage polls the status: no round trip for what it does not use.
    const before = s.log.length;
    expect((await probe.replicaStatus(s))!.openTempTables).toBeNull();
    expect(s.log.slice(before).filter((q) => /^SHOW GLOBAL STATUS/.test(q))).toEqual([]);
  });
  it('not a replica: null', async () => {
    const { s, probe } = setup(maria, [[/^SHOW SLAVE STATUS/, []]]);
    expect(await probe.replicaStatus(s)).toBeNull();
  });
  it('MySQL 8.0.22+: SHOW REPLICA STATUS, falling back to SHOW SLAVE STATUS when the server does not know it', async () => {
    const parse = new SyncpointError('server', 'syntax', 'h', { cause: { code: 'ER_PARSE_ERROR' } });
    const { s, probe } = setup(mysql8, [
      [/^SHOW REPLICA STATUS/, parse],
      [/^SHOW SLAVE STATUS/, [mysqlReplicaStatus]],
    ]);
    const st = (await probe.replicaStatus(s))!;
    expect(st.executed!.kind).toBe('mysql-gtid');
    expect(s.log.slice(0, 2)).toEqual(['SHOW REPLICA STATUS', 'SHOW SLAVE STATUS']);
  });
  it('waitApplied reads the normalized result; with NULL it falls back to the status', async () => {
    const target = parseMariadbGtid('0-1-100');
    const yes = setup(maria, [[/MASTER_GTID_WAIT/, [{ reached: 1 }]]]);
    expect(await yes.probe.waitApplied(yes.s, target, 500)).toBe(true);
    const no = setup(maria, [[/MASTER_GTID_WAIT/, [{ reached: 0 }]]]);
    expect(await no.probe.waitApplied(no.s, target, 500)).toBe(false);
    const unknown = setup(maria, [
      [/MASTER_GTID_WAIT/, [{ reached: null }]],
      [/^SHOW SLAVE STATUS/, [mariadbSlaveStatus]],
      [/gtid_slave_pos/, [{ pos: '0-1-101' }]],
    ]);
    expect(await unknown.probe.waitApplied(unknown.s, target, 500)).toBe(true);
  });
  it('with a signal, waitApplied waits a second at a time and ends on abort: the server wait cannot be called off', async () => {
    const target = parseMariadbGtid('0-1-100');
    const slices: unknown[] = [];
    const ac = new AbortController();
    const { probe, s } = setup(maria, [[/MASTER_GTID_WAIT/, (q) => {
      slices.push(q.params[1]);
      if (slices.length === 3) ac.abort();
      return [{ reached: 0 }];
    }]]);
    const err = await probe.waitApplied(s, target, 60_000, ac.signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncpointError);
    expect((err as SyncpointError).kind).toBe('interrupted');
    // Three one-second waits, not one of 60 s.
    expect(slices).toEqual([1, 1, 1]);
    // Without a signal: one wait for the whole timeout.
    const whole = setup(maria, [[/MASTER_GTID_WAIT/, (q) => (slices.push(q.params[1]), [{ reached: 0 }])]]);
    slices.length = 0;
    expect(await whole.probe.waitApplied(whole.s, target, 60_000)).toBe(false);
    expect(slices).toEqual([60]);
  });
  it('MariaDB: what the replica holds in its own binlog is not waited for (a former primary replicating again)', async () => {
    // The new primary's position points at the old primary's own last write: its gtid_slave_pos is
    // empty (it applied nothing yet) and MASTER_GTID_WAIT would wait the whole timeout for it.
    const switched = setup(maria, [[/gtid_binlog_state/, [{ slave: '', state: '0-1-12', id: 1 }]], [/MASTER_GTID_WAIT/, [{ reached: 0 }]]]);
    expect(await switched.probe.waitApplied(switched.s, parseMariadbGtid('0-1-12'), 30_000)).toBe(true);
    expect(switched.s.log.filter((q) => /MASTER_GTID_WAIT/.test(q))).toEqual([]);
    // Once the new primary writes, its own GTIDs are waited for, and only the domains still missing.
    const after = setup(maria, [[/gtid_binlog_state/, [{ slave: '0-2-14', state: '0-1-12,1-1-7', id: 1 }]], [/MASTER_GTID_WAIT/, [{ reached: 1 }]]]);
    expect(await after.probe.waitApplied(after.s, parseMariadbGtid('0-2-15,1-1-7'), 30_000)).toBe(true);
    const waited = after.s.log.find((q) => /MASTER_GTID_WAIT/.test(q));
    expect(waited).toBeDefined();
  });
  it('mariadbNotYetApplied: held by gtid_slave_pos, or by the server\'s own GTIDs in its binlog', () => {
    const left = (target: string, slave: string, state: string, own = 1) => {
      const r = mariadbNotYetApplied(parseMariadbGtid(target), slave, state, own);
      return r ? formatPosition(r) : null;
    };
    expect(left('0-1-12', '', '0-1-12')).toBeNull();
    expect(left('0-1-12', '', '0-1-20')).toBeNull();
    expect(left('0-1-12', '0-1-11', '')).toBe('0-1-12');
    expect(left('0-1-12', '0-3-12', '')).toBeNull();
    // An errant transaction of the replica's own (server 2, later seq) does not stand for the primary's.
    expect(left('0-1-15', '0-1-10', '0-1-10,0-2-20', 2)).toBe('0-1-15');
    // Per domain: only the domains not held are left.
    expect(left('0-2-15,1-1-7', '0-2-14', '0-1-12,1-1-7')).toBe('0-2-15');
    expect(() => left('0-1-1', '', 'garbage')).toThrow(/gtid_binlog_state/);
    // Only the server's own GTIDs count from its binlog: a stale entry of another server (left from
    // before a RESET MASTER upstream) does not stand for the target.
    expect(left('0-1-120', '', '0-1-90000', 2)).toBe('0-1-120');
  });
  it('waitApplyStopped polls until the SQL thread is no longer running', async () => {
    let polls = 0;
    const { s, probe } = setup(maria, [[/^SHOW SLAVE STATUS/, () => (++polls < 3 ? [mariadbSlaveStatus] : [{ ...mariadbSlaveStatus, Slave_SQL_Running: 'No' }])]]);
    expect(await probe.waitApplyStopped(s, 2000)).toBe(true);
    expect(polls).toBe(3);
    const running = setup(maria, [[/^SHOW SLAVE STATUS/, [mariadbSlaveStatus]]]);
    expect(await running.probe.waitApplyStopped(running.s, 30)).toBe(false);
  });
  it('MariaDB apply control: GTID UNTIL needs both threads stopped, so stop/start act on both', async () => {
    const { s, probe } = setup(maria);
    await probe.stopApply(s);
    await probe.startApplyUntil(s, parseMariadbGtid('0-1-100'));
    await probe.startApply(s);
    expect(s.log).toEqual(['STOP SLAVE', 'START SLAVE UNTIL master_gtid_pos = ?', 'SHOW SLAVE STATUS', 'SHOW ALL SLAVES STATUS', 'START SLAVE']);
  });
  it('MariaDB apply control for a direct replica: the SQL thread alone, UNTIL the source coordinates', async () => {
    const { s, probe } = setup(maria);
    await probe.stopApply(s, 'binlog-file-pos');
    await probe.startApplyUntil(s, parseBinlogFilePos('mariadb-bin.000004:8812'));
    await probe.startApply(s);
    expect(s.log).toEqual(['STOP SLAVE SQL_THREAD', 'START SLAVE SQL_THREAD UNTIL MASTER_LOG_FILE = ?, MASTER_LOG_POS = 8812', 'SHOW SLAVE STATUS', 'SHOW ALL SLAVES STATUS', 'START SLAVE']);
  });
  it('startApply on a thread still running under a sync UNTIL stops it first: START alone would keep the UNTIL', async () => {
    // A replica given up on (timeout) while applying towards the target: START SLAVE is a note
    // ("already running") and the thread would stop by itself at the target later.
    const direct = setup(maria, [[/^SHOW SLAVE STATUS/, [{ ...mariadbSlaveStatus, Until_Condition: 'Master' }]]]);
    await direct.probe.startApply(direct.s);
    expect(direct.s.log).toEqual(['SHOW SLAVE STATUS', 'STOP SLAVE SQL_THREAD', 'START SLAVE']);
    // A GTID UNTIL holds the IO thread too on MariaDB: both threads are stopped and started.
    const chained = setup(maria, [[/^SHOW SLAVE STATUS/, [{ ...mariadbSlaveStatus, Until_Condition: 'Gtid' }]]]);
    await chained.probe.startApply(chained.s);
    expect(chained.s.log).toEqual(['SHOW SLAVE STATUS', 'STOP SLAVE', 'START SLAVE']);
    // Stopped at its UNTIL (the condition still shows): a plain START clears it.
    const stopped = setup(maria, [[/^SHOW SLAVE STATUS/, [{ ...mariadbSlaveStatus, Slave_SQL_Running: 'No', Until_Condition: 'Master' }]]]);
    await stopped.probe.startApply(stopped.s);
    expect(stopped.s.log).toEqual(['SHOW SLAVE STATUS', 'START SLAVE']);
    const mysql = setup(mysql8, [[/^SHOW REPLICA STATUS/, [{ ...mysqlReplicaStatus, Until_Condition: 'SQL_AFTER_GTIDS' }]]]);
    await mysql.probe.startApply(mysql.s);
    expect(mysql.s.log).toEqual(['SHOW REPLICA STATUS', 'STOP REPLICA SQL_THREAD', 'START REPLICA SQL_THREAD']);
    const done = setup(mysql8, [[/^SHOW REPLICA STATUS/, [{ ...mysqlReplicaStatus, Until_Condition: 'DONE' }]]]);
    await done.probe.startApply(done.s);
    expect(done.s.log).toEqual(['SHOW REPLICA STATUS', 'START REPLICA SQL_THREAD']);
  });
  /**
   * Pins a false "not a replica": a MariaDB replica on one named connection only (CHANGE MASTER
   * 'feed' TO ...) shows nothing in SHOW SLAVE STATUS. Its session is pointed at that connection.
   */
  it('MariaDB: one named connection and no default one is used through default_master_connection; several read as no replica, as before', async () => {
    let pointed = false;
    const named = setup(maria, [
      [/^SHOW SLAVE STATUS/, () => (pointed ? [{ ...mariadbSlaveStatus, Connection_name: 'feed' }] : [])],
      [/^SHOW ALL SLAVES STATUS/, [{ ...mariadbSlaveStatus, Connection_name: 'feed' }]],
      [/default_master_connection/, () => ((pointed = true), [])],
      [/gtid_slave_pos/, [{ pos: '0-1-101' }]],
    ]);
    const st = await named.probe.replicaStatus(named.s);
    expect(st?.applying).toBe(true);
    expect(named.s.log.slice(0, 4)).toEqual(['SHOW SLAVE STATUS', 'SHOW ALL SLAVES STATUS', 'SET SESSION default_master_connection = ?', 'SHOW SLAVE STATUS']);
    const many = setup(maria, [[/^SHOW ALL SLAVES STATUS/, [{ ...mariadbSlaveStatus, Connection_name: 'a' }, { ...mariadbSlaveStatus, Connection_name: 'b' }]]]);
    // A multi-source aggregator at the root of discovery must still read as a primary.
    expect(await many.probe.replicaStatus(many.s)).toBeNull();
  });
  it('reports the UNTIL condition in force', async () => {
    const { s, probe } = setup(maria, [[/^SHOW SLAVE STATUS/, [{ ...mariadbSlaveStatus, Until_Condition: 'Gtid' }]]]);
    expect((await probe.replicaStatus(s))?.applyUntil).toBe('Gtid');
    const none = setup(maria, [[/^SHOW SLAVE STATUS/, [mariadbSlaveStatus]]]);
    expect((await none.probe.replicaStatus(none.s))?.applyUntil).toBeNull();
  });
  it('reads the source server id and the executed source coordinates', async () => {
    const { s, probe } = setup(maria, [
      [/^SHOW SLAVE STATUS/, [mariadbSlaveStatus]],
      [/server_id/, [{ id: 1 }]],
    ]);
    const st = await probe.replicaStatus(s);
    expect(st?.sourceServerId).toBe(1);
    expect(st?.executedAtSource?.kind).toBe('binlog-file-pos');
    expect(await probe.serverId(s)).toBe(1);
  });
});

describe('discovery', () => {
  it('asks SHOW SLAVE HOSTS and the binlog dump threads', async () => {
    const { s, probe } = setup(maria, [
      [/^SHOW SLAVE HOSTS/, [{ Server_id: 2, Host: '127.0.0.1', Port: 23311, Master_id: 1 }]],
      [/PROCESSLIST/, (q) => (q.params.join() === 'Binlog Dump,Binlog Dump GTID' ? [{ id: '5', host: 'localhost:36782' }, { id: '8', host: '10.9.9.9:4000' }] : new Error('params'))],
    ]);
    const found = await probe.discoverReplicas(s);
    expect(found.map((f) => [f.host, f.port, f.via])).toEqual([
      ['127.0.0.1', 23311, 'SHOW SLAVE HOSTS'],
      ['10.9.9.9', null, 'PROCESSLIST binlog dump thread'],
    ]);
  });
});

describe('replica connected by file coordinates', () => {
  it('MariaDB error 1949 on a GTID UNTIL becomes a configuration error saying what to do', async () => {
    const refused = new SyncpointError('server', 'START SLAVE UNTIL master_gtid_pos requires that slave is using GTID', 'h:3306', { cause: { errno: 1949 } });
    const { s, probe } = setup(maria, [[/^START SLAVE UNTIL/, refused]]);
    const err = (await probe.startApplyUntil(s, parseMariadbGtid('0-1-5')).catch((e: unknown) => e)) as SyncpointError;
    expect(err.kind).toBe('config');
    expect(err.message).toMatch(/MASTER_USE_GTID=slave_pos/);
    expect(err.message).toMatch(/primary-lock/);
  });
});

/**
 * Checks that judge facts alone, on facts as the servers report them (variables as SHOW GLOBAL
 * VARIABLES prints them, status rows captured from MariaDB 10.11 and MySQL 8.0, slots as
 * pg_replication_slots lists them). The checks that ask a server again are covered by
 * test/integration/preflight.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { parseDsn } from '../../../src/config/dsn.js';
import type { Engine } from '../../../src/engine/engine.js';
import { mapPreflightChannel, type MysqlFamilyPreflightFacts } from '../../../src/engine/mysql-family/mysql-family-preflight.js';
import { mapSlot, type PgPreflightFacts } from '../../../src/engine/postgres/postgres-preflight.js';
import { parseMariadbGtid, parseMysqlGtidSet } from '../../../src/engine/position.js';
import type { Flavor, ReplicaStatus } from '../../../src/engine/types.js';
import { silentLogger } from '../../../src/log.js';
import { binaryLogging } from '../../../src/preflight/checks/binary-logging.js';
import { caughtUp } from '../../../src/preflight/checks/caught-up.js';
import { errantGtids } from '../../../src/preflight/checks/errant-gtids.js';
import { openTempTables } from '../../../src/preflight/checks/open-temp-tables.js';
import { readOnly } from '../../../src/preflight/checks/read-only.js';
import { replicasCanFollow } from '../../../src/preflight/checks/replicas-can-follow.js';
import { replicationRunning } from '../../../src/preflight/checks/replication-running.js';
import { replicationSlots } from '../../../src/preflight/checks/replication-slots.js';
import { sequences } from '../../../src/preflight/checks/sequences.js';
import { synchronousNames, walSettings } from '../../../src/preflight/checks/wal-settings.js';
import type { NodeRole, PreflightCheck, PreflightCheckResult, PreflightContext, PreflightNode } from '../../../src/preflight/types.js';
import { mariadbSlaveStatus, mariadbSlaveStatusBroken, mysqlReplicaStatus } from '../engine/mysql-family/fixtures.js';

const MARIADB = '10.11.19-MariaDB-0+deb12u1-log';

function node(port: number, role: NodeRole, o: { flavor?: Flavor; version?: string; mysql?: Partial<MysqlFamilyPreflightFacts>; variables?: Record<string, string>; pg?: Partial<PgPreflightFacts>; gtidState?: string | null; status?: Partial<ReplicaStatus> | null } = {}): PreflightNode {
  const flavor = o.flavor ?? 'mariadb';
  const spec = parseDsn(`${flavor === 'postgres' ? 'postgres' : 'mysql'}://u:p@127.0.0.1:${port}/`);
  const status: ReplicaStatus | null =
    o.status === null || role === 'primary'
      ? null
      : { kind: flavor === 'postgres' ? 'physical' : 'binlog', receiving: true, applying: true, lastError: null, lagSeconds: 0, executed: null, sourceHost: '127.0.0.1', sourcePort: 20000, openTempTables: 0, paused: false, subscriptions: [], ...o.status };
  const engine = { flavor, family: flavor === 'postgres' ? 'postgres' : 'mysql-family', version: o.version ?? MARIADB } as unknown as Engine;
  return {
    label: spec.label,
    role,
    spec,
    engine,
    session: null as never,
    status,
    mysql: flavor === 'postgres' ? null : { variables: { log_bin: 'ON', log_slave_updates: 'ON', read_only: role === 'primary' ? 'OFF' : 'ON', server_id: String(port), ...o.variables }, channels: role === 'primary' ? [] : [mapPreflightChannel(mariadbSlaveStatus)], openTempTables: 0, ...o.mysql },
    pg: flavor === 'postgres' ? { versionNum: 150006, inRecovery: role !== 'primary', replayPaused: false, replayLsn: null, receiveLsn: null, timeline: 1, settings: {}, slots: [], subscriptions: [], sequences: [], ...o.pg } : null,
    gtidState: o.gtidState === undefined ? '0-20000-26' : o.gtidState,
    gaps: [],
  };
}

function ctx(primary: PreflightNode, candidate: PreflightNode, replicas: PreflightNode[] = [], more: Partial<Pick<PreflightContext, 'replicaSource' | 'unusable' | 'discoveryError'>> = {}): PreflightContext {
  return {
    opts: { primary: primary.spec, candidate: candidate.spec, replicas: replicas.map((r) => r.spec), discover: true, waitSeconds: 1, maxLagSeconds: 0, dataCheck: 'off', filter: {}, connectTimeoutMs: 1000, log: silentLogger },
    family: primary.engine.family,
    primary,
    candidate,
    replicas,
    replicaSource: replicas.length > 0 ? 'named' : 'discovery',
    unusable: [],
    discoveryError: null,
    earlier: [],
    ...more,
  };
}

const run = (c: PreflightCheck, x: PreflightContext) => c.run(x) as PreflightCheckResult[];
const P = () => node(20000, 'primary');

describe('mapPreflightChannel (captured status rows)', () => {
  it('MariaDB: Using_Gtid, running threads, no Auto_Position', () => {
    expect(mapPreflightChannel(mariadbSlaveStatus)).toMatchObject({ usingGtid: 'Slave_Pos', autoPosition: null, ioRunning: true, sqlError: null });
    expect(mapPreflightChannel(mariadbSlaveStatusBroken)).toMatchObject({ usingGtid: 'No', sqlRunning: false, sqlError: expect.stringContaining('error 1062') });
  });
  it('MySQL 8: Auto_Position, no Using_Gtid', () => {
    expect(mapPreflightChannel(mysqlReplicaStatus)).toMatchObject({ usingGtid: null, autoPosition: true, ioError: expect.stringContaining('error 2003') });
  });
});

describe('mapSlot', () => {
  it('reads pg_replication_slots rows, synced only where PostgreSQL 17 reports it', () => {
    expect(mapSlot({ name: 'syncpoint_standby1', type: 'physical', active: true, database: null, plugin: null, synced: null })).toEqual({ name: 'syncpoint_standby1', type: 'physical', active: true, database: null, plugin: null, synced: null });
    expect(mapSlot({ name: 'sub1', type: 'logical', active: false, database: 'app', plugin: 'pgoutput', synced: 'true' })).toMatchObject({ type: 'logical', synced: true });
  });
});

describe('replication-running', () => {
  it('fails a candidate whose SQL thread stopped on an error; the same on another replica only warns', () => {
    const broken = { applying: false, lastError: "SQL thread error 1062: Duplicate entry '3'" };
    const [c] = run(replicationRunning, ctx(P(), node(20001, 'candidate', { status: broken }), []));
    expect(c).toMatchObject({ status: 'fail', message: expect.stringContaining('Duplicate entry') });
    const r = run(replicationRunning, ctx(P(), node(20001, 'candidate'), [node(20002, 'replica', { status: broken })]));
    expect(r.map((x) => x.status)).toEqual(['pass', 'warn']);
  });
  it('fails a server that is not a replica, warns when it replicates from another server', () => {
    expect(run(replicationRunning, ctx(P(), node(20001, 'candidate', { status: null })))[0]!.status).toBe('fail');
    expect(run(replicationRunning, ctx(P(), node(20001, 'candidate', { status: { sourcePort: 20009 } })))[0]).toMatchObject({ status: 'warn', message: expect.stringContaining('not from the named primary') });
  });
});

describe('errant-gtids', () => {
  it('fails the candidate and names the errant GTIDs; passes a replica without', () => {
    const r = run(errantGtids, ctx(P(), node(20001, 'candidate', { gtidState: '0-20000-26,0-20001-27' }), [node(20002, 'replica')]));
    expect(r[0]).toMatchObject({ status: 'fail', evidence: { errant: ['0-20001-27'] } });
    expect(r[1]!.status).toBe('pass');
  });
  it('skips MySQL without gtid_mode and MariaDB without a binary log, instead of passing them', () => {
    const mysql = node(20001, 'candidate', { flavor: 'mysql', version: '8.0.36', variables: { gtid_mode: 'OFF' } });
    expect(run(errantGtids, ctx(P(), mysql))[0]!.status).toBe('skip');
    expect(run(errantGtids, ctx(P(), node(20001, 'candidate', { variables: { log_bin: 'OFF' }, gtidState: '' })))[0]!.status).toBe('skip');
  });
  it('MySQL: the set difference of gtid_executed', () => {
    const u = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
    const own = '9a511b7b-7059-11e1-9e33-c80aa9429562';
    const p = node(20000, 'primary', { flavor: 'mysql', version: '8.0.36', variables: { gtid_mode: 'ON' }, gtidState: `${u}:1-42` });
    const c = node(20001, 'candidate', { flavor: 'mysql', version: '8.0.36', variables: { gtid_mode: 'ON' }, gtidState: `${u}:1-40,\n${own}:1-3` });
    expect(run(errantGtids, ctx(p, c))[0]).toMatchObject({ status: 'fail', evidence: { errant: [`${own}:1-3`] } });
  });
});

describe('binary-logging, read-only, open-temp-tables', () => {
  it('binary log off fails; log_slave_updates off fails with replicas to serve, warns without', () => {
    expect(run(binaryLogging, ctx(P(), node(20001, 'candidate', { variables: { log_bin: 'OFF' } })))[0]!.status).toBe('fail');
    const noUpdates = node(20001, 'candidate', { variables: { log_slave_updates: 'OFF' } });
    expect(run(binaryLogging, ctx(P(), noUpdates, [node(20002, 'replica')]))[0]!.status).toBe('fail');
    expect(run(binaryLogging, ctx(P(), noUpdates))[0]!.status).toBe('warn');
    expect(run(binaryLogging, ctx(P(), node(20001, 'candidate', { flavor: 'mysql', version: '8.0.36', variables: { log_slave_updates: undefined as never, log_replica_updates: 'ON' } })))[0]!.status).toBe('pass');
  });
  it('read_only ON passes, OFF warns (never fails)', () => {
    expect(run(readOnly, ctx(P(), node(20001, 'candidate')))[0]!.status).toBe('pass');
    expect(run(readOnly, ctx(P(), node(20001, 'candidate', { variables: { read_only: 'OFF' } })))[0]!.status).toBe('warn');
  });
  it('open temporary tables fail; an unreported counter cannot be checked', () => {
    expect(run(openTempTables, ctx(P(), node(20001, 'candidate', { mysql: { openTempTables: 2 } })))[0]).toMatchObject({ status: 'fail', evidence: { openTempTables: 2 } });
    const unknown = run(openTempTables, ctx(P(), node(20001, 'candidate', { mysql: { openTempTables: null } })))[0]!;
    expect(unknown.incomplete).toBe(true);
  });
});

describe('replicas-can-follow', () => {
  it('passes same versions with distinct server ids', () => {
    expect(run(replicasCanFollow, ctx(P(), node(20001, 'candidate'), [node(20002, 'replica')]))[0]!.status).toBe('pass');
  });
  it('fails when the candidate is newer than the replica (a replica must not be older than its source)', () => {
    const r = run(replicasCanFollow, ctx(P(), node(20001, 'candidate', { version: '11.4.2-MariaDB' }), [node(20002, 'replica')]))[0]!;
    expect(r).toMatchObject({ status: 'fail', message: expect.stringContaining('newer version (11.4) than this replica (10.11)') });
    // An older candidate feeding a newer replica is supported.
    expect(run(replicasCanFollow, ctx(P(), node(20001, 'candidate'), [node(20002, 'replica', { version: '11.4.2-MariaDB' })]))[0]!.status).toBe('pass');
  });
  it('fails duplicate server ids and a MariaDB replica on file coordinates', () => {
    const dup = run(replicasCanFollow, ctx(P(), node(20001, 'candidate', { variables: { server_id: '7' } }), [node(20002, 'replica', { variables: { server_id: '7' } })]))[0]!;
    expect(dup.message).toContain('same server_id as the candidate (7)');
    const fileCoords = node(20002, 'replica', { mysql: { channels: [mapPreflightChannel(mariadbSlaveStatusBroken)] } });
    expect(run(replicasCanFollow, ctx(P(), node(20001, 'candidate'), [fileCoords]))[0]!.message).toContain('Using_Gtid=No');
  });
  it("MySQL: fails a replica whose gtid_executed lacks what the candidate purged (gtid_purged); passes once it holds it", () => {
    const U = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
    const mysql = (port: number, role: NodeRole, o: { purged?: string; executed?: string } = {}) =>
      node(port, role, { flavor: 'mysql', version: '8.0.36', variables: { gtid_mode: 'ON', server_uuid: `uuid-${port}` }, mysql: { channels: [mapPreflightChannel(mysqlReplicaStatus)], binlogStart: o.purged ?? null }, status: { executed: o.executed ? parseMysqlGtidSet(o.executed) : null } });
    const c = mysql(20001, 'candidate', { purged: `${U}:1-500` });
    const behind = run(replicasCanFollow, ctx(P(), c, [mysql(20002, 'replica', { executed: `${U}:1-200` })]))[0]!;
    expect(behind).toMatchObject({ status: 'fail', message: expect.stringMatching(new RegExp(`binary logs start at ${U}:1-500 \\(older ones purged\\)`)) });
    expect(run(replicasCanFollow, ctx(P(), c, [mysql(20002, 'replica', { executed: `${U}:1-700` })]))[0]!.status).toBe('pass');
  });
  it('skips without other replicas, saying whether discovery ran', () => {
    expect(run(replicasCanFollow, ctx(P(), node(20001, 'candidate')))[0]).toMatchObject({ status: 'skip', message: expect.stringContaining('no other replica found downstream') });
    expect(run(replicasCanFollow, ctx(P(), node(20001, 'candidate'), [], { replicaSource: 'none' }))[0]).toMatchObject({ status: 'skip', message: expect.stringContaining('--no-discover') });
  });
  it('says where each replica came from', () => {
    expect(run(replicasCanFollow, ctx(P(), node(20001, 'candidate'), [node(20002, 'replica')]))[0]!.evidence['found']).toBe('--replica');
    expect(run(replicasCanFollow, ctx(P(), node(20001, 'candidate'), [node(20002, 'replica')], { replicaSource: 'discovery' }))[0]!.evidence['found']).toBe('discovery');
  });
  it('a discovered replica that cannot be read warns; a named one could not be checked; failed discovery is not a go', () => {
    const found = run(replicasCanFollow, ctx(P(), node(20001, 'candidate'), [node(20002, 'replica')], { replicaSource: 'discovery', unusable: [{ label: '127.0.0.1:20003', error: 'connect ECONNREFUSED', found: 'discovery' }] }));
    expect(found.map((r) => [r.node, r.status])).toEqual([['127.0.0.1:20002', 'pass'], ['127.0.0.1:20003', 'warn']]);
    expect(found[1]!.message).toContain('connect ECONNREFUSED');
    const named = run(replicasCanFollow, ctx(P(), node(20001, 'candidate'), [], { replicaSource: 'named', unusable: [{ label: '127.0.0.1:20003', error: 'connect ECONNREFUSED', found: 'named' }] }));
    expect(named).toEqual([expect.objectContaining({ node: '127.0.0.1:20003', status: 'skip', incomplete: true })]);
    const failed = run(replicasCanFollow, ctx(P(), node(20001, 'candidate'), [], { discoveryError: 'SHOW SLAVE HOSTS denied' }));
    expect(failed).toEqual([expect.objectContaining({ node: P().label, incomplete: true, message: expect.stringContaining('SHOW SLAVE HOSTS denied') })]);
  });
  it('log_slave_updates off fails when a replica that could not be read must still follow', () => {
    const c = node(20001, 'candidate', { variables: { log_slave_updates: 'OFF' } });
    expect(run(binaryLogging, ctx(P(), c))[0]!.status).toBe('warn');
    expect(run(binaryLogging, ctx(P(), c, [], { unusable: [{ label: '127.0.0.1:20003', error: 'refused', found: 'discovery' }] }))[0]!.status).toBe('fail');
  });
});

describe('replication-slots (PostgreSQL)', () => {
  const pgP = (slots: PgPreflightFacts['slots'] = []) => node(20000, 'primary', { flavor: 'postgres', pg: { inRecovery: false, slots } });
  const standby = (port: number, role: NodeRole, slot: string, slots: PgPreflightFacts['slots'] = []) => node(port, role, { flavor: 'postgres', pg: { settings: { primary_slot_name: slot }, slots } });
  const slot = (name: string, type: 'physical' | 'logical', synced: boolean | null = null) => ({ name, type, active: false, database: type === 'logical' ? 'app' : null, plugin: type === 'logical' ? 'pgoutput' : null, synced });

  it('flags the slot another standby streams through when the candidate lacks it', () => {
    const r = run(replicationSlots, ctx(pgP(), standby(20001, 'candidate', 's1'), [standby(20002, 'replica', 's2')]))[0]!;
    expect(r).toMatchObject({ status: 'warn', evidence: { missingPhysical: ['s2'] } });
  });
  it('passes when it exists, and flags logical slots not synced to the candidate', () => {
    expect(run(replicationSlots, ctx(pgP(), standby(20001, 'candidate', 's1', [slot('s2', 'physical')]), [standby(20002, 'replica', 's2')]))[0]!.status).toBe('pass');
    const logical = run(replicationSlots, ctx(pgP([slot('sub1', 'logical')]), standby(20001, 'candidate', 's1')))[0]!;
    expect(logical).toMatchObject({ status: 'warn', evidence: { missingLogical: ['sub1'] } });
    expect(run(replicationSlots, ctx(pgP([slot('sub1', 'logical')]), standby(20001, 'candidate', 's1', [slot('sub1', 'logical', true)])))[0]!.status).toBe('pass');
  });
});

describe('replicas-can-follow (PostgreSQL)', () => {
  const pg = (port: number, role: NodeRole, o: Partial<PgPreflightFacts> = {}) => node(port, role, { flavor: 'postgres', pg: { settings: { max_wal_senders: '10' }, ...o } });
  const P = () => pg(20000, 'primary', { inRecovery: false });
  it('a standby follows a standby candidate of the same major version', () => {
    expect(run(replicasCanFollow, ctx(P(), pg(20001, 'candidate'), [pg(20002, 'replica')]))[0]!.status).toBe('pass');
    expect(run(replicasCanFollow, ctx(P(), pg(20001, 'candidate'), [pg(20002, 'replica', { versionNum: 160002 })]))[0]!.message).toContain('major versions differ (candidate 15, this standby 16)');
  });
  it('nothing follows a logical subscriber promoted in place of the primary', () => {
    const sub = pg(20001, 'candidate', { inRecovery: false });
    expect(run(replicasCanFollow, ctx(P(), sub, [pg(20002, 'replica')]))[0]).toMatchObject({ status: 'fail', message: expect.stringContaining('a physical standby of the old primary cannot continue') });
  });
  it('a logical subscriber of the old primary is a warning: re-pointed through its slot', () => {
    expect(run(replicasCanFollow, ctx(P(), pg(20001, 'candidate'), [pg(20002, 'replica', { inRecovery: false })]))[0]!.status).toBe('warn');
  });
});

describe('replication-running (PostgreSQL subscriber)', () => {
  it('warns about apply errors counted on a running subscription, fails a disabled one', () => {
    const sub = { name: 'sub1', enabled: true, workerRunning: true, skipLsn: null, disableOnError: false, applyErrors: 3, syncErrors: 0, publications: ['pub'] };
    const running = node(20001, 'candidate', { flavor: 'postgres', status: { kind: 'logical', subscriptions: ['sub1'] }, pg: { inRecovery: false, subscriptions: [sub] } });
    const P = node(20000, 'primary', { flavor: 'postgres', pg: { inRecovery: false } });
    expect(run(replicationRunning, ctx(P, running))[0]).toMatchObject({ status: 'warn', message: expect.stringContaining('3 apply and 0 table sync error(s)') });
    const disabled = node(20001, 'candidate', { flavor: 'postgres', status: { kind: 'logical', applying: false, lastError: 'subscription "sub1" is disabled' }, pg: { inRecovery: false, subscriptions: [{ ...sub, enabled: false, applyErrors: 0 }] } });
    expect(run(replicationRunning, ctx(P, disabled))[0]).toMatchObject({ status: 'fail', message: expect.stringContaining('is disabled') });
  });
});

describe('caught-up and --max-lag', () => {
  const at = (seq: number) => parseMariadbGtid(`0-20000-${seq}`);
  /** A candidate whose waits answer `waits` in turn, reporting a lag of 0 and executed 0-20000-5. */
  function scripted(waits: boolean[]): { x: PreflightContext; asked: number[] } {
    const asked: number[] = [];
    const p = node(20000, 'primary');
    const c = node(20001, 'candidate');
    (p.engine as { replication: unknown }).replication = { currentPosition: async () => at(9) };
    const status = { ...c.status!, lagSeconds: 0, executed: at(5) };
    (c.engine as { replication: unknown }).replication = {
      waitApplied: async (_s: unknown, _pos: unknown, ms: number) => {
        asked.push(ms);
        return waits.shift() ?? false;
      },
      replicaStatus: async () => status,
    };
    const x = ctx(p, c);
    return { x: { ...x, opts: { ...x.opts, waitSeconds: 1, maxLagSeconds: 5 } }, asked };
  }

  /**
   * Pins a wrong "go": a candidate whose receiving side stalls has applied all it received and
   * reports a lag of 0 however far behind it is; --max-lag took that at its word.
   */
  it('a candidate that never reaches the position fails, whatever lag it reports', async () => {
    const { x, asked } = scripted([false, false]);
    const [r] = await caughtUp.run(x);
    expect(r).toMatchObject({ status: 'fail', message: expect.stringMatching(/not reached within --wait 1s nor --max-lag 5s\); promoting now loses those transactions/) });
    expect(asked[0]).toBe(1000);
    expect(asked[1]).toBeGreaterThan(3900);
  });

  it('one that reaches it after --wait but within --max-lag is a warning; within --wait a pass', async () => {
    expect((await caughtUp.run(scripted([false, true]).x))[0]).toMatchObject({ status: 'warn', message: expect.stringMatching(/past --wait 1s but within --max-lag 5s/) });
    expect((await caughtUp.run(scripted([true]).x))[0]!.status).toBe('pass');
  });
});

describe('wal-settings: synchronous_standby_names on the candidate', () => {
  const pg = (settings: Record<string, string>) => node(20001, 'candidate', { flavor: 'postgres', pg: { settings: { wal_level: 'replica', hot_standby: 'on', max_replication_slots: '10', ...settings } } });
  const primary = () => node(20000, 'primary', { flavor: 'postgres', pg: { settings: { wal_level: 'replica' } } });

  it('reads the names as PostgreSQL matches them: FIRST/ANY lists, case ignored even when quoted', () => {
    expect(synchronousNames('')).toEqual([]);
    expect(synchronousNames('standby1')).toEqual(['standby1']);
    expect(synchronousNames('FIRST 2 (s1, "S2")')).toEqual(['s1', 's2']);
    expect(synchronousNames('any 1 (a,b)')).toEqual(['a', 'b']);
    expect(synchronousNames('2 (A, b)')).toEqual(['a', 'b']);
  });

  /** A postgresql.conf copied from the primary names the candidate itself: once promoted, writes hang. */
  it('naming only the candidate itself fails; naming others warns; empty passes', () => {
    const own = run(walSettings, ctx(primary(), pg({ synchronous_standby_names: 'standby1', 'primary_conninfo.application_name': 'standby1' })))[0]!;
    expect(own).toMatchObject({ status: 'fail', message: expect.stringMatching(/names only the candidate itself/) });
    expect(run(walSettings, ctx(primary(), pg({ synchronous_standby_names: 'FIRST 1 (standby2)', cluster_name: 'standby1' })))[0]).toMatchObject({ status: 'warn', message: expect.stringMatching(/every commit waits until one of those standbys follows it/) });
    expect(run(walSettings, ctx(primary(), pg({ synchronous_standby_names: '' })))[0]!.status).toBe('pass');
  });
});

describe('sequences (a logical subscriber as candidate)', () => {
  const seq = (name: string, lastValue: string | null, increment = '1') => ({ name, lastValue, increment });
  const primary = () => node(20000, 'primary', { flavor: 'postgres', pg: { inRecovery: false, sequences: [seq('shop.customers_id_seq', '3000'), seq('shop.unused_seq', null), seq('shop.big_seq', '9007199254740993')] } });
  const subscriber = (sequences: { name: string; lastValue: string | null }[]) => node(20002, 'candidate', { flavor: 'postgres', pg: { inRecovery: false, sequences } });

  /** Pins a wrong "go": logical replication does not carry sequences; promoted, the subscriber's inserts collided. */
  it('fails when a sequence the primary used is behind, or never used, on the subscriber', () => {
    const r = run(sequences, ctx(primary(), subscriber([seq('shop.customers_id_seq', null), seq('shop.big_seq', '9007199254740992')])))[0]!;
    expect(r).toMatchObject({ status: 'fail', message: expect.stringMatching(/2 sequence\(s\) behind the primary's.*shop\.customers_id_seq at never used \(primary 3000\), shop\.big_seq at 9007199254740992 \(primary 9007199254740993\)/) });
  });

  it('a descending sequence is behind when it stands above the primary\'s value', () => {
    const p = node(20000, 'primary', { flavor: 'postgres', pg: { inRecovery: false, sequences: [seq('app.down_seq', '-500', '-1')] } });
    expect(run(sequences, ctx(p, subscriber([seq('app.down_seq', '-1', '-1')])))[0]!.status).toBe('fail');
    expect(run(sequences, ctx(p, subscriber([seq('app.down_seq', '-600', '-1')])))[0]!.status).toBe('pass');
  });

  it('passes when every one stands at or past the primary; skips a physical standby', () => {
    expect(run(sequences, ctx(primary(), subscriber([seq('shop.customers_id_seq', '3000'), seq('shop.big_seq', '9007199254741000')])))[0]).toMatchObject({ status: 'pass', message: '2 sequence(s) at or past the primary\'s' });
    expect(run(sequences, ctx(primary(), node(20001, 'candidate', { flavor: 'postgres' })))[0]!.status).toBe('skip');
  });
});

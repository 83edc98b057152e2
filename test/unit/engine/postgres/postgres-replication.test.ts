import { describe, expect, it } from 'vitest';
import type { Session } from '../../../../src/engine/engine.js';
import { formatPosition, parsePgLsn } from '../../../../src/engine/position.js';
import {
  createPostgresReplication,
  mapDiscovered,
  mapLogicalStatus,
  mapPhysicalStatus,
  mapSubscriptionRow,
  parseConninfoHostPort,
  subscriptionApplied,
  subscriptionsSql,
  type SubscriptionRow,
} from '../../../../src/engine/postgres/postgres-replication.js';
import { DEFAULT_WAL_GEOMETRY } from '../../../../src/engine/postgres/postgres-lsn.js';
import type { Row, Sql, TableInfo } from '../../../../src/engine/types.js';
import { SyncpointError } from '../../../../src/errors.js';

const lsn = (text: string) => (parsePgLsn(text) as { lsn: bigint }).lsn;

/** A session that answers from a script and remembers what it was asked. */
function fakeSession(answer: (sql: string) => Row[]): Session & { log: string[] } {
  const log: string[] = [];
  return {
    server: { host: 'h', port: 1, label: 'h:1' },
    connectionId: 1,
    closed: false,
    log,
    async query(q: Sql | string) {
      const sql = typeof q === 'string' ? q : q.sql;
      log.push(sql);
      return answer(sql);
    },
    async close() {},
  };
}

/** A session that also remembers being closed. */
function closableSession(answer: (sql: string) => Row[]): Session & { log: string[]; closed: boolean } {
  const s = { ...fakeSession(answer), closed: false };
  s.close = async () => void (s.closed = true);
  return s;
}

const probe = createPostgresReplication({ versionNum: 150006, wal: DEFAULT_WAL_GEOMETRY });

// Captured from PostgreSQL 15.20 (a streaming standby, as superuser).
const standbyRow: Row = {
  paused: false,
  replay_lsn: '0/58AA1A8',
  receive_lsn: '0/58AA1A8',
  lag_seconds: '0',
  receiver_pid: 12722,
  receiver_status: 'streaming',
  sender_host: '127.0.0.1',
  sender_port: 25410,
  conninfo: 'user=postgres passfile=/var/lib/postgresql/.pgpass dbname=replication host=127.0.0.1 port=25410 application_name=standby1',
};

describe('physical standby status', () => {
  it('maps a streaming standby', () => {
    const st = mapPhysicalStatus(standbyRow);
    expect(st).toMatchObject({ kind: 'physical', receiving: true, applying: true, paused: false, lastError: null, lagSeconds: 0, sourceHost: '127.0.0.1', sourcePort: 25410, subscriptions: [] });
    expect(formatPosition(st.executed!)).toBe('0/58AA1A8');
  });

  it('reports a paused replay as not applying', () => {
    expect(mapPhysicalStatus({ ...standbyRow, paused: true })).toMatchObject({ applying: false, paused: true });
  });

  it('says so when no WAL receiver runs (archive-only or broken primary_conninfo)', () => {
    const st = mapPhysicalStatus({ ...standbyRow, receiver_pid: null, receiver_status: null, sender_host: null, sender_port: null, conninfo: null });
    expect(st.receiving).toBe(false);
    expect(st.lastError).toMatch(/no WAL receiver/);
  });

  it('without pg_read_all_stats only the receiver pid is visible: still receiving, source unknown', () => {
    const st = mapPhysicalStatus({ ...standbyRow, receiver_status: null, sender_host: null, sender_port: null, conninfo: null });
    expect(st).toMatchObject({ receiving: true, sourceHost: null, sourcePort: null });
  });

  it('never reports negative lag (clock skew)', () => {
    expect(mapPhysicalStatus({ ...standbyRow, lag_seconds: '-2.5' }).lagSeconds).toBe(0);
    expect(mapPhysicalStatus({ ...standbyRow, lag_seconds: '3.25' }).lagSeconds).toBe(3.25);
  });
});

// Captured from PostgreSQL 15.20 (a subscriber, as superuser).
const subRow: Row = { subid: '16416', name: 'sub', enabled: true, pid: 21688, received_lsn: '0/58AA1A8', latest_end_lsn: '0/58AA1A8', apply_errors: '0', sync_errors: '0', worker_state: 'waiting' };

describe('logical subscriber status', () => {
  it('maps a running subscription', () => {
    const st = mapLogicalStatus([mapSubscriptionRow(subRow)], { host: '127.0.0.1', port: 25410 })!;
    expect(st).toMatchObject({ kind: 'logical', receiving: true, applying: true, lastError: null, lagSeconds: null, paused: false, subscriptions: ['sub'], sourcePort: 25410 });
    expect(formatPosition(st.executed!)).toBe('0/58AA1A8');
  });

  it('is not a replica without subscriptions in this database', () => {
    expect(mapLogicalStatus([], { host: null, port: null })).toBeNull();
  });

  it('reports a stopped worker with its error counts, and a disabled subscription', () => {
    const down = mapSubscriptionRow({ ...subRow, pid: null, received_lsn: null, latest_end_lsn: null, apply_errors: '3' });
    const off = mapSubscriptionRow({ ...subRow, name: 'sub2', enabled: false, pid: null });
    const st = mapLogicalStatus([down, off], { host: null, port: null })!;
    expect(st.receiving).toBe(false);
    expect(st.applying).toBe(false);
    expect(st.executed).toBeNull();
    expect(st.lastError).toBe('subscription "sub": apply worker not running (3 apply and 0 table sync error(s) since statistics reset; see the subscriber\'s server log); subscription "sub2" is disabled');
  });

  it('ignores old error counts while the worker runs (they only reset by hand)', () => {
    expect(mapLogicalStatus([mapSubscriptionRow({ ...subRow, apply_errors: '7' })], { host: null, port: null })!.lastError).toBeNull();
  });

  it('executed is the least position over the enabled subscriptions', () => {
    const a = mapSubscriptionRow(subRow);
    const b = mapSubscriptionRow({ ...subRow, name: 'b', latest_end_lsn: '0/100' });
    expect(formatPosition(mapLogicalStatus([a, b], { host: null, port: null })!.executed!)).toBe('0/100');
  });

  it('counts only the leader apply worker from PostgreSQL 16 on, and error counts from 15 on', () => {
    expect(subscriptionsSql(130000)).not.toContain('pg_stat_subscription_stats');
    expect(subscriptionsSql(150000)).toContain('pg_stat_subscription_stats');
    expect(subscriptionsSql(150000)).not.toContain('leader_pid');
    expect(subscriptionsSql(160000)).toContain('st.leader_pid IS NULL');
    expect(subscriptionsSql(150000)).not.toContain('subconninfo');
  });
});

describe('has a subscription applied up to L?', () => {
  const L = lsn('0/5000');
  const sub = (over: Partial<SubscriptionRow>): SubscriptionRow => ({ name: 's', enabled: true, pid: 1, received: null, latestEnd: null, applyErrors: null, syncErrors: null, workerState: 'waiting', ...over });

  it('yes once a keepalive at or past L was processed (idle primary: WAL past the last published commit)', () => {
    expect(subscriptionApplied(sub({ received: L, latestEnd: L }), L, { sawReceivedAtTarget: false })).toBe(true);
    expect(subscriptionApplied(sub({ received: L + 8n, latestEnd: L + 8n }), L, { sawReceivedAtTarget: false })).toBe(true);
  });

  it('yes when the worker already received a message past L (busy primary)', () => {
    expect(subscriptionApplied(sub({ received: L + 1n, latestEnd: L - 100n, workerState: 'busy' }), L, { sawReceivedAtTarget: false })).toBe(true);
  });

  it('no while behind', () => {
    expect(subscriptionApplied(sub({ received: L - 1n, latestEnd: L - 1n }), L, { sawReceivedAtTarget: false })).toBe(false);
  });

  it('a commit ending exactly at L counts only after a later poll sees the worker waiting for data in its main loop', () => {
    const w = { sawReceivedAtTarget: false };
    // first sight: the commit may still be applying, even if the worker was seen waiting
    expect(subscriptionApplied(sub({ received: L, latestEnd: L - 50n, workerState: 'waiting' }), L, w)).toBe(false);
    expect(subscriptionApplied(sub({ received: L, latestEnd: L - 50n, workerState: 'busy' }), L, w)).toBe(false);
    expect(subscriptionApplied(sub({ received: L, latestEnd: L - 50n, workerState: 'waiting' }), L, w)).toBe(true);
  });

  it('the state is not enough when this role cannot see it (null): wait for the keepalive', () => {
    const w = { sawReceivedAtTarget: false };
    expect(subscriptionApplied(sub({ received: L, latestEnd: L - 50n, workerState: null }), L, w)).toBe(false);
    expect(subscriptionApplied(sub({ received: L, latestEnd: L - 50n, workerState: null }), L, w)).toBe(false);
  });

  it('no while the worker is down, and a restarted worker starts over', () => {
    const w = { sawReceivedAtTarget: false };
    expect(subscriptionApplied(sub({ received: L, latestEnd: L - 50n, workerState: 'busy' }), L, w)).toBe(false);
    expect(subscriptionApplied(sub({ pid: null, received: null, latestEnd: null }), L, w)).toBe(false);
    expect(subscriptionApplied(sub({ received: L, latestEnd: L - 50n, workerState: 'waiting' }), L, w)).toBe(false);
  });
});

describe('discovery', () => {
  // Captured from PostgreSQL 15.20 with one standby and one subscription.
  const rows: Row[] = [
    { pid: 12723, application_name: 'standby1', addr: '127.0.0.1', client_hostname: null, client_port: 38238, state: 'streaming', slot_type: null },
    { pid: 21689, application_name: 'sub', addr: '127.0.0.1', client_hostname: null, client_port: 33826, state: 'streaming', slot_type: 'logical' },
    { pid: 3, application_name: 'pg_basebackup', addr: '10.0.0.9', client_hostname: null, client_port: 1, state: 'backup', slot_type: null },
  ];

  it('finds hosts but never a port, and says how to name them', () => {
    const found = mapDiscovered(rows);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatchObject({ host: '127.0.0.1', port: null, via: 'pg_stat_replication (standby "standby1")' });
    expect(found[0]!.problem).toMatch(/does not report the port.*--replica postgres:\/\/USER@127\.0\.0\.1:PORT$/);
    expect(found[1]!.via).toBe('pg_stat_replication (logical subscriber "sub")');
    expect(found[1]!.problem).toMatch(/127\.0\.0\.1:PORT\/DBNAME/);
  });

  it('says why when the address is hidden', () => {
    const found = mapDiscovered([{ ...rows[0]!, addr: null }]);
    expect(found[0]!.problem).toMatch(/not shown.*pg_read_all_stats/);
  });
});

describe('conninfo', () => {
  it('reads host and port from keyword=value and URI forms, never more', () => {
    expect(parseConninfoHostPort("host=db1 port=5433 password='x y' user=rep")).toEqual({ host: 'db1', port: 5433 });
    expect(parseConninfoHostPort('host=a,b port=5433,5434')).toEqual({ host: 'a', port: 5433 });
    expect(parseConninfoHostPort('postgresql://rep:pw@[::1]:6000/app')).toEqual({ host: '::1', port: 6000 });
    expect(parseConninfoHostPort('dbname=app')).toEqual({ host: null, port: null });
    expect(parseConninfoHostPort(null)).toEqual({ host: null, port: null });
  });
});

describe('whose positions a subscriber applies', () => {
  const subscriber = (subs: Row[]) => fakeSession((sql) => (sql.includes('pg_is_in_recovery') ? [{ standby: false }] : subs));
  const primary = (slots: string[]) => fakeSession(() => slots.map((slot) => ({ slot })));

  it('a subscriber whose enabled subscriptions all stream from logical slots of the primary: fine', async () => {
    expect(await probe.sourceProblem!(subscriber([{ name: 'sub', slot: 'sub' }]), primary(['sub', 'other']))).toBeNull();
  });

  it("a subscription whose slot the primary does not have (a cascade, another publisher) is named: its positions are another server's WAL", async () => {
    const why = await probe.sourceProblem!(subscriber([{ name: 'a', slot: 'a' }, { name: 'b', slot: 'from_hub' }]), primary(['a']));
    expect(why).toMatch(/subscription\(s\) "b" \(slot "from_hub"\) do not stream from a logical slot of the primary: .*another server/);
  });

  it('a standby replays the primary\'s own WAL, cascaded or not: not asked', async () => {
    const standby = fakeSession(() => [{ standby: true }]);
    const p = primary([]);
    expect(await probe.sourceProblem!(standby, p)).toBeNull();
    expect(p.log).toEqual([]);
  });
});

describe('sync primitives', () => {
  const table = { schema: 'app', name: 'acct' } as TableInfo;

  it('locks in SHARE MODE inside REPEATABLE READ, then fixes the snapshot and reads the LSN in one statement', async () => {
    const s = fakeSession(() => [{ lsn: '0/4000028' }]);
    const pos = await probe.lockTablesForSync(s, [table, table], 750);
    expect(s.log).toEqual([
      `BEGIN ISOLATION LEVEL REPEATABLE READ; SET LOCAL lock_timeout = '750ms'; LOCK TABLE "app"."acct" IN SHARE MODE; SELECT pg_catalog.pg_current_wal_insert_lsn()::text AS lsn, pg_catalog.pg_current_wal_flush_lsn()::text AS flushed, pg_catalog.current_setting('wal_writer_delay') AS wal_writer_delay`,
    ]);
    // The insert position after a segment header is moved back to the boundary a replica reaches.
    expect(formatPosition(pos)).toBe('0/4000000');
  });

  it('when the flushed position stays behind the insert position through the WAL writer\'s wait, commits a transaction id on a spare session and keeps the insert position', async () => {
    // The WAL writer flushes whole pages only: an open transaction's record cut by a page boundary
    // is flushed up to the boundary, where no standby can replay it. A commit after it ends that.
    const s = fakeSession(() => [{ lsn: '0/5000100', flushed: '0/5000000', wal_writer_delay: '10ms' }]);
    const spares: (Session & { log: string[]; closed: boolean })[] = [];
    const withSpare = createPostgresReplication({ versionNum: 150006, wal: DEFAULT_WAL_GEOMETRY }, async () => {
      const spare = closableSession(() => [{ xid: '2250' }]);
      spares.push(spare);
      return spare;
    });
    const pos = await withSpare.lockTablesForSync(s, [table], 750);
    expect(formatPosition(pos)).toBe('0/5000100');
    // First 3 x wal_writer_delay of flush reads: what readers and asynchronous commits leave is
    // flushed in that time, and nothing is written for it.
    expect(s.log.length).toBeGreaterThan(1);
    expect(new Set(s.log.slice(1))).toEqual(new Set(['SELECT pg_catalog.pg_current_wal_flush_lsn()::text AS flushed']));
    expect(spares).toHaveLength(1);
    expect(spares[0]!.log).toEqual(['SELECT pg_catalog.pg_current_xact_id()::text AS xid']);
    expect(spares[0]!.closed).toBe(true);
  });

  it('opens no spare session when the tail is flushed within the WAL writer\'s wait (another commit, or the WAL writer itself)', async () => {
    let opened = 0;
    const withSpare = createPostgresReplication({ versionNum: 150006, wal: DEFAULT_WAL_GEOMETRY }, async () => {
      opened++;
      return fakeSession(() => [{ xid: '1' }]);
    });
    let polls = 0;
    const s = fakeSession((sql) =>
      sql.includes('LOCK TABLE') ? [{ lsn: '0/5000100', flushed: '0/5000000', wal_writer_delay: '200ms' }] : [{ flushed: ++polls > 1 ? '0/5000180' : '0/5000000' }],
    );
    expect(formatPosition(await withSpare.lockTablesForSync(s, [table], 750))).toBe('0/5000100');
    expect(polls).toBe(2);
    expect(opened).toBe(0);
  });

  it('opens no spare session when the flushed position already covers the insert position', async () => {
    let opened = 0;
    const withSpare = createPostgresReplication({ versionNum: 150006, wal: DEFAULT_WAL_GEOMETRY }, async () => {
      opened++;
      return fakeSession(() => [{ xid: '1' }]);
    });
    const s = fakeSession(() => [{ lsn: '0/5000100', flushed: '0/5000100', wal_writer_delay: '200ms' }]);
    expect(formatPosition(await withSpare.lockTablesForSync(s, [table], 750))).toBe('0/5000100');
    expect(opened).toBe(0);
  });

  it('with the flush stuck on a page boundary and no spare session, or a commit that fails, takes the flushed position', async () => {
    const s = () => fakeSession((sql) =>
      sql.includes('LOCK TABLE') ? [{ lsn: '0/5000100', flushed: '0/5000000', wal_writer_delay: '10ms' }] : [{ flushed: '0/5000000' }],
    );
    const refused = createPostgresReplication({ versionNum: 150006, wal: DEFAULT_WAL_GEOMETRY }, async () => {
      throw new SyncpointError('connection', 'too many connections', 'h:1');
    });
    expect(formatPosition(await refused.lockTablesForSync(s(), [table], 750))).toBe('0/5000000');
    let closed = false;
    const failing = createPostgresReplication({ versionNum: 150006, wal: DEFAULT_WAL_GEOMETRY }, async () => ({
      ...fakeSession(() => { throw new Error('boom'); }),
      close: async () => void (closed = true),
    }));
    expect(formatPosition(await failing.lockTablesForSync(s(), [table], 750))).toBe('0/5000000');
    expect(closed).toBe(true);
  });

  it('gives a slow spare login no more than the flush wait while the lock is held, then reads the flushed position again; the late session still commits and closes', async () => {
    // The WAL writer flushes asynchronous commits within its cycle: the position read after the
    // wait covers them, the one read before it may not.
    let polls = 0;
    const s = fakeSession((sql) =>
      sql.includes('LOCK TABLE') ? [{ lsn: '0/5000100', flushed: '0/4FFE000', wal_writer_delay: '10ms' }] : [{ flushed: ++polls > 3 ? '0/5000000' : '0/4FFE000' }],
    );
    const late = closableSession(() => [{ xid: '9' }]);
    // The login completes only when the test says so: long after the sync point has moved on.
    let login!: () => void;
    const slow = createPostgresReplication({ versionNum: 150006, wal: DEFAULT_WAL_GEOMETRY }, () => new Promise((resolve) => (login = () => resolve(late))));
    expect(formatPosition(await slow.lockTablesForSync(s, [table], 750))).toBe('0/5000000');
    expect(polls).toBeGreaterThan(3);
    expect(late.log).toEqual([]);
    login();
    await new Promise((r) => setTimeout(r, 10));
    expect(late.log).toEqual(['SELECT pg_catalog.pg_current_xact_id()::text AS xid']);
    expect(late.closed).toBe(true);
  });

  it('commits on the idle session it is given (no login under the lock) and leaves it open', async () => {
    let opened = 0;
    const withSpare = createPostgresReplication({ versionNum: 150006, wal: DEFAULT_WAL_GEOMETRY }, async () => {
      opened++;
      return fakeSession(() => [{ xid: '1' }]);
    });
    const s = fakeSession(() => [{ lsn: '0/5000100', flushed: '0/5000000', wal_writer_delay: '10ms' }]);
    const lane = closableSession(() => [{ xid: '3' }]);
    expect(formatPosition(await withSpare.lockTablesForSync(s, [table], 750, lane))).toBe('0/5000100');
    expect(lane.log).toEqual(['SELECT pg_catalog.pg_current_xact_id()::text AS xid']);
    expect(lane.closed).toBe(false);
    expect(opened).toBe(0);
  });

  it('a flushed position inside a page is a record end: after the WAL writer\'s wait it is taken as it is, and nothing is written', async () => {
    let opened = 0;
    const withSpare = createPostgresReplication({ versionNum: 150006, wal: DEFAULT_WAL_GEOMETRY }, async () => {
      opened++;
      return fakeSession(() => [{ xid: '1' }]);
    });
    // E.g. the lock session's own catalog pruning, or an open transaction's record, unflushed.
    const s = fakeSession((sql) => (sql.includes('LOCK TABLE') ? [{ lsn: '0/5000100', flushed: '0/5000080', wal_writer_delay: '10ms' }] : [{ flushed: '0/5000080' }]));
    const lane = closableSession(() => [{ xid: '3' }]);
    expect(formatPosition(await withSpare.lockTablesForSync(s, [table], 750, lane))).toBe('0/5000080');
    expect(opened).toBe(0);
    expect(lane.log).toEqual([]);
  });

  it('without a spare session, waits for the WAL writer when the insert position is ahead of the flushed one, then uses the flushed one (inside a page)', async () => {
    // An open transaction's WAL can stay unflushed on a quiet primary; replicas never receive it.
    const s = fakeSession((sql) =>
      sql.includes('LOCK TABLE') ? [{ lsn: '0/5000100', flushed: '0/5000080', wal_writer_delay: '10ms' }] : [{ flushed: '0/5000080' }],
    );
    const pos = await probe.lockTablesForSync(s, [table], 750);
    expect(formatPosition(pos)).toBe('0/5000080');
    expect(s.log.length).toBeGreaterThan(1);
  });

  it('takes the insert position once the flush catches up with it', async () => {
    let polls = 0;
    const s = fakeSession((sql) =>
      sql.includes('LOCK TABLE') ? [{ lsn: '0/5000100', flushed: '0/5000080', wal_writer_delay: '200ms' }] : [{ flushed: ++polls > 1 ? '0/5000100' : '0/5000080' }],
    );
    const pos = await probe.lockTablesForSync(s, [table], 750);
    expect(formatPosition(pos)).toBe('0/5000100');
  });

  it("a primary's current position: the insert position, made reachable by a commit on a spare session when the flush is behind it", async () => {
    let opened = 0;
    const withSpare = createPostgresReplication({ versionNum: 150006, wal: DEFAULT_WAL_GEOMETRY }, async () => {
      opened++;
      return fakeSession(() => [{ xid: '7' }]);
    });
    const caughtUp = fakeSession(() => [{ replay: null, insert: '0/5000100', flushed: '0/5000100', wal_writer_delay: '10ms' }]);
    expect(formatPosition(await withSpare.currentPosition(caughtUp))).toBe('0/5000100');
    expect(opened).toBe(0);
    const behind = fakeSession(() => [{ replay: null, insert: '0/5000100', flushed: '0/5000000', wal_writer_delay: '10ms' }]);
    expect(formatPosition(await withSpare.currentPosition(behind))).toBe('0/5000100');
    expect(opened).toBe(1);
    // A standby's position is its replay position: nothing to flush there.
    const standby = fakeSession(() => [{ replay: '0/4000060', insert: null, flushed: null }]);
    expect(formatPosition(await withSpare.currentPosition(standby))).toBe('0/4000060');
    expect(opened).toBe(1);
  });

  it('imports a snapshot into a read-only REPEATABLE READ transaction and rejects malformed ids', async () => {
    const s = fakeSession(() => []);
    await probe.importSnapshot(s, '00000003-0000001B-1');
    expect(s.log).toEqual(["BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '00000003-0000001B-1'"]);
    await expect(probe.importSnapshot(s, "1'; DROP TABLE x; --")).rejects.toThrow(/malformed snapshot id/);
  });

  it('begins a snapshot with a statement that fixes it, and reports no position', async () => {
    const s = fakeSession(() => [{ snapshot: '1:1:' }]);
    expect(await probe.beginSnapshot(s)).toBeNull();
    expect(s.log[0]).toMatch(/^BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT /);
  });

  it('refuses the replica-until primitives as a usage error', async () => {
    const s = fakeSession(() => []);
    for (const f of [() => probe.stopApply(s), () => probe.startApplyUntil(s, { kind: 'pg-lsn', lsn: 1n }), () => probe.waitApplyStopped(s, 1)]) {
      await expect(f()).rejects.toMatchObject({ kind: 'usage' });
    }
  });

  it('resumes a paused standby on startApply, and touches nothing on a primary', async () => {
    const paused = fakeSession((sql) => (sql.includes('pg_is_in_recovery') ? [{ standby: true }] : sql.includes('paused') ? [{ paused: true }] : []));
    await probe.startApply(paused);
    expect(paused.log.at(-1)).toBe('SELECT pg_catalog.pg_wal_replay_resume()');
    const primary = fakeSession(() => [{ standby: false }]);
    await probe.startApply(primary);
    expect(primary.log).toHaveLength(1);
  });
});

describe('waitApplied', () => {
  const target = { kind: 'pg-lsn', lsn: lsn('0/5000') } as const;

  it('physical: polls replay until it reaches the position', async () => {
    const replays = ['0/4000', '0/4FFF', '0/5000'];
    const s = fakeSession((sql) => (sql.includes('pg_is_in_recovery') ? [{ standby: true }] : [{ lsn: replays.shift() ?? '0/5000', paused: false }]));
    expect(await probe.waitApplied(s, target, 2000)).toBe(true);
    expect(replays).toHaveLength(0);
  });

  it('physical: gives up at once on a paused replay (the tool never resumes it here)', async () => {
    const s = fakeSession((sql) => (sql.includes('pg_is_in_recovery') ? [{ standby: true }] : [{ lsn: '0/4000', paused: true }]));
    const started = Date.now();
    expect(await probe.waitApplied(s, target, 5000)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('physical: false when the time is up', async () => {
    const s = fakeSession((sql) => (sql.includes('pg_is_in_recovery') ? [{ standby: true }] : [{ lsn: '0/4000', paused: false }]));
    expect(await probe.waitApplied(s, target, 30)).toBe(false);
  });

  it('logical: true once every enabled subscription has applied the position', async () => {
    let polls = 0;
    const s = fakeSession((sql) => {
      if (sql.includes('pg_is_in_recovery')) return [{ standby: false }];
      polls++;
      return [
        { ...subRow, name: 'a', received_lsn: '0/5000', latest_end_lsn: '0/5000' },
        { ...subRow, name: 'b', received_lsn: polls < 3 ? '0/4000' : '0/5000', latest_end_lsn: polls < 3 ? '0/4000' : '0/5000' },
        { ...subRow, name: 'off', enabled: false, pid: null, received_lsn: null, latest_end_lsn: null },
      ];
    });
    expect(await probe.waitApplied(s, target, 2000)).toBe(true);
    expect(polls).toBe(3);
  });

  it('logical: a server that is neither standby nor subscriber is a configuration error', async () => {
    const s = fakeSession((sql) => (sql.includes('pg_is_in_recovery') ? [{ standby: false }] : []));
    await expect(probe.waitApplied(s, target, 100)).rejects.toBeInstanceOf(SyncpointError);
  });

  it('refuses positions of another kind', async () => {
    const s = fakeSession(() => [{ standby: true }]);
    await expect(probe.waitApplied(s, { kind: 'binlog-file-pos', file: 'b.1', pos: 4n }, 10)).rejects.toMatchObject({ kind: 'usage' });
  });
});

import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PgSession, sessionSetupSql, socketTarget } from '../../../../src/engine/postgres/postgres-driver.js';
import { postgresCapabilities } from '../../../../src/engine/postgres/postgres-engine.js';

describe('session setup', () => {
  const sql = sessionSetupSql({ lockWaitMs: 1500 });

  it('fixes every setting that changes value text, so equal rows hash equal on every server', () => {
    for (const s of ["SET TimeZone = 'UTC'", "SET DateStyle = 'ISO, YMD'", "SET IntervalStyle = 'iso_8601'", 'SET extra_float_digits = 3', "SET bytea_output = 'hex'", "SET lc_monetary = 'C'"]) {
      expect(sql).toContain(s);
    }
  });

  it('gives up lock waits after lockWaitMs but never cuts statements or idle snapshots', () => {
    expect(sql).toContain("SET lock_timeout = '1500ms'");
    expect(sql).toContain('SET statement_timeout = 0');
    expect(sql).toContain('SET idle_in_transaction_session_timeout = 0');
  });

  it('never turns lock_timeout off by accident (0 would mean wait forever)', () => {
    expect(sessionSetupSql({ lockWaitMs: 0.2 })).toContain("SET lock_timeout = '1ms'");
  });

  it('reads only, with an empty search_path, and reports the backend pid last', () => {
    expect(sql).toContain("SET search_path = ''");
    expect(sql).toContain('SET default_transaction_read_only = on');
    expect(sql.endsWith('SELECT pg_backend_pid() AS pid, pg_catalog.host(pg_catalog.inet_server_addr()) AS server_addr, pg_catalog.inet_server_port() AS server_port')).toBe(true);
  });
});

describe('unix sockets', () => {
  it('accepts the socket directory or the socket file', () => {
    expect(socketTarget('/run/postgresql', 5432)).toEqual({ host: '/run/postgresql', port: 5432 });
    expect(socketTarget('/tmp/.s.PGSQL.25410', 5432)).toEqual({ host: '/tmp', port: 25410 });
  });
});

describe('capabilities', () => {
  it('primary-lock only, shared snapshots, no snapshot position, partial discovery, no GTIDs', () => {
    expect(postgresCapabilities).toMatchObject({ syncMethods: ['primary-lock'], sharedSnapshots: true, snapshotPosition: false, replicaDiscovery: true, gtid: false });
  });
});

/** Just what PgSession uses of a pg.Client. */
class FakeClient extends EventEmitter {
  calls: unknown[] = [];
  ended = 0;
  constructor(private readonly answer: (q: unknown) => unknown) {
    super();
  }
  async query(q: unknown) {
    this.calls.push(q);
    return this.answer(q);
  }
  async end() {
    this.ended++;
  }
}

const server = { host: 'db1', port: 5432, label: 'db1:5432' };
const session = (client: FakeClient, onClose: (s: PgSession) => void = () => {}) => new PgSession(client as unknown as pg.Client, server, 42, onClose);

describe('sessions', () => {
  it('runs parameterless statements as one simple query and returns the last result set', async () => {
    const c = new FakeClient(() => [{ rows: [] }, { rows: [{ x: 1 }] }]);
    expect(await session(c).query('BEGIN; SELECT 1 AS x')).toEqual([{ x: 1 }]);
    expect(c.calls).toEqual(['BEGIN; SELECT 1 AS x']);
  });

  it('binds parameters through the extended protocol', async () => {
    const c = new FakeClient(() => ({ rows: [{ n: '1' }] }));
    await session(c).query({ sql: 'SELECT $1::int8 AS n', params: ['1'] });
    expect(c.calls).toEqual([{ text: 'SELECT $1::int8 AS n', values: ['1'] }]);
  });

  it('maps a failing statement to a one-line error that keeps the SQLSTATE', async () => {
    const c = new FakeClient(() => {
      throw Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' });
    });
    await expect(session(c).query('LOCK TABLE x')).rejects.toMatchObject({ kind: 'timeout', where: 'db1:5432', cause: { code: '55P03' } });
  });

  it('a connection lost while idle is closed, and the next query says why (regression: it said only "closed")', async () => {
    const c = new FakeClient(() => ({ rows: [] }));
    const s = session(c);
    c.emit('error', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }));
    expect(s.closed).toBe(true);
    await expect(s.query('SELECT 1')).rejects.toMatchObject({ kind: 'connection', message: 'terminating connection due to administrator command (SQLSTATE 57P01)' });
    expect(c.calls).toEqual([]);
  });

  it('close ends the client once, tells the engine, and never throws', async () => {
    const c = new FakeClient(() => ({ rows: [] }));
    const closed: PgSession[] = [];
    const s = session(c, (x) => closed.push(x));
    await s.close();
    await s.close();
    expect(c.ended).toBe(1);
    expect(closed).toEqual([s, s]);
    expect(s.closed).toBe(true);
    expect(s.connectionId).toBe(42);
  });
});

/**
 * The sandbox against real servers, per installed engine: up -> status -> replication carries a
 * write -> sample data + write load stay consistent, injected drift does not replicate -> a
 * second up is refused -> down leaves no process and no directory. Plus: an `up` that fails
 * half-way cleans up after itself.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { existsSync, rmSync } from 'node:fs';
import {
  connectDsn,
  injectDrift,
  loadSampleData,
  sandboxDown,
  sandboxStatus,
  sandboxUp,
  startWriteLoad,
  waitForReplicas,
  type SandboxEngine,
  type SandboxInfo,
} from '../../src/sandbox/index.js';
import { SyncpointError } from '../../src/errors.js';
import { parseDsn } from '../../src/config/dsn.js';
import { ENGINES, processesMentioning, tempSandboxDir } from '../support/topology.js';

// Real servers: generous bounds also when run without test/vitest.config.ts.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const TOPOLOGY: Record<SandboxEngine, { replicas: number; logical: number; names: string[] }> = {
  mariadb: { replicas: 2, logical: 0, names: ['primary', 'replica1', 'replica2'] },
  postgres: { replicas: 1, logical: 1, names: ['primary', 'standby1', 'subscriber1'] },
};

async function rowsOn(dsn: string, sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const c = await connectDsn(dsn);
  try {
    return await c.query(sql, params);
  } finally {
    await c.close();
  }
}

const q = (engine: SandboxEngine, table: string) => (engine === 'mariadb' ? `shop.${table}` : `"shop"."${table}"`);

async function countsOn(engine: SandboxEngine, dsn: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['customers', 'products', 'orders', 'order_items', 'events']) {
    out[t] = Number((await rowsOn(dsn, `SELECT count(*) AS n FROM ${q(engine, t)}`))[0]!['n']);
  }
  return out;
}

if (ENGINES.length === 0) {
  describe('sandbox', () => {
    it.skip('no MariaDB or PostgreSQL server binaries installed', () => {});
  });
}

describe.each(ENGINES)('sandbox (%s)', (engine) => {
  const topo = TOPOLOGY[engine];
  const dir = tempSandboxDir(engine);
  const failDir = tempSandboxDir(engine);
  let info: SandboxInfo;

  afterAll(async () => {
    // Whatever happened above (a test that timed out leaves its `up` running): nothing may survive the file.
    if (existsSync(dir)) await sandboxDown({ dir }).catch(() => {});
    for (const d of [dir, failDir]) {
      for (const pid of processesMentioning(d)) process.kill(pid, 'SIGKILL');
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('up starts a primary and replicas that all replicate', async () => {
    const t0 = Date.now();
    info = await sandboxUp({ dir, engine, replicas: topo.replicas, logical: topo.logical });
    const ms = Date.now() - t0;
    expect(ms).toBeLessThan(60_000);
    expect(info.engine).toBe(engine);
    expect(info.dir).toBe(dir);
    expect(info.nodes.map((n) => n.name)).toEqual(topo.names);
    for (const n of info.nodes) {
      expect(n.host).toBe('127.0.0.1');
      expect([3306, 5432]).not.toContain(n.port);
      expect(n.pid).toBeGreaterThan(0);
      const spec = parseDsn(n.dsn);
      expect(spec.port).toBe(n.port);
      expect(spec.password).toBeTruthy();
    }
    expect(existsSync(`${dir}/sandbox.json`)).toBe(true);

    const st = await sandboxStatus({ dir });
    expect(st).not.toBeNull();
    for (const n of st!.nodes) {
      expect({ node: n.name, up: n.up, error: n.error }).toEqual({ node: n.name, up: true, error: undefined });
      if (n.role !== 'primary') expect({ node: n.name, replicating: n.replicating }).toEqual({ node: n.name, replicating: true });
      expect(n.position).toBeTruthy();
    }
    if (engine === 'mariadb') {
      // report_host/report_port make replicas discoverable from the primary.
      const hosts = await rowsOn(info.nodes[0]!.dsn, 'SHOW SLAVE HOSTS');
      expect(hosts.map((h) => Number(h['Port'])).sort()).toEqual(info.nodes.slice(1).map((n) => n.port).sort());
      const ro = await rowsOn(info.nodes[1]!.dsn, 'SELECT @@read_only AS ro, @@server_id AS id');
      expect(Number(ro[0]!['ro'])).toBe(1);
      expect(Number(ro[0]!['id'])).toBe(2);
    } else {
      const inRecovery = await rowsOn(info.nodes[1]!.dsn, 'SELECT pg_is_in_recovery() AS r');
      expect(inRecovery[0]!['r']).toBe(true);
    }
  });

  it('a write on the primary appears on every replica', async () => {
    const primary = info.nodes[0]!;
    if (engine === 'mariadb') {
      for (const sql of ['CREATE DATABASE probe', 'CREATE TABLE probe.t (id INT PRIMARY KEY, v VARCHAR(20))', "INSERT INTO probe.t VALUES (1, 'from primary')"]) await rowsOn(primary.dsn, sql);
    } else {
      // The subscriber follows the publication's tables; `up --logical` pre-created the sample schema.
      await rowsOn(primary.dsn, "INSERT INTO shop.products (id, sku, name, price, weight_kg, stock, perms, digest) VALUES (1, 'PROBE-000001', 'from primary', 1.50, 0.25, 3, B'00000101', '\\x00ff')");
    }
    await waitForReplicas(info, { timeoutMs: 30_000 });
    for (const n of info.nodes.slice(1)) {
      const rows = engine === 'mariadb' ? await rowsOn(n.dsn, 'SELECT v FROM probe.t WHERE id = 1') : await rowsOn(n.dsn, 'SELECT name AS v FROM shop.products WHERE id = 1');
      expect({ node: n.name, rows }).toEqual({ node: n.name, rows: [{ v: 'from primary' }] });
    }
  });

  it('sample data and write load replicate exactly; injected drift stays on its node', async () => {
    const res = await loadSampleData(info, { rows: 6000 });
    expect(res.totalRows).toBeGreaterThan(5000);
    expect(res.tables.every((t) => t.rows > 0)).toBe(true);
    const primaryCounts = await countsOn(engine, info.nodes[0]!.dsn);
    expect(Object.values(primaryCounts).reduce((a, b) => a + b, 0)).toBe(res.totalRows);
    for (const n of info.nodes.slice(1)) expect({ node: n.name, counts: await countsOn(engine, n.dsn) }).toEqual({ node: n.name, counts: primaryCounts });

    // Until it has committed 100 transactions (not for a set time: on a busy box that can be few).
    const load = await startWriteLoad(info.nodes[0]!.dsn, { tps: 200, durationMs: 60_000 });
    const deadline = Date.now() + 50_000;
    while (load.transactions <= 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const done = await load.stop();
    expect(done.transactions).toBeGreaterThan(100);
    expect(done.errors).toBe(0);
    await waitForReplicas(info, { timeoutMs: 30_000 });
    const after = await countsOn(engine, info.nodes[0]!.dsn);
    for (const n of info.nodes.slice(1)) expect({ node: n.name, counts: await countsOn(engine, n.dsn) }).toEqual({ node: n.name, counts: after });

    const target = info.nodes[info.nodes.length - 1]!; // replica2 / subscriber1
    const drift = await injectDrift(info, target.name);
    expect(drift.map((d) => d.kind)).toEqual(['update', 'delete', 'insert', 'case', 'nokey']);
    await waitForReplicas(info, { timeoutMs: 30_000 });
    const drifted = await countsOn(engine, target.dsn);
    expect(drifted.orders).toBe(after.orders! + 1);
    expect(drifted.order_items).toBe(after.order_items! - 1);
    expect(await countsOn(engine, info.nodes[0]!.dsn)).toEqual(after);
    // Replication keeps running after the drift (MariaDB: no errant GTID was written).
    const st = await sandboxStatus({ dir });
    expect(st!.nodes.filter((n) => n.role !== 'primary').every((n) => n.replicating)).toBe(true);
    if (engine === 'mariadb') expect(st!.nodes.map((n) => n.position)).toEqual(st!.nodes.map(() => st!.nodes[0]!.position));
  });

  it('a second up on the running sandbox is refused and changes nothing', async () => {
    const err = await sandboxUp({ dir, engine, replicas: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncpointError);
    expect((err as SyncpointError).kind).toBe('usage');
    expect((err as SyncpointError).message).toContain(dir);
    const st = await sandboxStatus({ dir });
    expect(st!.nodes.map((n) => [n.name, n.pid, n.up])).toEqual(info.nodes.map((n) => [n.name, n.pid, true]));
  });

  it('down stops every server and removes the directory', async () => {
    const pids = info.nodes.map((n) => n.pid!);
    const res = await sandboxDown({ dir });
    expect([...res.stopped].sort()).toEqual([...topo.names].sort());
    expect(res.removed).toBe(true);
    expect(existsSync(dir)).toBe(false);
    expect(processesMentioning(dir)).toEqual([]);
    // Each recorded pid is gone (or, if already reused, belongs to something else).
    for (const pid of pids) expect(processesMentioning(dir).includes(pid)).toBe(false);
    expect(await sandboxStatus({ dir })).toBeNull();
    expect(await sandboxDown({ dir })).toEqual({ stopped: [], removed: false });
  });

  it('an up that fails half-way stops what it started and removes the directory', async () => {
    const bad: Record<string, string[]> = engine === 'mariadb' ? { replica2: ['--no-such-option=1'] } : { subscriber1: ['--no_such_setting=1'] };
    const failing = engine === 'mariadb' ? 'replica2' : 'subscriber1';
    const err = await sandboxUp({ dir: failDir, engine, replicas: topo.replicas, logical: topo.logical, serverArgs: bad }).catch((e: unknown) => e);
    try {
      expect(err).toBeInstanceOf(SyncpointError);
      const e = err as SyncpointError;
      expect(e.where).toBe(failing);
      expect(e.oneLine()).not.toContain('\n');
      // The log named in the message survives the cleanup.
      const log = /see (\S+\.log)$/.exec(e.message)?.[1];
      expect(log).toBeTruthy();
      expect(existsSync(log!)).toBe(true);
      expect(existsSync(failDir)).toBe(false);
      expect(processesMentioning(failDir)).toEqual([]);
    } finally {
      const kept = /see (\S+)\/[^/]+\/[^/]+\.log$/.exec((err as Error).message)?.[1];
      if (kept && kept.includes('syncpoint-sandbox-failed-')) rmSync(kept, { recursive: true, force: true });
    }
  });
});

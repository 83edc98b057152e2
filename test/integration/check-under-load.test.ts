/**
 * No false alarms on a busy primary: while a write generator runs inserts, updates and deletes
 * on the checked tables, check on a consistent topology reports no drift, run after run; and
 * drift injected on a replica during the load is still found, on the right table and replica.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/api/check.js';
import { connectDsn, execOnNode, injectDrift, loadSampleData, sandboxDown, sandboxUp, startWriteLoad, waitForReplicas, type SandboxInfo } from '../../src/sandbox/index.js';
import type { SandboxEngine } from '../../src/sandbox/types.js';
import { ENGINES } from '../support/topology.js';

// The load writes these; the drift goes to customers, which the load leaves alone (a load update
// of a row deleted on a replica would stop its replication, which is another test).
const LOADED = ['orders', 'order_items', 'events'] as const;

for (const engine of ENGINES as SandboxEngine[]) {
  describe(`check under write load (${engine})`, () => {
    let info: SandboxInfo;
    let parent: string;
    const dsns = () => ({ primary: info.nodes[0]!.dsn, replicas: info.nodes.slice(1).map((n) => n.dsn) });

    beforeAll(async () => {
      parent = mkdtempSync(join(tmpdir(), `sp-load-${engine}-`));
      info = await sandboxUp({ dir: join(parent, 'sb'), engine, replicas: engine === 'postgres' ? 1 : 2, logical: engine === 'postgres' ? 1 : 0 });
      await loadSampleData(info, { rows: 60_000 });
    });

    afterAll(async () => {
      if (info) await sandboxDown({ dir: info.dir });
      if (parent) rmSync(parent, { recursive: true, force: true });
    });

    it('reports no drift on a consistent topology, three runs in a row, under a few hundred writes per second', async () => {
      const load = await startWriteLoad(info.nodes[0]!.dsn, { tables: [...LOADED], tps: 400, durationMs: 120_000 });
      const verdicts: string[] = [];
      try {
        await new Promise((r) => setTimeout(r, 1500));
        for (let i = 0; i < 3; i++) {
          const res = await check({ ...dsns(), filter: { databases: ['shop'] }, chunkTime: 0.05 });
          const bad = res.tables.filter((t) => t.status !== 'ok');
          expect(bad, JSON.stringify(bad)).toEqual([]);
          expect(res.tables.some((t) => t.chunks > 1)).toBe(true);
          verdicts.push(res.verdict);
        }
      } finally {
        const done = await load.stop();
        expect(done.transactions / (done.durationMs / 1000), `load: ${JSON.stringify(done)}`).toBeGreaterThan(150);
      }
      expect(verdicts).toEqual(['consistent', 'consistent', 'consistent']);
    });

    it('still finds drift injected on a replica while the load runs', async () => {
      const target = info.nodes.find((n) => n.role === 'subscriber') ?? info.nodes.find((n) => n.role === 'replica')!;
      const load = await startWriteLoad(info.nodes[0]!.dsn, { tables: [...LOADED], tps: 400, durationMs: 120_000 });
      try {
        const injected = await injectDrift(info, target.name, ['update', 'case']);
        expect(injected.length).toBe(2);
        const res = await check({ ...dsns(), filter: { databases: ['shop'] }, chunkTime: 0.05 });
        const drifting = res.tables.filter((t) => t.status !== 'ok').map((t) => `${t.table}@${t.replica}:${t.status}`);
        expect(drifting).toEqual([`shop.customers@${target.host}:${target.port}:drift`]);
        expect(res.verdict).toBe('drift');
      } finally {
        await load.stop();
      }
    });

    /**
     * Pins a false alarm: MyISAM and Aria tables are not isolated by snapshots, so under writes a
     * chunk read on the primary and on a replica at the same sync point differed, and so did its
     * re-checks: drift on every run. Differing chunks of such tables are now re-checked with the
     * table locked on the primary and each replica caught up with the lock's position.
     */
    it.runIf(engine === 'mariadb')('MyISAM and Aria tables written all the time: no false drift, and a real difference still found', async () => {
      await execOnNode(info, 'primary', [
        'CREATE DATABASE nt',
        'CREATE TABLE nt.m (id INT PRIMARY KEY, v INT) ENGINE=MyISAM',
        'CREATE TABLE nt.a (id INT PRIMARY KEY, v INT) ENGINE=Aria',
        'INSERT INTO nt.m SELECT seq, 0 FROM nt.seq_1_to_20000',
        'INSERT INTO nt.a SELECT seq, 0 FROM nt.seq_1_to_20000',
      ], { binlog: true });
      await waitForReplicas(info);
      const writer = await connectDsn(info.nodes[0]!.dsn);
      let stop = false;
      let writes = 0;
      const writing = (async () => {
        for (let i = 0; !stop; i++) {
          await writer.exec(`UPDATE nt.${i % 2 ? 'm' : 'a'} SET v = v + 1 WHERE id = ?`, [1 + ((i * 7919) % 20000)]);
          writes++;
        }
      })();
      try {
        for (let i = 0; i < 3; i++) {
          const res = await check({ ...dsns(), filter: { databases: ['nt'] }, chunkTime: 0.05 });
          const bad = res.tables.filter((t) => t.status !== 'ok');
          expect(bad, `run ${i + 1}: ${JSON.stringify(bad)}`).toEqual([]);
        }
        const target = info.nodes[2]!;
        await execOnNode(info, target.name, ['UPDATE nt.m SET v = -5 WHERE id = 12345']);
        const res = await check({ ...dsns(), filter: { databases: ['nt'] }, chunkTime: 0.05 });
        const drifting = res.tables.filter((t) => t.status !== 'ok');
        expect(drifting.map((t) => `${t.table}@${t.replica}:${t.status}`), JSON.stringify(drifting)).toEqual([`nt.m@${target.host}:${target.port}:drift`]);
        expect(drifting[0]!.reason).not.toMatch(/seen at one sync point only/);
      } finally {
        stop = true;
        await writing;
        await writer.close();
      }
      expect(writes).toBeGreaterThan(100);
    });
  });
}

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
import { injectDrift, loadSampleData, sandboxDown, sandboxUp, startWriteLoad, type SandboxInfo } from '../../src/sandbox/index.js';
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
  });
}

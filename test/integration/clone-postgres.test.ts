/**
 * syncpoint clone on a real PostgreSQL sandbox (primary + standby1 streaming through a slot):
 * a clone under write load streams through its own slot, catches up and checks consistent; a
 * non-empty target is refused; a failure injected at each step leaves the source streaming, the
 * target marked incomplete and no slot behind; two-phase downtime against cold on a few hundred
 * MB; the tool killed mid-copy (SIGKILL) leaves the source running.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { check } from '../../src/api/check.js';
import { clone } from '../../src/api/clone.js';
import { SyncpointError } from '../../src/errors.js';
import { addReplica, sandboxStartCommand, SAMPLE_TABLES, startWriteLoad, syncSandboxPids, waitForReplicas, type SandboxInfo } from '../../src/sandbox/index.js';
import { markerIn, replicating, rowCounts, serversOn, waitReplicating, stoppedCopyBytes, stoppedLiteralBytes } from '../support/clone.js';
import { ENGINES, withSandbox } from '../support/topology.js';

const BIN = fileURLToPath(new URL('../../bin/syncpoint', import.meta.url));
const run = ENGINES.includes('postgres') ? describe : describe.skip;

async function current(dir: string): Promise<SandboxInfo> {
  const s = await syncSandboxPids(dir);
  if (!s) throw new Error(`no sandbox in ${dir}`);
  return s;
}

run('clone on PostgreSQL (physical standby)', () => {
  const sb = withSandbox('postgres', { replicas: 1, sample: { rows: 20_000 } });
  const slots = async () => (await sb.query('primary', 'SELECT slot_name, active FROM pg_replication_slots ORDER BY 1')).map((r) => `${String(r['slot_name'])}:${r['active'] ? 'active' : 'inactive'}`);

  it('clones standby1 while the primary takes writes: its own slot, caught up, verified, nothing lost', async () => {
    const load = await startWriteLoad(sb.primary.dsn, { tps: 200, durationMs: 120_000 });
    let res;
    try {
      await sleep(500);
      res = await addReplica({ dir: sb.dir, cloneFrom: 'standby1', copyMethod: 'two-phase' });
    } finally {
      const done = await load.stop();
      expect(done.transactions).toBeGreaterThan(100);
    }
    const m = res.clone.manifest!;
    expect(res.clone.verdict, res.clone.error).toBe('consistent');
    expect(m).toMatchObject({ complete: true, engine: 'postgres', replicationMode: 'physical', copyMethod: 'two-phase', target: { slot: 'syncpoint_standby2' }, source: { restartedBy: 'clone', replicating: true } });
    expect(m.position).toMatchObject({ kind: 'pg-lsn', timeline: 1 });
    expect(m.position?.lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    const node = res.node!;
    expect(markerIn(node.dataDir)).toBeNull();
    expect(await slots()).toEqual(expect.arrayContaining(['syncpoint_standby1:active', 'syncpoint_standby2:active']));
    const apps = (await sb.query('primary', 'SELECT application_name FROM pg_stat_replication')).map((r) => r['application_name']);
    expect(apps).toEqual(expect.arrayContaining(['standby1', 'standby2']));
    const info = await current(sb.dir);
    await waitForReplicas(info, { timeoutMs: 60_000 });
    expect(await rowCounts('postgres', node, SAMPLE_TABLES)).toEqual(await rowCounts('postgres', sb.primary, SAMPLE_TABLES));
    const after = await check({ primary: sb.primary.dsn, replicas: [node.dsn], filter: { databases: ['shop'] } });
    expect(after.verdict).toBe('consistent');
    // The copy's data directory keeps its owner (PostgreSQL refuses a data directory it does not own).
    expect(readFileSync(join(node.dataDir, 'postgresql.auto.conf'), 'utf8')).toMatch(/primary_slot_name = 'syncpoint_standby2'/);
  });

  it('refuses a non-empty target directory and touches nothing', async () => {
    const info = await current(sb.dir);
    const source = info.nodes.find((n) => n.name === 'standby1')!;
    const target = join(sb.dir, 'occupied', 'data');
    mkdirSync(target, { recursive: true });
    writeFileSync(join(target, 'PG_VERSION'), '15');
    const err = await clone({ source: source.dsn, sourceStart: sandboxStartCommand(info, source), target: 'postgres://127.0.0.1:1/postgres', targetDatadir: target, targetStart: 'true' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncpointError);
    expect((err as Error).message).toMatch(/is not empty.*--force/);
    expect(readFileSync(join(target, 'PG_VERSION'), 'utf8')).toBe('15');
    expect((await current(sb.dir)).nodes.find((n) => n.name === 'standby1')!.pid).toBe(source.pid);
  });

  it('a failure injected at each step leaves the source streaming, the target marked incomplete, no slot behind', async () => {
    const before = await slots();
    for (const step of ['copy-live', 'quiesce', 'copy', 'restart-source', 'prepare-target', 'start-target', 'verify', 'manifest'] as const) {
      const res = await addReplica({
        dir: sb.dir,
        cloneFrom: 'standby1',
        copyMethod: 'two-phase',
        onStep: (e) => {
          if (e.name === step && e.phase === 'end') throw new Error(`injected failure at ${step}`);
        },
      });
      const m = res.clone.manifest!;
      expect(res.node, step).toBeNull();
      expect(res.clone.verdict, step).toBe('incomplete');
      expect(m.failedStep, step).toBe(step);
      const source = (await current(sb.dir)).nodes.find((n) => n.name === 'standby1')!;
      expect(await waitReplicating('postgres', source.dsn, 15_000), `source after ${step}`).toBe(true);
      expect(markerIn(m.target.datadir)?.stage, step).toMatch(new RegExp(`failed at ${step}`));
      expect(serversOn(m.target.datadir), `no server left on the target after ${step}`).toEqual([]);
      expect(await slots(), `slots after ${step}`).toEqual(before);
    }
  });

  describe('a few hundred MB', () => {
    it('two-phase keeps the source down for a fraction of a cold copy', async () => {
      await sb.query('primary', 'CREATE TABLE shop.big (id int PRIMARY KEY, pad text)');
      await sb.query('primary', "INSERT INTO shop.big SELECT g, repeat(chr(65 + g % 26), 1500) FROM generate_series(1, 160000) g");
      await waitForReplicas(await current(sb.dir), { timeoutMs: 120_000 });
      const load = await startWriteLoad(sb.primary.dsn, { tps: 100, durationMs: 120_000 });
      let cold;
      let two;
      try {
        cold = await addReplica({ dir: sb.dir, cloneFrom: 'standby1', copyMethod: 'cold', verify: false });
        two = await addReplica({ dir: sb.dir, cloneFrom: 'standby1', copyMethod: 'two-phase', verify: false });
      } finally {
        await load.stop();
      }
      const c = cold.clone.manifest!;
      const t = two.clone.manifest!;
      expect(cold.clone.verdict, cold.clone.error).toBe('unverified');
      expect(two.clone.verdict, two.clone.error).toBe('unverified');
      console.info(`[clone-postgres] data directory ${(c.datadirBytes! / 2 ** 20).toFixed(0)} MiB; source downtime cold ${c.sourceDowntimeMs} ms ${JSON.stringify(c.sourceDowntime)}, two-phase ${t.sourceDowntimeMs} ms ${JSON.stringify(t.sourceDowntime)}; written while stopped: cold ${stoppedLiteralBytes(c)} B, two-phase ${stoppedLiteralBytes(t)} B (files touched: ${stoppedCopyBytes(c)} B, ${stoppedCopyBytes(t)} B); catch-up cold ${c.catchUpMs} ms, two-phase ${t.catchUpMs} ms`);
      expect(c.datadirBytes!).toBeGreaterThan(200 * 2 ** 20);
      // What two-phase changes is how much is copied while the source is down: bytes, not timings
      // (the box is shared; the downtime figures above are logged, and benchmarked, not asserted).
      // Written, not touched: a file the server rewrites a few pages of after the live pass
      // (pg_xact, a relation file given hint bits) is re-read whole, but only its changed blocks
      // are sent.
      // The whole-file figure is at the mercy of the server's background writes (a MariaDB CI run
      // touched 347 of 353 MiB again).
      expect(stoppedLiteralBytes(c)).toBeGreaterThan(200 * 2 ** 20);
      expect(stoppedLiteralBytes(t)).toBeLessThan(stoppedLiteralBytes(c) / 2);
      expect(t.copyPasses.some((p) => p.whileRunning && p.bytes > 0)).toBe(true);
      for (const r of [cold, two]) expect(await waitReplicating('postgres', r.node!.dsn)).toBe(true);
    });

    it('killing the tool mid-copy (SIGKILL) leaves the source running and streaming', async () => {
      const info = await current(sb.dir);
      const source = info.nodes.find((n) => n.name === 'standby1')!;
      const pw = decodeURIComponent(new URL(source.dsn).password);
      const target = join(sb.dir, 'killed', 'data');
      const child = spawn(process.execPath, [BIN, 'clone', '--source', `postgres://postgres@127.0.0.1:${source.port}/postgres`, '--source-start', sandboxStartCommand(info, source), '--target', 'postgres://127.0.0.1:1/postgres', '--target-datadir', target, '--target-start', 'true', '--bwlimit', '20000', '--no-verify'], { env: { ...process.env, PGPASSWORD: pw }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const until = Date.now() + 60_000;
      while (!/\[3\] copy: copy/.test(stderr) && Date.now() < until && child.exitCode === null) await sleep(50);
      expect(stderr).toMatch(/\[3\] copy: copy/);
      await sleep(1000);
      expect(await replicating('postgres', source.dsn)).toBe(false);
      child.kill('SIGKILL');
      expect(await waitReplicating('postgres', source.dsn, 60_000)).toBe(true);
      expect(readFileSync(`${target}.clone.log`, 'utf8')).toMatch(/guardian: tool gone while the source was stopped/);
      // The guardian may still be finishing its restore (the source answers before the guardian
      // sees it): wait for it, or the sandbox teardown leaves it waiting for a server that is gone.
      for (const until = Date.now() + 60_000; !/guardian: done/.test(readFileSync(`${target}.clone.log`, 'utf8')) && Date.now() < until; ) await sleep(200);
      expect(readFileSync(`${target}.clone.log`, 'utf8')).toMatch(/guardian: done/);
      expect(markerIn(target)).not.toBeNull();
      expect(existsSync(join(target, 'postmaster.pid'))).toBe(false);
    });
  });
});

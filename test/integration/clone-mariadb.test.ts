/**
 * syncpoint clone on a real MariaDB sandbox (primary + replica1, GTID, statement-based logging
 * so temporary tables replicate): a clone under write load catches up and checks consistent; an
 * open temporary table delays the stop; a non-empty target is refused; a failure injected at
 * each step leaves the source replicating and the target marked incomplete; two-phase downtime
 * against cold on a few hundred MB; the tool killed mid-copy (SIGKILL) leaves the source running.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { check } from '../../src/api/check.js';
import { clone } from '../../src/api/clone.js';
import { SyncpointError } from '../../src/errors.js';
import { addReplica, connectDsn, execOnNode, sandboxStartCommand, SAMPLE_TABLES, startWriteLoad, syncSandboxPids, waitForReplicas, type SandboxInfo } from '../../src/sandbox/index.js';
import { markerIn, replicating, rowCounts, serversOn, waitReplicating, stoppedCopyBytes, stoppedLiteralBytes } from '../support/clone.js';
import { ENGINES, withSandbox } from '../support/topology.js';

const BIN = fileURLToPath(new URL('../../bin/syncpoint', import.meta.url));
const run = ENGINES.includes('mariadb') ? describe : describe.skip;

/** The sandbox as it is now (nodes added by clones, pids after restarts). */
async function current(dir: string): Promise<SandboxInfo> {
  const s = await syncSandboxPids(dir);
  if (!s) throw new Error(`no sandbox in ${dir}`);
  return s;
}

run('clone on MariaDB (STATEMENT logging)', () => {
  const sb = withSandbox('mariadb', { replicas: 1, binlogFormat: 'STATEMENT', sample: { rows: 20_000 } });

  it('dry run: prints the checks and the plan, changes nothing, shows no password', async () => {
    const info = await current(sb.dir);
    const source = info.nodes.find((n) => n.name === 'replica1')!;
    const pw = decodeURIComponent(new URL(source.dsn).password);
    const target = join(sb.dir, 'dry', 'data');
    const r = spawnSync(process.execPath, [BIN, 'clone', '--source', `mysql://root@127.0.0.1:${source.port}/`, '--source-start', sandboxStartCommand(info, source), '--target', 'mysql://127.0.0.1:1/', '--target-datadir', target, '--target-start', 'true', '--dry-run', '--format', 'json'], { encoding: 'utf8', env: { ...process.env, MYSQL_PWD: pw }, timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res).toMatchObject({ command: 'clone', dryRun: true, verdict: 'go', manifest: null });
    expect(res.plan.map((s: { name: string }) => s.name)).toEqual(['preconditions', 'quiesce', 'copy', 'restart-source', 'prepare-target', 'start-target', 'verify', 'manifest']);
    expect(res.checks.every((c: { ok: boolean }) => c.ok)).toBe(true);
    expect(existsSync(join(sb.dir, 'dry'))).toBe(false);
    expect(r.stdout + r.stderr).not.toContain(pw);
    expect(await replicating('mariadb', source.dsn)).toBe(true);
  });

  /**
   * Pins a bug: a source given by socket passed its socket on to the primary's address read from
   * its replication settings; drivers prefer a socket, so the "primary" was the source itself (its
   * errant transactions passed unseen, its server ids were taken for the topology's). And a
   * --primary that reaches the source itself is refused.
   */
  it('dry run with the source given by socket checks against the real primary; a --primary that is the source is refused', async () => {
    const info = await current(sb.dir);
    const source = info.nodes.find((n) => n.name === 'replica1')!;
    expect(source.socket).not.toBeNull();
    const pw = decodeURIComponent(new URL(source.dsn).password);
    const target = join(sb.dir, 'dry-socket', 'data');
    const dry = (extra: string[]) => spawnSync(process.execPath, [BIN, 'clone', '--source', `mysql://root@localhost/?socket=${encodeURIComponent(source.socket!)}`, ...extra, '--source-start', sandboxStartCommand(info, source), '--target', 'mysql://127.0.0.1:1/', '--target-datadir', target, '--target-start', 'true', '--dry-run', '--format', 'json'], { encoding: 'utf8', env: { ...process.env, MYSQL_PWD: pw }, timeout: 60_000 });
    const viaSocket = dry([]);
    expect(viaSocket.status, viaSocket.stderr).toBe(0);
    const ok = JSON.parse(viaSocket.stdout);
    expect(ok.verdict).toBe('go');
    expect(ok.checks.find((c: { name: string }) => c.name === 'primary reachable').detail).toContain(`:${sb.primary.port}`);
    const itself = dry(['--primary', `mysql://root@127.0.0.1:${source.port}/`]);
    const refused = JSON.parse(itself.stdout);
    expect(refused.verdict).toBe('no-go');
    expect(refused.checks.find((c: { name: string }) => c.name === 'primary is not the source')).toMatchObject({ ok: false, detail: expect.stringMatching(/reaches the source itself/) });
    expect(existsSync(join(sb.dir, 'dry-socket'))).toBe(false);
    // --repl-user without its password: known before the source stops, not when the new replica connects.
    const noPw = JSON.parse(dry(['--repl-user', 'repl']).stdout);
    expect(noPw.verdict).toBe('no-go');
    expect(noPw.checks.find((c: { name: string }) => c.name === 'replication credentials')).toMatchObject({ ok: false, detail: expect.stringMatching(/--repl-user repl without SYNCPOINT_REPL_PASSWORD/) });
  });

  it('clones replica1 while the primary takes writes: caught up, verified, nothing lost, its connection settings repeated', async () => {
    // The source's own connection settings: ignored server and domain ids are carried to the new
    // replica; a delay is not (the clone is caught up and verified), and the result says so.
    const settings = (ids: string, domains: string, delay: number) => execOnNode(sb.info, 'replica1', ['STOP SLAVE', `CHANGE MASTER TO IGNORE_SERVER_IDS = (${ids}), IGNORE_DOMAIN_IDS = (${domains}), MASTER_DELAY = ${delay}`, 'START SLAVE']);
    await settings('99', '5', 1);
    const load = await startWriteLoad(sb.primary.dsn, { tps: 200, durationMs: 120_000 });
    let res;
    try {
      await sleep(500);
      res = await addReplica({ dir: sb.dir, cloneFrom: 'replica1', copyMethod: 'two-phase' });
    } finally {
      const done = await load.stop();
      expect(done.transactions).toBeGreaterThan(100);
      await settings('', '', 0);
    }
    expect(res.clone.manifest!.notes.join('\n')).toMatch(/delay of 1 s \(MASTER_DELAY\): the new replica does not .*STOP SLAVE SQL_THREAD; CHANGE MASTER TO MASTER_DELAY = 1; START SLAVE SQL_THREAD/);
    const m = res.clone.manifest!;
    expect(res.clone.verdict, res.clone.error).toBe('consistent');
    expect(m).toMatchObject({ complete: true, engine: 'mariadb', replicationMode: 'gtid', copyMethod: 'two-phase', source: { restartedBy: 'clone', replicating: true } });
    expect(m.position?.gtid).toMatch(/^\d+-\d+-\d+/);
    expect(m.position?.file).toMatch(/mariadb-bin\.\d+/);
    expect(m.catchUpMs).toBeGreaterThanOrEqual(0);
    expect(m.steps.map((s) => s.name)).toEqual(['preconditions', 'copy-live', 'quiesce', 'copy', 'restart-source', 'prepare-target', 'start-target', 'verify', 'manifest']);
    const node = res.node!;
    expect(markerIn(node.dataDir)).toBeNull();
    expect(JSON.parse(readFileSync(join(node.dataDir, 'syncpoint-clone.json'), 'utf8')).complete).toBe(true);
    // After the load: every write reached the new replica, and check agrees.
    const info = await current(sb.dir);
    await waitForReplicas(info, { timeoutMs: 60_000 });
    expect(await rowCounts('mariadb', node, SAMPLE_TABLES)).toEqual(await rowCounts('mariadb', sb.primary, SAMPLE_TABLES));
    const after = await check({ primary: sb.primary.dsn, replicas: [node.dsn, info.nodes.find((n) => n.name === 'replica1')!.dsn], filter: { databases: ['shop'] } });
    expect(after.verdict).toBe('consistent');
    // Its own server id, replicating from the primary at GTID positions.
    const c = await connectDsn(node.dsn);
    try {
      const st = (await c.query('SHOW SLAVE STATUS'))[0]!;
      expect(st['Using_Gtid']).toBe('Slave_Pos');
      expect(Number(st['Master_Port'])).toBe(sb.primary.port);
      expect(st).toMatchObject({ Replicate_Ignore_Server_Ids: '99', Replicate_Ignore_Domain_Ids: '5' });
      expect(Number(st['SQL_Delay'])).toBe(0);
      expect(Number((await c.query('SELECT @@server_id AS id'))[0]!['id'])).toBe(m.target.serverId);
    } finally {
      await c.close();
    }
    expect(m.target.serverId).not.toBe(m.source.serverId);
  });

  it('an open temporary table on the source delays the stop until it closes', async () => {
    const hold = await mysql.createConnection({ uri: sb.primary.dsn });
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      await hold.end();
    };
    try {
      await hold.query('CREATE TEMPORARY TABLE shop.clone_hold (id INT PRIMARY KEY)');
      await hold.query('INSERT INTO shop.clone_hold VALUES (1)');
      const source = (await current(sb.dir)).nodes.find((n) => n.name === 'replica1')!;
      const open = async () => Number((await sb.query('replica1', "SHOW GLOBAL STATUS LIKE 'Slave_open_temp_tables'"))[0]!['Value']);
      for (let i = 0; i < 50 && (await open()) === 0; i++) await sleep(100);
      expect(await open()).toBe(1);

      // Too short a wait: the clone gives up, the source keeps replicating, nothing is copied.
      const short = await addReplica({ dir: sb.dir, cloneFrom: 'replica1', verify: false, cloneOptions: { tempTableTimeoutMs: 1500 } });
      expect(short.clone.verdict).toBe('incomplete');
      expect(short.clone.manifest).toMatchObject({ failedStep: 'quiesce', complete: false });
      expect(short.clone.manifest!.tempTableRetries).toBeGreaterThan(0);
      expect(short.clone.error).toMatch(/temporary table/);
      expect(await replicating('mariadb', source.dsn)).toBe(true);

      // Long enough: the temporary table closes 3 s into the quiesce, then the stop goes ahead.
      let quiesceStarted = 0;
      const res = await addReplica({
        dir: sb.dir,
        cloneFrom: 'replica1',
        verify: false,
        cloneOptions: { tempTableTimeoutMs: 60_000 },
        onStep: (e) => {
          if (e.name === 'quiesce' && e.phase === 'start') {
            quiesceStarted = Date.now();
            setTimeout(() => void release(), 3000);
          }
        },
      });
      expect(res.clone.verdict, res.clone.error).toBe('unverified');
      const m = res.clone.manifest!;
      expect(m.tempTableRetries).toBeGreaterThan(0);
      const q = m.steps.find((s) => s.name === 'quiesce')!;
      expect(q.durationMs).toBeGreaterThanOrEqual(2500);
      expect(quiesceStarted).toBeGreaterThan(0);
      expect(await waitReplicating('mariadb', res.node!.dsn)).toBe(true);
      expect(Number((await connectDsn(res.node!.dsn).then(async (c) => { try { return await c.query("SHOW GLOBAL STATUS LIKE 'Slave_open_temp_tables'"); } finally { await c.close(); } }))[0]!['Value'])).toBe(0);
    } finally {
      await release();
    }
  });

  it('a source that replicates by binlog file and position: the clone follows the recorded coordinates', async () => {
    const setMode = async (mode: 'no' | 'slave_pos') => {
      const c = await connectDsn((await current(sb.dir)).nodes.find((n) => n.name === 'replica1')!.dsn);
      try {
        await c.exec('STOP SLAVE');
        await c.exec(`CHANGE MASTER TO MASTER_USE_GTID = ${mode}`);
        await c.exec('START SLAVE');
      } finally {
        await c.close();
      }
    };
    await setMode('no');
    try {
      const load = await startWriteLoad(sb.primary.dsn, { tps: 100, durationMs: 60_000 });
      let res;
      try {
        res = await addReplica({ dir: sb.dir, cloneFrom: 'replica1' });
      } finally {
        await load.stop();
      }
      expect(res.clone.verdict, res.clone.error).toBe('consistent');
      const m = res.clone.manifest!;
      expect(m.replicationMode).toBe('file-pos');
      expect(m.position).toMatchObject({ kind: 'binlog-file-pos', file: expect.stringMatching(/mariadb-bin/) });
      const st = (await connectDsn(res.node!.dsn).then(async (c) => { try { return await c.query('SHOW SLAVE STATUS'); } finally { await c.close(); } }))[0]!;
      expect(st['Using_Gtid']).toBe('No');
      await waitForReplicas(await current(sb.dir), { timeoutMs: 60_000 });
      expect(await rowCounts('mariadb', res.node!, SAMPLE_TABLES)).toEqual(await rowCounts('mariadb', sb.primary, SAMPLE_TABLES));
    } finally {
      await setMode('slave_pos');
    }
  });

  it('refuses a non-empty target directory and touches nothing', async () => {
    const info = await current(sb.dir);
    const source = info.nodes.find((n) => n.name === 'replica1')!;
    const target = join(sb.dir, 'occupied', 'data');
    mkdirSync(target, { recursive: true });
    writeFileSync(join(target, 'precious'), 'keep me');
    const err = await clone({ source: source.dsn, sourceStart: sandboxStartCommand(info, source), target: 'mysql://127.0.0.1:1/', targetDatadir: target, targetStart: 'true' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncpointError);
    expect((err as SyncpointError).kind).toBe('usage');
    expect((err as Error).message).toMatch(/is not empty.*--force/);
    expect(readFileSync(join(target, 'precious'), 'utf8')).toBe('keep me');
    expect((await current(sb.dir)).nodes.find((n) => n.name === 'replica1')!.pid).toBe(source.pid);
  });

  it('a failure injected at each step leaves the source replicating and the target marked incomplete', async () => {
    const steps = ['copy-live', 'quiesce', 'copy', 'restart-source', 'prepare-target', 'start-target', 'verify', 'manifest'] as const;
    for (const step of steps) {
      const res = await addReplica({
        dir: sb.dir,
        cloneFrom: 'replica1',
        copyMethod: 'two-phase',
        onStep: (e) => {
          if (e.name === step && e.phase === 'end') throw new Error(`injected failure at ${step}`);
        },
      });
      const m = res.clone.manifest!;
      expect(res.node, step).toBeNull();
      expect(res.clone.verdict, step).toBe('incomplete');
      expect(m.failedStep, step).toBe(step);
      expect(res.clone.error, step).toMatch(/injected failure/);
      const source = (await current(sb.dir)).nodes.find((n) => n.name === 'replica1')!;
      expect(await waitReplicating('mariadb', source.dsn, 15_000), `source after ${step}`).toBe(true);
      const dataDir = m.target.datadir;
      expect(markerIn(dataDir)?.stage, step).toMatch(new RegExp(`failed at ${step}`));
      expect(JSON.parse(readFileSync(join(dataDir, 'syncpoint-clone.json'), 'utf8'))).toMatchObject({ complete: false, failedStep: step });
      expect(serversOn(dataDir), `no server left on the target after ${step}`).toEqual([]);
    }
  });

  describe('a few hundred MB', () => {
    it('two-phase keeps the source down for a fraction of a cold copy', async () => {
      await sb.query('primary', 'CREATE TABLE shop.big (id INT PRIMARY KEY, pad VARCHAR(1600))');
      await sb.query('primary', "INSERT INTO shop.big SELECT seq, REPEAT(CHAR(65 + seq % 26), 1500) FROM shop.seq_1_to_160000");
      await waitForReplicas(await current(sb.dir), { timeoutMs: 120_000 });
      // The load's 240 MB sit as dirty pages on the source, flushed in the background for a while:
      // a file written during the live pass is copied again while stopped. Flushed now, the table's
      // file is still while it is copied (a CI run saw 431 of 437 MB copied again without this).
      const source = await connectDsn((await current(sb.dir)).nodes.find((n) => n.name === 'replica1')!.dsn);
      try {
        await source.exec('FLUSH TABLES shop.big FOR EXPORT');
        await source.exec('UNLOCK TABLES');
      } finally {
        await source.close();
      }
      const load = await startWriteLoad(sb.primary.dsn, { tps: 100, durationMs: 120_000 });
      let cold;
      let two;
      try {
        cold = await addReplica({ dir: sb.dir, cloneFrom: 'replica1', copyMethod: 'cold', verify: false });
        two = await addReplica({ dir: sb.dir, cloneFrom: 'replica1', copyMethod: 'two-phase', verify: false });
      } finally {
        await load.stop();
      }
      const c = cold.clone.manifest!;
      const t = two.clone.manifest!;
      expect(cold.clone.verdict, cold.clone.error).toBe('unverified');
      expect(two.clone.verdict, two.clone.error).toBe('unverified');
      console.info(`[clone-mariadb] data directory ${(c.datadirBytes! / 2 ** 20).toFixed(0)} MiB; source downtime cold ${c.sourceDowntimeMs} ms ${JSON.stringify(c.sourceDowntime)}, two-phase ${t.sourceDowntimeMs} ms ${JSON.stringify(t.sourceDowntime)}; written while stopped: cold ${stoppedLiteralBytes(c)} B, two-phase ${stoppedLiteralBytes(t)} B (files touched: ${stoppedCopyBytes(c)} B, ${stoppedCopyBytes(t)} B); catch-up cold ${c.catchUpMs} ms, two-phase ${t.catchUpMs} ms`);
      expect(c.datadirBytes!).toBeGreaterThan(200 * 2 ** 20);
      // What two-phase changes is how much is copied while the source is down: bytes, not timings
      // (the box is shared; the downtime figures above are logged, and benchmarked, not asserted).
      // Written, not touched: a file the server rewrites a few pages of after the live pass
      // (ibdata1, a tablespace flushed late on a busy box) is re-read whole, but only its changed
      // blocks are sent.
      // The whole-file figure is at the mercy of the server's background writes (a MariaDB CI run
      // touched 347 of 353 MiB again).
      expect(stoppedLiteralBytes(c)).toBeGreaterThan(200 * 2 ** 20);
      expect(stoppedLiteralBytes(t)).toBeLessThan(stoppedLiteralBytes(c) / 2);
      expect(t.copyPasses.some((p) => p.whileRunning && p.bytes > 0)).toBe(true);
      for (const r of [cold, two]) expect(await waitReplicating('mariadb', r.node!.dsn)).toBe(true);
    });

    it('Ctrl-C mid-copy: the finally restarts the source, the target stays marked, exit code 3', async () => {
      const info = await current(sb.dir);
      const source = info.nodes.find((n) => n.name === 'replica1')!;
      const pw = decodeURIComponent(new URL(source.dsn).password);
      const target = join(sb.dir, 'interrupted', 'data');
      const child = spawn(process.execPath, [BIN, 'clone', '--source', `mysql://root@127.0.0.1:${source.port}/`, '--source-start', sandboxStartCommand(info, source), '--target', 'mysql://127.0.0.1:1/', '--target-datadir', target, '--target-start', 'true', '--bwlimit', '20000', '--format', 'json'], { env: { ...process.env, MYSQL_PWD: pw }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      let stdout = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const until = Date.now() + 60_000;
      while (!/copy \(data directory\): rsync -a/.test(existsSync(`${target}.clone.log`) ? readFileSync(`${target}.clone.log`, 'utf8') : '') && Date.now() < until) await sleep(50);
      await sleep(500);
      child.kill('SIGINT');
      expect(await exited).toBe(3);
      const res = JSON.parse(stdout);
      expect(res).toMatchObject({ verdict: 'incomplete', manifest: { failedStep: 'copy', complete: false, source: { restartedBy: 'clone', replicating: true } } });
      expect(res.error).toMatch(/interrupted/);
      expect(await replicating('mariadb', source.dsn)).toBe(true);
      expect(markerIn(target)?.stage).toBe('failed at copy');
      expect(stdout + stderr).not.toContain(pw);
    });

    it('killing the tool mid-copy (SIGKILL) leaves the source running and replicating', async () => {
      const info = await current(sb.dir);
      const source = info.nodes.find((n) => n.name === 'replica1')!;
      const pw = decodeURIComponent(new URL(source.dsn).password);
      const target = join(sb.dir, 'killed', 'data');
      const child = spawn(process.execPath, [BIN, 'clone', '--source', `mysql://root@127.0.0.1:${source.port}/`, '--source-start', sandboxStartCommand(info, source), '--target', 'mysql://127.0.0.1:1/', '--target-datadir', target, '--target-start', 'true', '--bwlimit', '20000', '--no-verify'], { env: { ...process.env, MYSQL_PWD: pw }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const until = Date.now() + 60_000;
      while (!/\[3\] copy: copy/.test(stderr) && Date.now() < until && child.exitCode === null) await sleep(50);
      expect(stderr).toMatch(/\[3\] copy: copy/);
      await sleep(1000);
      expect(await replicating('mariadb', source.dsn)).toBe(false);
      child.kill('SIGKILL');
      expect(await waitReplicating('mariadb', source.dsn, 60_000)).toBe(true);
      expect(readFileSync(`${target}.clone.log`, 'utf8')).toMatch(/guardian: tool gone while the source was stopped/);
      // The guardian may still be finishing its restore: wait for it, or the sandbox teardown
      // leaves it waiting for a server that is gone.
      for (const end = Date.now() + 60_000; !/guardian: done/.test(readFileSync(`${target}.clone.log`, 'utf8')) && Date.now() < end; ) await sleep(200);
      expect(readFileSync(`${target}.clone.log`, 'utf8')).toMatch(/guardian: done/);
      expect(markerIn(target)).not.toBeNull();
      await sleep(500);
      expect(serversOn(target).filter((p) => /rsync/.test(readFileSync(`/proc/${p}/cmdline`, 'utf8')))).toEqual([]);
    });
  });
});

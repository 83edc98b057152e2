/**
 * Interrupting check: SIGINT and SIGTERM stop within seconds with verdict incomplete (exit 3)
 * and leave replication running and no lock held. SIGKILL: PostgreSQL leaves no lock and no
 * paused standby behind (the server ends the sessions); MariaDB replicas held stopped for a sync
 * point by the killed run are restored by the next run (hold markers), which then checks clean.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execOnNode, sandboxDown, sandboxUp, waitForReplicas, type SandboxInfo } from '../../src/sandbox/index.js';
import type { SandboxEngine } from '../../src/sandbox/types.js';
import { ENGINES } from '../support/topology.js';
import { createTablesEverywhere } from '../support/pg-tables.js';
import { BIN, cli, splitPassword } from '../support/cli.js';

/** The same run with default chunk size and snapshot age: the follow-up run only has to finish. */
const quickArgs = (argv: string[]) => argv.map((v, i) => (argv[i - 1] === '--chunk-time' ? '0.5' : argv[i - 1] === '--max-snapshot-age' ? '30' : v));

/** Hold marker files in a state dir (written while replicas are held, removed after). */
function markers(stateDir: string): string[] {
  try {
    return readdirSync(join(stateDir, 'holds')).filter((n) => n.startsWith('hold-') && n.endsWith('.json'));
  } catch {
    return [];
  }
}


function startCli(args: string[], env: Record<string, string>, onStart?: (child: ReturnType<typeof spawn>) => void) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  onStart?.(child);
  // Resolves once the run has established a sync point: signals sent before that would only test startup.
  const underWay = new Promise<void>((resolve) => child.stderr.on('data', () => stderr.includes('sync point established') && resolve()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done, underWay };
}


for (const engine of ENGINES as SandboxEngine[]) {
  describe(`interrupting check (${engine})`, () => {
    let info: SandboxInfo;
    let parent: string;

    beforeAll(async () => {
      parent = mkdtempSync(join(tmpdir(), `sp-int-${engine}-`));
      info = await sandboxUp({ dir: join(parent, 'sb'), engine, replicas: 1, logical: engine === 'postgres' ? 1 : 0 });
      if (engine === 'mariadb') {
        await execOnNode(info, 'primary', ['CREATE DATABASE big', 'CREATE TABLE big.t (id INT PRIMARY KEY, a VARCHAR(64))', 'INSERT INTO big.t SELECT seq, MD5(seq) FROM big.seq_1_to_400000'], { binlog: true });
      } else {
        await createTablesEverywhere(info, ['CREATE SCHEMA big', 'CREATE TABLE big.t (id int PRIMARY KEY, a text)'], ['INSERT INTO big.t SELECT g, md5(g::text) FROM generate_series(1, 400000) g']);
      }
      await waitForReplicas(info);
    });

    afterAll(async () => {
      if (info) await sandboxDown({ dir: info.dir });
      if (parent) rmSync(parent, { recursive: true, force: true });
    });

    const args = () => {
      const p = splitPassword(info.nodes[0]!.dsn);
      return {
        stateDir: join(parent, 'state'),
        argv: ['check', '--primary', p.dsn, ...info.nodes.slice(1).flatMap((n) => ['--replica', splitPassword(n.dsn).dsn]), '--databases', 'big', '--chunk-time', '0.001', '--concurrency', '1', '--max-snapshot-age', '0.3', '--format', 'json', '--log-level', 'debug', '--log-format', 'json'],
        env: { ...(engine === 'mariadb' ? { MYSQL_PWD: p.pw } : { PGPASSWORD: p.pw }), SYNCPOINT_STATE_DIR: join(parent, 'state') },
      };
    };

    async function assertNothingLeft(): Promise<void> {
      if (engine === 'mariadb') {
        for (const n of info.nodes.slice(1)) {
          const [r] = await execOnNode(info, n.name, ['SHOW SLAVE STATUS']);
          expect(r!.rows[0]!['Slave_SQL_Running'], `${n.name} SQL thread`).toBe('Yes');
          expect(r!.rows[0]!['Slave_IO_Running'], `${n.name} IO thread`).toBe('Yes');
        }
      } else {
        for (let i = 0; ; i++) {
          const [r] = await execOnNode(info, 'primary', ["SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'syncpoint%'"]);
          if (r!.rows[0]!['n'] === 0) break;
          expect(i, 'syncpoint sessions still open on the primary').toBeLessThan(50);
          await new Promise((res) => setTimeout(res, 100));
        }
        const [locks] = await execOnNode(info, 'primary', ["SELECT count(*)::int AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = 'big' AND l.mode = 'ShareLock'"]);
        expect(locks!.rows[0]!['n']).toBe(0);
        const { connectDsn } = await import('../../src/sandbox/index.js');
        const sb = await connectDsn(info.nodes.find((n) => n.role === 'standby')!.dsn);
        try {
          const r = await sb.exec('SELECT pg_is_wal_replay_paused() AS p');
          expect(r.rows[0]!['p']).toBe(false);
        } finally {
          await sb.close();
        }
      }
    }

    it.each(['SIGINT', 'SIGTERM'] as const)('%s stops within seconds, reports incomplete (exit 3) and restores everything', async (sig) => {
      const a = args();
      const run = startCli(a.argv, a.env);
      await run.underWay;
      const sentAt = Date.now();
      run.child.kill(sig);
      const res = await run.done;
      expect(Date.now() - sentAt).toBeLessThan(10_000);
      expect(res.code, res.stderr).toBe(3);
      const j = JSON.parse(res.stdout);
      expect(j.verdict).toBe('incomplete');
      expect(j.error).toMatch(/interrupted/);
      await assertNothingLeft();
      if (engine === 'mariadb') expect(markers(a.stateDir), 'hold markers left by a run that ended normally').toEqual([]);
    });

    /**
     * A SIGKILL inside the window (a few ms to 0.1 s) where replicas are held for a sync point
     * leaves them stopped: no process is left to restart them. The hold marker written before the
     * hold lets the next run restore them. The kill is aimed at that window (the marker appearing,
     * plus a few ms), repeated until one lands inside it.
     */
    it.runIf(engine === 'mariadb')('SIGKILL while replicas are held: the next run restores them and checks clean', async () => {
      const a = args();
      const holds = join(a.stateDir, 'holds');
      let leftStopped = 0;
      for (let attempt = 0; attempt < 12 && leftStopped === 0; attempt++) {
        // The window is a few ms on an idle primary (the replicas are already at the position).
        const delayMs = (attempt % 6) * 3;
        const run = startCli(a.argv, a.env, (child) => {
          const timer = setInterval(() => {
            if (markers(a.stateDir).length === 0) return;
            clearInterval(timer);
            setTimeout(() => child.kill('SIGKILL'), delayMs);
          }, 1);
          child.on('exit', () => clearInterval(timer));
        });
        const res = await run.done;
        if (res.signal !== 'SIGKILL') throw new Error(`run ended before the kill: ${res.code} ${res.stderr.slice(-500)}`);
        // The dead client's STOP SLAVE / START SLAVE UNTIL may still be finishing on the server.
        await new Promise((r) => setTimeout(r, 500));
        const [st] = await execOnNode(info, 'replica1', ['SHOW SLAVE STATUS']);
        const row = st!.rows[0]!;
        // A kill that lands after the window finds the replica running and the marker gone; a
        // replica left stopped must always have its marker.
        if (row['Slave_SQL_Running'] !== 'Yes' || row['Slave_IO_Running'] !== 'Yes') {
          leftStopped++;
          expect(markers(a.stateDir).length, 'the killed run left its hold marker').toBeGreaterThan(0);
        }
        // The next run restores the replica before it holds anything itself, then checks as usual.
        const next = cli(quickArgs(a.argv), a.env, 120_000);
        expect(next.code, next.stderr).toBe(0);
        const j = JSON.parse(next.stdout);
        expect(j.verdict).toBe('consistent');
        if (leftStopped) expect(j.notes.join('\n')).toMatch(/left stopped by a killed run was restarted/);
        expect(markers(a.stateDir)).toEqual([]);
        await assertNothingLeft();
      }
      expect(leftStopped, 'no kill landed inside the hold window').toBeGreaterThan(0);
      expect(existsSync(holds)).toBe(true);
    });

    /**
     * Pins a slow stop: a run told to stop while a sync point waited for a held replica to reach
     * the primary's position went on waiting (up to --sync-timeout, 60 s by default) before it
     * restarted the replica; a service manager's SIGKILL in that time left it stopped. The replica
     * here applies 30 s late (MASTER_DELAY), so the sync point waits; SIGTERM must end it at once.
     */
    it.runIf(engine === 'mariadb')('SIGTERM while a sync point waits for a held replica: it runs again within seconds', async () => {
      const a = args();
      const node = info.nodes[info.nodes.length - 1]!;
      await execOnNode(info, node.name, ['STOP SLAVE', 'CHANGE MASTER TO MASTER_DELAY = 30', 'START SLAVE']);
      try {
        // A row, not a table: a table the delay keeps from the replica would be drift.
        await execOnNode(info, 'primary', ["INSERT INTO big.t VALUES (400001, 'late')"], { binlog: true });
        const argv = [...quickArgs(a.argv), '--max-lag', '100'];
        const run = startCli(argv, a.env, (child) => {
          const timer = setInterval(() => {
            if (markers(a.stateDir).length === 0) return;
            clearInterval(timer);
            // Held, and waiting for the delayed events.
            setTimeout(() => child.kill('SIGTERM'), 1000);
          }, 5);
          child.on('exit', () => clearInterval(timer));
        });
        const started = Date.now();
        const res = await run.done;
        expect(res.code, res.stderr.slice(-2000)).toBe(3);
        expect(Date.now() - started, 'stopped while the delay (30 s) still held the replica').toBeLessThan(12_000);
        expect(JSON.parse(res.stdout).error).toMatch(/interrupted/);
        const [st] = await execOnNode(info, node.name, ['SHOW SLAVE STATUS']);
        expect(`${String(st!.rows[0]!['Slave_SQL_Running'])} ${String(st!.rows[0]!['Slave_IO_Running'])}`).toBe('Yes Yes');
        expect(markers(a.stateDir)).toEqual([]);
      } finally {
        await execOnNode(info, node.name, ['STOP SLAVE', 'CHANGE MASTER TO MASTER_DELAY = 0', 'START SLAVE']);
        await execOnNode(info, 'primary', ['DELETE FROM big.t WHERE id = 400001'], { binlog: true });
        await waitForReplicas(info);
      }
    }, 120_000);

    // diff (and repair, through it) holds replicas too, and restores what a killed run left as well.
    it.runIf(engine === 'mariadb')('a replica a killed run left stopped is restarted by the next diff', async () => {
      const a = args();
      const node = info.nodes[info.nodes.length - 1]!;
      await execOnNode(info, node.name, ['STOP SLAVE']);
      const holds = join(a.stateDir, 'holds');
      mkdirSync(holds, { recursive: true });
      // A marker whose owner is gone: no process has this pid.
      const marker = { version: 1, pid: 4_000_000, pidStart: null, host: hostname(), createdAt: new Date().toISOString(), replicas: [{ label: `${node.host}:${node.port}`, receiving: true, applying: true }] };
      writeFileSync(join(holds, 'hold-4000000-test.json'), JSON.stringify(marker));
      const argv = a.argv.map((v) => (v === 'check' ? 'diff' : v)).filter((v, i, all) => !['--chunk-time', '--max-snapshot-age', '--concurrency'].includes(v) && !['--chunk-time', '--max-snapshot-age', '--concurrency'].includes(all[i - 1] ?? ''));
      const out = cli(argv, a.env, 120_000);
      expect(out.code, out.stderr).toBe(0);
      expect((JSON.parse(out.stdout) as { notes: string[] }).notes.join('\n')).toMatch(/left stopped by a killed run was restarted/);
      expect(markers(a.stateDir)).toEqual([]);
      await assertNothingLeft();
    });

    it.runIf(engine === 'postgres')('SIGKILL leaves no lock and no paused replication behind', async () => {
      const a = args();
      const run = startCli(a.argv, a.env);
      await run.underWay;
      run.child.kill('SIGKILL');
      const res = await run.done;
      expect(res.signal).toBe('SIGKILL');
      await assertNothingLeft();
      // The next run finds nothing in its way and nothing to restore.
      const next = cli(quickArgs(a.argv), a.env, 120_000);
      expect(next.code, next.stderr).toBe(0);
      const j = JSON.parse(next.stdout);
      expect(j.verdict).toBe('consistent');
      expect(j.notes.join('\n')).not.toMatch(/killed run/);
    });
  });
}

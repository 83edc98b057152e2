/**
 * Interrupting check: SIGINT stops within seconds with verdict incomplete (exit 3) and leaves
 * replication running and no lock held; SIGKILL leaves no lock and no paused standby behind.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execOnNode, sandboxDown, sandboxUp, waitForReplicas, type SandboxInfo } from '../../src/sandbox/index.js';
import type { SandboxEngine } from '../../src/sandbox/types.js';
import { ENGINES } from '../support/topology.js';
import { createTablesEverywhere } from '../support/pg-tables.js';
import { BIN, splitPassword } from '../support/cli.js';


function startCli(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
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
        argv: ['check', '--primary', p.dsn, ...info.nodes.slice(1).flatMap((n) => ['--replica', splitPassword(n.dsn).dsn]), '--databases', 'big', '--chunk-time', '0.01', '--concurrency', '1', '--max-snapshot-age', '0.3', '--format', 'json', '--log-level', 'debug', '--log-format', 'json'],
        env: engine === 'mariadb' ? { MYSQL_PWD: p.pw } : { PGPASSWORD: p.pw },
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

    it('SIGINT stops within seconds, reports incomplete (exit 3) and restores everything', async () => {
      const a = args();
      const run = startCli(a.argv, a.env);
      await run.underWay;
      const sentAt = Date.now();
      run.child.kill('SIGINT');
      const res = await run.done;
      expect(Date.now() - sentAt).toBeLessThan(10_000);
      expect(res.code, res.stderr).toBe(3);
      const j = JSON.parse(res.stdout);
      expect(j.verdict).toBe('incomplete');
      expect(j.error).toMatch(/interrupted/);
      await assertNothingLeft();
    });

    // MariaDB: a SIGKILL inside the ~0.1 s window where replicas are held for a sync point leaves
    // them stopped (no process is left to restart them); recovering that on the next run is open work.
    it.runIf(engine === 'postgres')('SIGKILL leaves no lock and no paused replication behind', async () => {
      const a = args();
      const run = startCli(a.argv, a.env);
      await run.underWay;
      run.child.kill('SIGKILL');
      const res = await run.done;
      expect(res.signal).toBe('SIGKILL');
      await assertNothingLeft();
    });
  });
}

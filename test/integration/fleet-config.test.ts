/**
 * Scheduled runs through the built CLI: one fleet config with a MariaDB and a PostgreSQL cluster
 * checked in one run (passwords from the environment), the per-cluster run lock (exit 4, stale
 * lock taken over; diff and repair take it too), --quiet for cron, and pino JSON logs on stderr.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execOnNode } from '../../src/sandbox/index.js';
import { lockFileFor } from '../../src/ops/run-lock.js';
import { cli, splitPassword } from '../support/cli.js';
import { ENGINES, withSandbox } from '../support/topology.js';

const both = ENGINES.includes('mariadb') && ENGINES.includes('postgres');

describe.runIf(both)('fleet config: a MariaDB and a PostgreSQL cluster in one run', () => {
  const maria = withSandbox('mariadb', { replicas: 2 });
  const pg = withSandbox('postgres', { replicas: 1 });
  const work = mkdtempSync(join(tmpdir(), 'syncpoint-fleet-'));
  const stateDir = join(work, 'state');
  const configPath = join(work, 'syncpoint.yaml');
  let env: Record<string, string> = {};

  beforeAll(async () => {
    await maria.query('primary', 'CREATE DATABASE fleet');
    await maria.query('primary', 'CREATE TABLE fleet.items (id INT PRIMARY KEY, name VARCHAR(20))');
    await maria.query('primary', "INSERT INTO fleet.items VALUES (1, 'one'), (2, 'two'), (3, 'three'), (4, 'four')");
    await pg.query('primary', 'CREATE SCHEMA fleet');
    await pg.query('primary', 'CREATE TABLE fleet.items (id int PRIMARY KEY, name text)');
    await pg.query('primary', "INSERT INTO fleet.items VALUES (1, 'one'), (2, 'two'), (3, 'three')");
    const m = splitPassword(maria.primary.dsn);
    const p = splitPassword(pg.primary.dsn);
    env = { SYNCPOINT_STATE_DIR: stateDir, FLEET_MARIA_PW: m.pw, FLEET_PG_PW: p.pw, MYSQL_PWD: '', PGPASSWORD: '' };
    writeFileSync(
      configPath,
      [
        'defaults:',
        '  retries: 1',
        'clusters:',
        '  - name: shop-mariadb',
        `    primary: ${m.dsn}`,
        '    passwordEnv: FLEET_MARIA_PW',
        '    databases: [fleet]',
        '    options:',
        '      syncMethod: replica-until',
        '  - name: shop-postgres',
        `    primary: ${p.dsn}`,
        '    passwordEnv: FLEET_PG_PW',
        '    databases: [fleet]',
        '    addresses:',
        `      standby1: 127.0.0.1:${pg.node('standby1').port}`,
        '',
      ].join('\n'),
    );
  }, 120_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('checks both clusters in one run: one report per cluster, one verdict', () => {
    const r = cli(['check', '--config', configPath, '--format', 'json'], env, 240_000);
    expect(r.stderr).not.toContain(env['FLEET_MARIA_PW']);
    expect(r.stdout).not.toContain(env['FLEET_PG_PW']);
    const out = JSON.parse(r.stdout) as { schemaVersion: number; command: string; verdict: string; clusters: { name: string; verdict: string; primary: string; replicas: string[]; tables: { table: string; status: string; primaryRows: number }[] }[] };
    expect(out).toMatchObject({ schemaVersion: 1, command: 'check', verdict: 'consistent' });
    expect(out.clusters.map((c) => c.name)).toEqual(['shop-mariadb', 'shop-postgres']);
    const [m, p] = out.clusters;
    expect(m!.replicas.sort()).toEqual(maria.replicas.map((n) => `127.0.0.1:${n.port}`).sort());
    expect(m!.tables.filter((t) => t.table === 'fleet.items').map((t) => [t.status, t.primaryRows])).toEqual([['ok', 4], ['ok', 4]]);
    // The standby was found through the config's address map, not named as a replica.
    expect(p!.replicas).toEqual([`127.0.0.1:${pg.node('standby1').port}`]);
    expect(p!.tables.filter((t) => t.table === 'fleet.items').map((t) => [t.status, t.primaryRows])).toEqual([['ok', 3]]);
    expect(r.code).toBe(0);
  }, 300_000);

  it('a command-line filter selecting nothing on one cluster is a note for it; on every cluster, a configuration error (exit 2)', async () => {
    await maria.query('primary', 'CREATE TABLE fleet.only_maria (id INT PRIMARY KEY)');
    await maria.query('primary', 'INSERT INTO fleet.only_maria VALUES (1)');
    const r = cli(['check', '--config', configPath, '--tables', 'fleet.only_*', '--format', 'json'], env, 240_000);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { verdict: string; clusters: { name: string; tables: { table: string }[]; notes: string[] }[] };
    const [m, p] = out.clusters;
    expect([...new Set(m!.tables.map((t) => t.table))]).toEqual(['fleet.only_maria']);
    expect(p!.tables).toEqual([]);
    expect(p!.notes.join('; ')).toMatch(/the table filter selects no table on this primary: nothing was checked/);
    const none = cli(['check', '--config', configPath, '--tables', 'fleet.nothing_*', '--format', 'json'], env, 240_000);
    expect(none.code, none.stdout).toBe(2);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    expect(none.stderr).toMatch(/selects no table on any cluster/);
    await maria.query('primary', 'DROP TABLE fleet.only_maria');
  }, 300_000);

  it('topology --config shows a cluster with the addresses of the file', () => {
    const r = cli(['topology', '--config', configPath, '--cluster', 'shop-postgres', '--format', 'json'], env);
    const out = JSON.parse(r.stdout) as { verdict: string; tree: { children: { label: string; role: string; reachable: boolean }[] } };
    expect(out.tree.children.map((c) => [c.label, c.role, c.reachable])).toEqual([[`127.0.0.1:${pg.node('standby1').port}`, 'standby', true]]);
    expect(out.verdict).toBe('ok');
    expect(r.code).toBe(0);
  }, 120_000);

  it('--quiet prints nothing on a clean run, and --cluster picks one cluster', () => {
    const r = cli(['check', '--config', configPath, '--cluster', 'shop-postgres', '--quiet'], env, 240_000);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(0);
  }, 300_000);

  it('--log-format json writes pino JSON lines on stderr', () => {
    const r = cli(['check', '--config', configPath, '--cluster', 'shop-postgres', '--log-format', 'json', '--log-level', 'info', '--format', 'json'], env, 240_000);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) {
      const rec = JSON.parse(l) as { level: number; time: number; msg: string; cluster?: string };
      expect(typeof rec.level).toBe('number');
      expect(typeof rec.msg).toBe('string');
    }
    expect(lines.map((l) => JSON.parse(l) as { cluster?: string }).some((x) => x.cluster === 'shop-postgres')).toBe(true);
    expect(r.code).toBe(0);
  }, 300_000);

  it('a lock held by a live run: exit 3 (could not complete) naming the pid; a stale lock is taken over', () => {
    const primaryLabel = `127.0.0.1:${maria.primary.port}`;
    const lockPath = lockFileFor(primaryLabel, { SYNCPOINT_STATE_DIR: stateDir });
    mkdirSync(join(lockPath, '..'), { recursive: true });
    // This test process stands in for a run still going.
    writeFileSync(lockPath, JSON.stringify({ pid: process.pid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', key: primaryLabel, command: 'syncpoint check (test)', procStart: null }));
    const { dsn } = splitPassword(maria.primary.dsn);
    const single = cli(['check', '--primary', dsn, '--databases', 'fleet'], { ...env, MYSQL_PWD: env['FLEET_MARIA_PW']! }, 240_000);
    expect(single.stderr).toContain(`pid ${process.pid}`);
    expect(single.stderr).toContain('2026-01-01T00:00:00.000Z');
    expect(single.code).toBe(3);
    // diff and repair hold sync points on the same replicas: the same lock; --no-lock opts out.
    for (const cmd of ['diff', 'repair']) {
      const r = cli([cmd, '--primary', dsn, '--databases', 'fleet'], { ...env, MYSQL_PWD: env['FLEET_MARIA_PW']! }, 240_000);
      expect(r.stderr, cmd).toContain(`pid ${process.pid}`);
      expect(r.code, cmd).toBe(3);
    }
    const unlocked = cli(['diff', '--primary', dsn, '--databases', 'fleet', '--no-lock', '--format', 'json'], { ...env, MYSQL_PWD: env['FLEET_MARIA_PW']! }, 240_000);
    expect(JSON.parse(unlocked.stdout)).toMatchObject({ verdict: 'consistent' });
    expect(unlocked.code).toBe(0);
    // In a fleet run the locked cluster is reported, the other one still checked.
    const fleet = cli(['check', '--config', configPath, '--format', 'json'], env, 240_000);
    if (!fleet.stdout) throw new Error(fleet.stderr);
    const out = JSON.parse(fleet.stdout) as { verdict: string; clusters: { name: string; verdict: string; locked?: boolean; error?: string }[] };
    expect(out.clusters.map((c) => [c.verdict, c.locked ?? false])).toEqual([['incomplete', true], ['consistent', false]]);
    expect(out.clusters[0]!.error).toContain(`pid ${process.pid}`);
    expect(out.verdict).toBe('incomplete');
    expect(fleet.code).toBe(3);
    // A dead owner: the lock is stale, the run goes ahead and removes it at the end.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(lockPath, JSON.stringify({ pid: Number(dead.stdout), host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', key: primaryLabel, command: 'killed run', procStart: null }));
    const after = cli(['check', '--primary', dsn, '--databases', 'fleet', '--quiet'], { ...env, MYSQL_PWD: env['FLEET_MARIA_PW']! }, 240_000);
    expect(after.code).toBe(0);
    expect(existsSync(lockPath)).toBe(false);
  }, 600_000);

  it('drift on one cluster: the combined verdict is drift (exit 1), and --quiet prints the report', async () => {
    await execOnNode(maria.info, 'replica1', "UPDATE fleet.items SET name = 'drifted' WHERE id = 2");
    const r = cli(['check', '--config', configPath, '--quiet'], env, 240_000);
    expect(r.stdout).toContain('=== cluster shop-mariadb');
    expect(r.stdout).toContain('=== cluster shop-postgres');
    expect(r.stdout, r.stdout + r.stderr).toMatch(/fleet verdict: DRIFT/);
    expect(r.code).toBe(1);
  }, 300_000);

  it('a config error names the file, the cluster and the key (exit 2)', () => {
    const bad = join(work, 'bad.yaml');
    writeFileSync(bad, readFileSync(configPath, 'utf8').replace('passwordEnv: FLEET_PG_PW', 'passwordEnv: FLEET_NOT_SET'));
    const r = cli(['check', '--config', bad], env);
    expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
    expect(r.stderr).toContain(`${bad}: cluster "shop-postgres": passwordEnv: environment variable FLEET_NOT_SET is not set`);
    expect(r.code).toBe(2);
  });
});

/**
 * Least privilege, on real servers: check, counts, preflight and risks succeed with users granted exactly what
 * SECURITY.md lists for them, and a user lacking one of those privileges gets a message naming the
 * privilege and the node (never a wrong verdict, never a stack trace). The grants here are the
 * documentation's grants: change one, change the other.
 */
import { describe, expect, it } from 'vitest';
import { execOnNode, waitForReplicas, type SandboxEngine } from '../../src/sandbox/index.js';
import { ENGINES, withSandbox, type SandboxHandle } from '../support/topology.js';
import { cli } from '../support/cli.js';
import { createTablesEverywhere } from '../support/pg-tables.js';

const PW = 'Least-Priv_42';

function dsnFor(sb: SandboxHandle, nodeName: string, user: string): string {
  const n = sb.node(nodeName);
  return sb.engine === 'mariadb' ? `mysql://${user}@127.0.0.1:${n.port}/` : `postgres://${user}@127.0.0.1:${n.port}/postgres`;
}

interface Run { code: number | null; stdout: string; stderr: string; json: { verdict: string; tables?: { status: string; reason?: string }[]; notes?: string[] } | null }

function run(sb: SandboxHandle, user: string, replicas: string[], args: string[]): Run {
  const env: Record<string, string> = sb.engine === 'mariadb' ? { MYSQL_PWD: PW } : { PGPASSWORD: PW };
  const out = cli([...args, '--primary', dsnFor(sb, 'primary', user), ...replicas.flatMap((r) => ['--replica', dsnFor(sb, r, user)]), '--format', 'json'], env, 180_000);
  expect(out.stderr, 'no stack trace').not.toMatch(/\n\s+at .+:\d+:\d+/);
  let json: Run['json'] = null;
  try {
    json = JSON.parse(out.stdout) as Run['json'];
  } catch {
    /* an error run prints nothing on stdout */
  }
  return { ...out, json };
}

const allText = (r: Run) => `${r.stdout}\n${r.stderr}`;

function mariadbSuite(): void {
  const sb = withSandbox('mariadb', { replicas: 1 });
  const label = (n: string) => `127.0.0.1:${sb.node(n).port}`;
  const user = (name: string, grants: string[]) => [
    `CREATE USER '${name}'@'127.0.0.1' IDENTIFIED BY '${PW}'`,
    ...grants.map((g) => `GRANT ${g} TO '${name}'@'127.0.0.1'`),
  ];

  it('creates the data and one user per documented grant set (replicated to the replica)', async () => {
    await execOnNode(sb.info, 'primary', [
      'CREATE DATABASE app',
      'CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(20))',
      "INSERT INTO app.t SELECT seq, CONCAT('v', seq) FROM mysql.seq_1_to_2000",
      // check and counts, --sync-method replica-until (the MariaDB default)
      ...user('sp_check', ['SELECT ON app.*', 'SLAVE MONITOR, REPLICATION SLAVE ADMIN ON *.*']),
      // ... with PROCESS, recommended: sync points see the replicas' replication threads
      ...user('sp_check_process', ['SELECT ON app.*', 'SLAVE MONITOR, REPLICATION SLAVE ADMIN, PROCESS ON *.*']),
      // check and counts, --sync-method primary-lock
      ...user('sp_lock', ['SELECT, LOCK TABLES ON app.*', 'SLAVE MONITOR ON *.*']),
      // risks
      ...user('sp_risks', ['SELECT ON app.*', 'SLAVE MONITOR, BINLOG MONITOR, PROCESS ON *.*']),
      // each lacking one privilege
      ...user('sp_no_monitor', ['SELECT ON app.*', 'REPLICATION SLAVE ADMIN ON *.*']),
      ...user('sp_no_admin', ['SELECT ON app.*', 'SLAVE MONITOR ON *.*']),
      ...user('sp_no_select', ['SLAVE MONITOR, REPLICATION SLAVE ADMIN ON *.*']),
      ...user('sp_no_lock', ['SELECT ON app.*', 'SLAVE MONITOR ON *.*']),
    ], { binlog: true });
    await waitForReplicas(sb.info);
  }, 180_000);

  it('check and counts (replica-until) with SELECT, SLAVE MONITOR, REPLICATION SLAVE ADMIN: consistent, exit 0, and a warning that PROCESS is missing', () => {
    for (const cmd of ['check', 'counts']) {
      const r = run(sb, 'sp_check', ['replica1'], [cmd, '--databases', 'app']);
      expect(r.json?.verdict, `${cmd}: ${allText(r)}`).toBe('consistent');
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/cannot see its replication threads \(no PROCESS privilege\)/);
    }
  }, 300_000);

  it('check (replica-until) with PROCESS too: consistent, and no warning', () => {
    const r = run(sb, 'sp_check_process', ['replica1'], ['check', '--databases', 'app']);
    expect(r.json?.verdict, allText(r)).toBe('consistent');
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/PROCESS/);
  }, 300_000);

  it('preflight with the check grants (SELECT, SLAVE MONITOR, REPLICATION SLAVE ADMIN): go, exit 0', () => {
    const env = { MYSQL_PWD: PW };
    const out = cli(['preflight', '--primary', dsnFor(sb, 'primary', 'sp_check'), '--candidate', dsnFor(sb, 'replica1', 'sp_check'), '--databases', 'app', '--format', 'json'], env, 180_000);
    expect(out.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect((JSON.parse(out.stdout) as { verdict: string }).verdict, out.stdout + out.stderr).toBe('go');
    expect(out.code).toBe(0);
  }, 300_000);

  it('check and counts (primary-lock) with SELECT, LOCK TABLES, SLAVE MONITOR: consistent, exit 0', () => {
    for (const cmd of ['check', 'counts']) {
      const r = run(sb, 'sp_lock', ['replica1'], [cmd, '--databases', 'app', '--sync-method', 'primary-lock']);
      expect(r.json?.verdict, `${cmd}: ${allText(r)}`).toBe('consistent');
      expect(r.code).toBe(0);
    }
  }, 300_000);

  it('risks with SELECT, SLAVE MONITOR, BINLOG MONITOR, PROCESS: every fact read (no "not read" note)', () => {
    const r = run(sb, 'sp_risks', ['replica1'], ['risks']);
    expect(r.json, allText(r)).not.toBeNull();
    expect(r.json!.notes ?? []).toEqual([]);
    expect(r.code === 0 || r.code === 1).toBe(true);
  }, 300_000);

  it('risks without BINLOG MONITOR: a note naming BINLOG MONITOR and the node', () => {
    const r = run(sb, 'sp_check', ['replica1'], ['risks']);
    const notes = r.json?.notes ?? [];
    expect(notes.some((n) => n.includes(label('primary')) && /BINLOG MONITOR/.test(n)), notes.join('\n')).toBe(true);
  }, 300_000);

  it('risks without SLAVE MONITOR: a note naming it, and no false "no replication configured" finding', () => {
    const r = run(sb, 'sp_no_monitor', ['replica1'], ['risks']);
    const notes = r.json?.notes ?? [];
    expect(notes.some((n) => n.includes(label('replica1')) && /SLAVE MONITOR/.test(n)), notes.join('\n')).toBe(true);
    expect(r.stdout).not.toMatch(/no replication configured/);
  }, 300_000);

  it('without SLAVE MONITOR: incomplete (exit 3), the reason names SLAVE MONITOR and the replica', () => {
    const r = run(sb, 'sp_no_monitor', ['replica1'], ['check', '--databases', 'app']);
    expect(r.code).toBe(3);
    expect(r.json?.verdict).toBe('incomplete');
    const reason = r.json!.tables!.map((t) => t.reason ?? '').join(' ');
    expect(reason).toMatch(/missing privilege/);
    expect(reason).toMatch(/SLAVE MONITOR/);
    expect(reason).toContain(label('replica1'));
  }, 300_000);

  it('without REPLICATION SLAVE ADMIN under replica-until: exit 3 naming it, and the replica keeps replicating', async () => {
    const r = run(sb, 'sp_no_admin', ['replica1'], ['counts', '--databases', 'app']);
    expect(r.code).toBe(3);
    expect(allText(r)).toMatch(/REPLICATION SLAVE ADMIN/);
    expect(allText(r)).toContain(label('replica1'));
    const [st] = await execOnNode(sb.info, 'replica1', 'SHOW SLAVE STATUS');
    expect(st!.rows[0]).toMatchObject({ Slave_IO_Running: 'Yes', Slave_SQL_Running: 'Yes' });
  }, 300_000);

  it('without LOCK TABLES under primary-lock: exit 3 naming LOCK TABLES', () => {
    const r = run(sb, 'sp_no_lock', ['replica1'], ['check', '--databases', 'app', '--sync-method', 'primary-lock']);
    expect(r.code).toBe(3);
    expect(allText(r)).toMatch(/LOCK TABLES?/);
  }, 300_000);

  it('without SELECT on the data: exit 2, naming SELECT and the node', () => {
    const r = run(sb, 'sp_no_select', ['replica1'], ['check', '--databases', 'app']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/SELECT/);
    expect(r.stderr).toContain(label('primary'));
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  }, 300_000);

  it('replica discovery without REPLICATION MASTER ADMIN: one line naming it', () => {
    const r = run(sb, 'sp_check', [], ['counts', '--databases', 'app']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/REPLICATION MASTER ADMIN/);
    expect(r.stderr).toContain(label('primary'));
  }, 300_000);
}

function postgresSuite(): void {
  // A physical standby inherits every role and grant from the primary; a logical subscriber has
  // its own catalog, so the same role and grants are created there too.
  const sb = withSandbox('postgres', { replicas: 1, logical: 1 });
  const label = (n: string) => `127.0.0.1:${sb.node(n).port}`;
  const role = (name: string, grants: string[]) => [`CREATE ROLE ${name} LOGIN PASSWORD '${PW}'`, ...grants.map((g) => `GRANT ${g} TO ${name}`)];
  const roles = [
    // check and counts (primary-lock, the PostgreSQL method): SHARE lock needs UPDATE, DELETE or TRUNCATE
    ...role('sp_check', ['USAGE ON SCHEMA app', 'SELECT, UPDATE ON ALL TABLES IN SCHEMA app']),
    // risks
    ...role('sp_risks', ['USAGE ON SCHEMA app', 'SELECT ON ALL TABLES IN SCHEMA app', 'pg_monitor']),
    ...role('sp_no_lock', ['USAGE ON SCHEMA app', 'SELECT ON ALL TABLES IN SCHEMA app']),
    ...role('sp_no_usage', ['SELECT, UPDATE ON ALL TABLES IN SCHEMA app']),
    // the check grants on a table whose row-level security policy shows this role tenant 'a' only
    ...role('sp_rls', ['USAGE ON SCHEMA sec', 'SELECT, UPDATE ON ALL TABLES IN SCHEMA sec']),
  ];

  it('creates the data and the roles on the primary and the subscriber', async () => {
    await createTablesEverywhere(
      sb.info,
      ['CREATE SCHEMA app', 'CREATE TABLE app.t (id int PRIMARY KEY, v text)', 'CREATE SCHEMA sec', 'CREATE TABLE sec.rls (id int PRIMARY KEY, tenant text NOT NULL, v text)', 'ALTER TABLE sec.rls ENABLE ROW LEVEL SECURITY', "CREATE POLICY only_a ON sec.rls USING (tenant = 'a')"],
      ["INSERT INTO app.t SELECT g, 'v' || g FROM generate_series(1, 2000) g", "INSERT INTO sec.rls SELECT g, CASE WHEN g % 2 = 0 THEN 'a' ELSE 'b' END, 'v' || g FROM generate_series(1, 100) g"],
    );
    await execOnNode(sb.info, 'subscriber1', roles);
    await execOnNode(sb.info, 'primary', roles);
    await waitForReplicas(sb.info);
  }, 180_000);

  it('check and counts with USAGE, SELECT and UPDATE (for the SHARE lock): consistent on the standby and the subscriber', () => {
    for (const cmd of ['check', 'counts']) {
      const r = run(sb, 'sp_check', ['standby1', 'subscriber1'], [cmd, '--databases', 'app']);
      expect(r.json?.verdict, `${cmd}: ${allText(r)}`).toBe('consistent');
      expect(r.code).toBe(0);
    }
  }, 300_000);

  it('preflight with the check grants: go, exit 0', () => {
    const out = cli(['preflight', '--primary', dsnFor(sb, 'primary', 'sp_check'), '--candidate', dsnFor(sb, 'standby1', 'sp_check'), '--databases', 'app', '--format', 'json'], { PGPASSWORD: PW }, 180_000);
    expect(out.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect((JSON.parse(out.stdout) as { verdict: string }).verdict, out.stdout + out.stderr).toBe('go');
    expect(out.code).toBe(0);
  }, 300_000);

  it('risks with SELECT and pg_monitor: every fact read', () => {
    const r = run(sb, 'sp_risks', ['standby1', 'subscriber1'], ['risks']);
    expect(r.json, allText(r)).not.toBeNull();
    expect(r.json!.notes ?? []).toEqual([]);
    expect(r.code === 0 || r.code === 1).toBe(true);
  }, 300_000);

  it('without a lock-capable privilege: exit 3, the reason names UPDATE, DELETE or TRUNCATE and the primary', () => {
    const r = run(sb, 'sp_no_lock', ['standby1'], ['check', '--databases', 'app']);
    expect(r.code).toBe(3);
    const reason = r.json!.tables!.map((t) => t.reason ?? '').join(' ');
    expect(reason).toMatch(/UPDATE, DELETE or TRUNCATE/);
    expect(reason).toContain(label('primary'));
  }, 300_000);

  // Read as a role a policy applies to, the table shows half its rows: a checksum of those would
  // call a drift in the hidden half consistent. With row_security off the read is refused.
  it('a table whose row-level security hides rows from the role: an error naming it, never a checksum of what it sees (exit 3)', async () => {
    await execOnNode(sb.info, 'subscriber1', ["UPDATE sec.rls SET v = 'corrupt' WHERE id = 3"]);
    const r = run(sb, 'sp_rls', ['subscriber1'], ['check', '--databases', 'sec']);
    expect(r.json?.verdict, allText(r)).toBe('incomplete');
    expect(r.code).toBe(3);
    expect(r.json!.tables!.map((t) => t.reason ?? '').join(' ')).toMatch(/row-level security/);
  }, 300_000);

  it('without USAGE on the schema: the message names USAGE on schema app', () => {
    const r = run(sb, 'sp_no_usage', ['standby1'], ['counts', '--databases', 'app']);
    expect(r.code === 2 || r.code === 3).toBe(true);
    expect(allText(r)).toMatch(/USAGE on schema app|needs SELECT/);
  }, 300_000);
}

const SUITES: Record<SandboxEngine, () => void> = { mariadb: mariadbSuite, postgres: postgresSuite };
for (const engine of ENGINES) describe(`least privilege on ${engine}`, () => SUITES[engine]());

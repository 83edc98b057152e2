/**
 * Two promises, on real servers through the built CLI:
 * - Secrets: a distinctive password never appears in anything a run prints (stdout, stderr, JSON,
 *   debug logs in both formats), including failing runs (wrong password, unreachable replica);
 *   a password on the command line draws a warning naming the safer alternatives.
 * - No writes: with no load, check, counts, risks, diff, topology and preflight leave every server as
 *   it was. MariaDB: gtid_binlog_pos, gtid_current_pos and the binlog file/offset of every node
 *   unchanged, no write statement counted (Com_*), no table created. PostgreSQL: no transaction
 *   ID assigned on the primary or the subscriber (every write, DDL or temporary table needs one;
 *   autovacuum is off so that nothing else takes one), no WAL record carrying an XID between the
 *   LSNs before and after (pg_walinspect), the standby at the same replay LSN, no relation created.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execOnNode, waitForReplicas, type SandboxEngine } from '../../src/sandbox/index.js';
import { ENGINES, withSandbox, type SandboxHandle } from '../support/topology.js';
import { cli } from '../support/cli.js';
import { createTablesEverywhere } from '../support/pg-tables.js';

// Distinctive, and with every character that needs percent-encoding in a URL.
const SECRET = 'Zq7@Sec:ret/Pw%4711';
const WRONG = 'Wr0ng@Pass:w0rd/77';
const enc = encodeURIComponent;


function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

function dsn(sb: SandboxHandle, node: string, user: string, pw: string | null): string {
  const port = sb.node(node).port;
  const cred = pw === null ? user : `${user}:${enc(pw)}`;
  return sb.engine === 'mariadb' ? `mysql://${cred}@127.0.0.1:${port}/` : `postgres://${cred}@127.0.0.1:${port}/postgres`;
}

function replicaNames(sb: SandboxHandle): string[] {
  return sb.engine === 'mariadb' ? ['replica1'] : ['standby1', 'subscriber1'];
}

/** Every form in which a password could leak: as typed, percent-encoded, base64. */
function leakForms(pw: string): string[] {
  return [pw, enc(pw), Buffer.from(pw).toString('base64'), JSON.stringify(pw).slice(1, -1)];
}

function expectNoLeak(out: { stdout: string; stderr: string }, pw: string, what: string): void {
  for (const form of leakForms(pw)) {
    expect(out.stdout.includes(form), `${what}: stdout shows the password (${form})`).toBe(false);
    expect(out.stderr.includes(form), `${what}: stderr shows the password (${form})`).toBe(false);
  }
}

/** The commands that promise to write nothing, with the arguments each needs. */
function readOnlyRuns(sb: SandboxHandle, primary: string, replicas: string[]): { name: string; args: string[] }[] {
  const reps = replicas.flatMap((r) => ['--replica', r]);
  const runs = [
    { name: 'check', args: ['check', '--primary', primary, ...reps, '--databases', 'app'] },
    { name: 'counts', args: ['counts', '--primary', primary, ...reps, '--databases', 'app'] },
    { name: 'risks', args: ['risks', '--primary', primary, ...reps] },
  ];
  runs.push({ name: 'diff', args: ['diff', '--primary', primary, ...reps, '--databases', 'app'] });
  runs.push({ name: 'topology', args: ['topology', '--primary', primary, ...reps] });
  runs.push({ name: 'preflight', args: ['preflight', '--primary', primary, '--candidate', replicas[0]!, '--databases', 'app'] });
  void sb;
  return runs;
}

// ---- server state, read without writing ----

type State = Record<string, unknown>;

async function mariadbState(sb: SandboxHandle): Promise<State> {
  const out: State = {};
  for (const n of sb.info.nodes) {
    const [pos] = await sb.query(n.name, 'SELECT @@gtid_binlog_pos AS binlog, @@gtid_current_pos AS current');
    const master = await sb.query(n.name, 'SHOW MASTER STATUS');
    const writes = await sb.query(
      n.name,
      "SHOW GLOBAL STATUS WHERE Variable_name IN ('Com_insert', 'Com_insert_select', 'Com_update', 'Com_update_multi', 'Com_delete', 'Com_delete_multi', 'Com_replace', 'Com_replace_select', 'Com_truncate', 'Com_create_table', 'Com_create_db', 'Com_drop_table', 'Com_alter_table', 'Com_create_view', 'Com_create_procedure', 'Com_load')",
    );
    const tables = await sb.query(n.name, "SELECT CONCAT(TABLE_SCHEMA, '.', TABLE_NAME) AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA NOT IN ('information_schema', 'performance_schema') ORDER BY 1");
    out[n.name] = {
      gtid: pos,
      binlog: master.map((r) => `${String(r['File'])}:${String(r['Position'])}`),
      writes: Object.fromEntries(writes.map((r) => [r['Variable_name'], r['Value']])),
      tables: tables.map((r) => r['t']),
    };
  }
  return out;
}

interface PgNodeState { nextXid?: string; lsn?: string; replay?: string; relations: string[] }

async function postgresState(sb: SandboxHandle): Promise<Record<string, PgNodeState>> {
  const out: Record<string, PgNodeState> = {};
  for (const n of sb.info.nodes) {
    const rels = await sb.query(n.name, "SELECT n.nspname || '.' || c.relname AS r FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1");
    const relations = rels.map((r) => String(r['r']));
    if (n.role === 'standby') {
      const [r] = await sb.query(n.name, 'SELECT pg_last_wal_replay_lsn()::text AS replay');
      out[n.name] = { replay: String(r!['replay']), relations };
    } else {
      // pg_current_snapshot() takes no XID; its xmax is the next XID to be assigned.
      const [r] = await sb.query(n.name, 'SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xid, pg_current_wal_lsn()::text AS lsn');
      out[n.name] = { nextXid: String(r!['xid']), lsn: String(r!['lsn']), relations };
    }
  }
  return out;
}

function suite(engine: SandboxEngine): void {
  const sb = withSandbox(engine, engine === 'mariadb' ? { replicas: 1 } : { replicas: 1, logical: 1, serverArgs: { '*': ['--autovacuum=off'] } });
  const PW_ENV = engine === 'mariadb' ? 'MYSQL_PWD' : 'PGPASSWORD';

  it('creates data and a user whose password holds @ : / %', async () => {
    if (engine === 'mariadb') {
      await execOnNode(sb.info, 'primary', [
        'CREATE DATABASE app',
        'CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(40))',
        "INSERT INTO app.t SELECT seq, MD5(seq) FROM mysql.seq_1_to_3000",
        'CREATE TABLE app.nokey (a INT, b TEXT)',
        "INSERT INTO app.nokey VALUES (1, 'x'), (2, 'y')",
        `CREATE USER 'sp_secret'@'127.0.0.1' IDENTIFIED BY '${SECRET}'`,
        "GRANT SELECT ON *.* TO 'sp_secret'@'127.0.0.1'",
        "GRANT SLAVE MONITOR, BINLOG MONITOR, REPLICATION SLAVE ADMIN, REPLICATION MASTER ADMIN, PROCESS ON *.* TO 'sp_secret'@'127.0.0.1'",
      ], { binlog: true });
    } else {
      await createTablesEverywhere(
        sb.info,
        ['CREATE SCHEMA app', 'CREATE TABLE app.t (id int PRIMARY KEY, v text)', 'CREATE TABLE app.nokey (a int, b text)'],
        ["INSERT INTO app.t SELECT g, md5(g::text) FROM generate_series(1, 3000) g", "INSERT INTO app.nokey VALUES (1, 'x'), (2, 'y')"],
      );
      const role = [`CREATE ROLE sp_secret LOGIN PASSWORD '${SECRET}'`, 'GRANT pg_read_all_data, pg_monitor TO sp_secret', 'GRANT UPDATE ON ALL TABLES IN SCHEMA app TO sp_secret'];
      await execOnNode(sb.info, 'subscriber1', role);
      await execOnNode(sb.info, 'primary', [...role, 'CREATE EXTENSION IF NOT EXISTS pg_walinspect', 'VACUUM (ANALYZE, FREEZE)']);
    }
    await waitForReplicas(sb.info);
  }, 180_000);

  // Local state (run journal, hold markers, history), metrics and HTML reports land here.
  const state = mkdtempSync(join(tmpdir(), `sp-secrets-${engine}-`));
  afterAll(() => rmSync(state, { recursive: true, force: true }));

  it('the password never appears in any output, in any log level or format, failing runs included', () => {
    const primary = dsn(sb, 'primary', 'sp_secret', SECRET);
    const replicas = replicaNames(sb).map((r) => dsn(sb, r, 'sp_secret', SECRET));
    const metrics = ['--metrics-file', join(state, 'metrics.prom')];
    for (const run of readOnlyRuns(sb, primary, replicas)) {
      if (run.name === 'check' || run.name === 'counts') run.args.push(...metrics);
      const variants = [['--log-level', 'debug', '--log-format', 'json', '--format', 'json'], ['--log-level', 'trace', '--log-format', 'pretty', '--format', 'table']];
      for (const v of variants) {
        const out = cli([...run.args, ...v], { [PW_ENV]: '', SYNCPOINT_STATE_DIR: state }, 300_000);
        expect(out.code, `${run.name}: ${out.stderr.slice(-1500)}`).not.toBe(null);
        // check logs at debug level: the scan below reads real debug output, not an empty stream.
        if (run.name === 'check') expect(out.stderr, `${run.name} debug output is there to be scanned`).toMatch(/DEBUG|"level":20|TRACE|"level":10/);
        expectNoLeak(out, SECRET, `${run.name} ${v.join(' ')}`);
      }
    }
    // A wrong password, and an unreachable replica, both with the password in the DSN.
    const wrong = cli(['check', '--primary', dsn(sb, 'primary', 'sp_secret', WRONG), '--databases', 'app', '--log-level', 'debug'], { SYNCPOINT_STATE_DIR: state }, 120_000);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/access denied|authentication failed/i);
    expectNoLeak(wrong, WRONG, 'wrong password');
    const unreachable = cli(['counts', '--primary', primary, '--replica', `${sb.engine === 'mariadb' ? 'mysql' : 'postgres'}://sp_secret:${enc(SECRET)}@127.0.0.1:1/`, '--databases', 'app', '--connect-timeout', '3', '--log-level', 'debug', '--format', 'json'], { SYNCPOINT_STATE_DIR: state }, 120_000);
    expect(unreachable.code).toBe(3);
    expectNoLeak(unreachable, SECRET, 'unreachable replica');

    // What the runs left behind: history listing, an HTML report of a run, every file.
    const h = cli(['history', '--format', 'json'], { SYNCPOINT_STATE_DIR: state }, 60_000);
    expectNoLeak(h, SECRET, 'history');
    const runId = /"(?:runId|run|id)":\s*"([^"]+)"/.exec(h.stdout)?.[1];
    expect(runId, `the runs above are in the history: ${h.stdout.slice(0, 500)} ${h.stderr}`).toBeDefined();
    const report = cli(['report', runId!, '--html', join(state, 'report.html')], { SYNCPOINT_STATE_DIR: state }, 60_000);
    expect(report.code, report.stderr).toBe(0);
    expectNoLeak(report, SECRET, 'report');
    const files = filesUnder(state);
    expect(files).toContain(join(state, 'metrics.prom'));
    expect(files).toContain(join(state, 'report.html'));
    for (const f of files) {
      const text = readFileSync(f, 'latin1');
      for (const form of leakForms(SECRET)) expect(text.includes(form), `${f} holds the password`).toBe(false);
    }
  }, 900_000);

  it('a password on the command line draws one warning naming the env variable and the option file; none from the environment', () => {
    const fromDsn = cli(['counts', '--primary', dsn(sb, 'primary', 'sp_secret', SECRET), '--replica', dsn(sb, replicaNames(sb)[0]!, 'sp_secret', SECRET), '--databases', 'app'], {}, 120_000);
    expect(fromDsn.code).toBe(0);
    const want = engine === 'mariadb' ? /password given on the command line.*MYSQL_PWD or ~\/\.my\.cnf/ : /password given on the command line.*PGPASSWORD or ~\/\.pgpass/;
    expect(fromDsn.stderr).toMatch(want);
    const fromEnv = cli(['counts', '--primary', dsn(sb, 'primary', 'sp_secret', null), '--replica', dsn(sb, replicaNames(sb)[0]!, 'sp_secret', null), '--databases', 'app'], { [PW_ENV]: SECRET }, 120_000);
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(fromEnv.stderr).not.toMatch(/password given on the command line/);
  }, 300_000);

  it('the no-writes detector sees a single small write (so that its silence below means something)', async () => {
    if (engine === 'mariadb') {
      const before = await mariadbState(sb);
      await execOnNode(sb.info, 'primary', "UPDATE app.t SET v = 'changed' WHERE id = 1", { binlog: true });
      await waitForReplicas(sb.info);
      const after = await mariadbState(sb);
      expect(after['primary']).not.toEqual(before['primary']);
      expect(after['replica1']).not.toEqual(before['replica1']);
    } else {
      const before = await postgresState(sb);
      await execOnNode(sb.info, 'subscriber1', 'CREATE TEMPORARY TABLE scratch (a int)');
      await execOnNode(sb.info, 'primary', "UPDATE app.t SET v = 'changed' WHERE id = 1");
      const after = await postgresState(sb);
      expect(after['primary']!.nextXid).not.toBe(before['primary']!.nextXid);
      expect(after['subscriber1']!.nextXid).not.toBe(before['subscriber1']!.nextXid);
      const recs = await sb.query('primary', "SELECT count(*)::int AS n FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn) WHERE xid::text <> '0'", [before['primary']!.lsn, after['primary']!.lsn]);
      expect(recs[0]!['n']).toBeGreaterThan(0);
      // Leave no dead row version behind: reading it later could prune the page (a WAL record).
      await execOnNode(sb.info, 'primary', 'VACUUM (FREEZE) app.t');
    }
    await waitForReplicas(sb.info);
  }, 180_000);

  it('check, counts, risks, diff, topology and preflight write nothing on any server', async () => {
    const primary = dsn(sb, 'primary', 'sp_secret', null);
    const replicas = replicaNames(sb).map((r) => dsn(sb, r, 'sp_secret', null));
    await waitForReplicas(sb.info);
    for (const run of readOnlyRuns(sb, primary, replicas)) {
      if (engine === 'mariadb') {
        const before = await mariadbState(sb);
        const out = cli([...run.args, '--format', 'json'], { [PW_ENV]: SECRET }, 300_000);
        expect(out.stderr, run.name).not.toMatch(/\n\s+at .+:\d+:\d+/);
        expect(out.stdout.length, `${run.name} produced a result: ${out.stderr.slice(-1000)}`).toBeGreaterThan(0);
        const after = await mariadbState(sb);
        expect(after, `${run.name} changed a server`).toEqual(before);
      } else {
        const before = await postgresState(sb);
        const out = cli([...run.args, '--format', 'json'], { [PW_ENV]: SECRET }, 300_000);
        expect(out.stderr, run.name).not.toMatch(/\n\s+at .+:\d+:\d+/);
        expect(out.stdout.length, `${run.name} produced a result: ${out.stderr.slice(-1000)}`).toBeGreaterThan(0);
        const after = await postgresState(sb);
        for (const n of sb.info.nodes) {
          const b = before[n.name]!;
          const a = after[n.name]!;
          expect(a.relations, `${run.name}: relations on ${n.name}`).toEqual(b.relations);
          if (n.role === 'standby') continue;
          expect(a.nextXid, `${run.name}: an XID was assigned on ${n.name}`).toBe(b.nextXid);
          // WAL may move (checkpoints, running-xacts records); none of it may come from a transaction.
          if (n.role === 'primary' && a.lsn !== b.lsn) {
            const recs = await sb.query(n.name, "SELECT resource_manager, record_type, xid::text AS xid FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn) WHERE xid::text <> '0'", [b.lsn, a.lsn]);
            expect(recs, `${run.name}: WAL records with an XID between ${b.lsn} and ${a.lsn}`).toEqual([]);
          }
        }
        // The standby replays everything the primary has: compare after it caught up.
        await waitForReplicas(sb.info);
      }
    }
  }, 900_000);
}

for (const engine of ENGINES) describe(`secrets and no writes on ${engine}`, () => suite(engine));

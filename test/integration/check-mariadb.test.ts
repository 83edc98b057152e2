/**
 * check and counts on a real MariaDB primary + 2 replicas (GTID, ROW): a drift catalogue on
 * replica1 (one kind of drift per table), clean tables and a clean replica2 reporting ok.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, counts } from '../../src/api/check.js';
import type { CheckResult } from '../../src/pipeline/report/check-result.js';
import { sandboxDown, sandboxUp, type SandboxInfo } from '../../src/sandbox/index.js';
import { cli, splitPassword } from '../support/cli.js';

const run = describe;

async function exec(dsn: string, statements: string[], noBinlog = false): Promise<void> {
  const c = await mysql.createConnection({ uri: dsn, multipleStatements: false });
  try {
    if (noBinlog) await c.query('SET SESSION sql_log_bin = 0');
    for (const s of statements) await c.query(s);
  } finally {
    await c.end();
  }
}

async function waitReplicas(info: SandboxInfo): Promise<void> {
  const p = await mysql.createConnection({ uri: info.nodes[0]!.dsn });
  const [[{ pos }]] = (await p.query('SELECT @@gtid_binlog_pos AS pos')) as unknown as [[{ pos: string }]];
  await p.end();
  for (const n of info.nodes.slice(1)) {
    const c = await mysql.createConnection({ uri: n.dsn });
    const [[r]] = (await c.query('SELECT MASTER_GTID_WAIT(?, 60) AS w', [pos])) as unknown as [[{ w: number }]];
    await c.end();
    expect(r.w).toBe(0);
  }
}


const entry = (r: CheckResult, table: string, replica: string) => r.tables.find((t) => t.table === table && t.replica === replica);

// One table per kind of drift; each gets a few hundred rows so that only one row differs.
const CATALOGUE: { table: string; ddl: string; fill: string; drift: string[] }[] = [
  { table: 'ints', ddl: 'id INT PRIMARY KEY, a TINYINT, b BIGINT UNSIGNED, c MEDIUMINT', fill: 'seq, seq % 100, seq * 1000003, seq', drift: ['UPDATE cat.ints SET b = b + 1 WHERE id = 77'] },
  { table: 'decs', ddl: 'id INT PRIMARY KEY, d DECIMAL(14,4)', fill: 'seq, seq / 7', drift: ['UPDATE cat.decs SET d = d + 0.0001 WHERE id = 12'] },
  { table: 'floats', ddl: 'id INT PRIMARY KEY, f FLOAT, g DOUBLE', fill: 'seq, 1.0000001, seq / 3', drift: ['UPDATE cat.floats SET f = 1.0000002 WHERE id = 5'] },
  { table: 'doubles', ddl: 'id INT PRIMARY KEY, g DOUBLE', fill: 'seq, 0.1 * seq', drift: ['UPDATE cat.doubles SET g = 25.000000000000004 WHERE id = 250'] },
  { table: 'strs_case', ddl: 'id INT PRIMARY KEY, s VARCHAR(50) COLLATE utf8mb4_general_ci', fill: "seq, CONCAT('Name', seq)", drift: ["UPDATE cat.strs_case SET s = LOWER(s) WHERE id = 9"] },
  { table: 'strs_space', ddl: 'id INT PRIMARY KEY, s VARCHAR(50)', fill: "seq, CONCAT('v', seq)", drift: ["UPDATE cat.strs_space SET s = CONCAT(s, ' ') WHERE id = 31"] },
  { table: 'null_empty', ddl: 'id INT PRIMARY KEY, s VARCHAR(10) NULL', fill: "seq, IF(seq % 2, NULL, '')", drift: ["UPDATE cat.null_empty SET s = '' WHERE id = 3"] },
  { table: 'null_word', ddl: 'id INT PRIMARY KEY, s VARCHAR(10) NULL', fill: 'seq, NULL', drift: ["UPDATE cat.null_word SET s = 'NULL' WHERE id = 4"] },
  { table: 'texts', ddl: 'id INT PRIMARY KEY, t TEXT, c CHAR(10)', fill: "seq, REPEAT('x', seq % 300), 'c'", drift: ["UPDATE cat.texts SET t = CONCAT(LEFT(t, 10), 'y', SUBSTRING(t, 12)) WHERE id = 150"] },
  { table: 'bins', ddl: 'id INT PRIMARY KEY, b VARBINARY(16), bl BLOB', fill: 'seq, UNHEX(MD5(seq)), UNHEX(SHA2(seq, 256))', drift: ['UPDATE cat.bins SET bl = CONCAT(bl, 0x00) WHERE id = 66'] },
  { table: 'times', ddl: 'id INT PRIMARY KEY, d DATE, dt DATETIME(6), ts TIMESTAMP(6) NULL, tm TIME(3)', fill: "seq, '2024-01-01' + INTERVAL seq DAY, '2024-01-01 10:00:00.123456' + INTERVAL seq SECOND, '2024-06-01 00:00:00.5', '10:00:00.250'", drift: ['UPDATE cat.times SET dt = dt + INTERVAL 1 MICROSECOND WHERE id = 99'] },
  { table: 'stamps', ddl: 'id INT PRIMARY KEY, ts TIMESTAMP NULL', fill: "seq, '2024-06-01 00:00:00' + INTERVAL seq MINUTE", drift: ['UPDATE cat.stamps SET ts = ts + INTERVAL 1 SECOND WHERE id = 42'] },
  { table: 'enums', ddl: "id INT PRIMARY KEY, e ENUM('a','b','c'), s SET('x','y','z')", fill: "seq, ELT(1 + seq % 3, 'a', 'b', 'c'), 'x,y'", drift: ["UPDATE cat.enums SET s = 'x,z' WHERE id = 8"] },
  { table: 'bits', ddl: 'id INT PRIMARY KEY, b BIT(8)', fill: 'seq, seq % 256', drift: ['UPDATE cat.bits SET b = b ^ 1 WHERE id = 200'] },
  { table: 'jsons', ddl: 'id INT PRIMARY KEY, j JSON', fill: `seq, JSON_OBJECT('k', seq, 'tags', JSON_ARRAY('a', 'b'))`, drift: [`UPDATE cat.jsons SET j = JSON_SET(j, '$.k', 0) WHERE id = 10`] },
  { table: 'missing_row', ddl: 'id INT PRIMARY KEY, v INT', fill: 'seq, seq', drift: ['DELETE FROM cat.missing_row WHERE id = 123'] },
  { table: 'extra_row', ddl: 'id INT PRIMARY KEY, v INT', fill: 'seq, seq', drift: ['INSERT INTO cat.extra_row VALUES (100000, 1)'] },
  { table: 'nokey', ddl: 'v INT, w VARCHAR(20)', fill: "seq % 50, CONCAT('w', seq % 7)", drift: ["UPDATE cat.nokey SET w = 'changed' WHERE v = 3 LIMIT 1"] },
  { table: 'nokey_dupes', ddl: 'v INT', fill: 'seq % 10', drift: ['DELETE FROM cat.nokey_dupes WHERE v = 1 LIMIT 2', 'INSERT INTO cat.nokey_dupes VALUES (2), (2)'] },
  { table: 'composite', ddl: 'a INT, b VARCHAR(10), v INT, PRIMARY KEY (a, b)', fill: "seq % 20, CONCAT('k', seq), seq", drift: ["UPDATE cat.composite SET v = -1 WHERE a = 5 AND b = 'k105'"] },
  { table: 'uniq_key', ddl: 'u VARCHAR(20) NOT NULL, v INT, UNIQUE KEY uk (u)', fill: "CONCAT('u', seq), seq", drift: ["UPDATE cat.uniq_key SET v = 0 WHERE u = 'u17'"] },
  { table: 'missing_table', ddl: 'id INT PRIMARY KEY', fill: 'seq', drift: ['DROP TABLE cat.missing_table'] },
  { table: 'extra_col', ddl: 'id INT PRIMARY KEY, v INT', fill: 'seq, seq', drift: ['ALTER TABLE cat.extra_col ADD COLUMN x INT'] },
];
const CLEAN = ['clean_big', 'clean_small', 'clean_nokey'];

run('check on MariaDB (primary + 2 replicas, GTID, ROW)', () => {
  let info: SandboxInfo;
  let parent: string;
  let primary: string;
  let r1: string;
  let r2: string;

  beforeAll(async () => {
    parent = mkdtempSync(join(tmpdir(), 'sp-check-'));
    info = await sandboxUp({ dir: join(parent, 'sb'), engine: 'mariadb', replicas: 2 });
    [primary, r1, r2] = info.nodes.map((n) => n.dsn) as [string, string, string];
    const ddl = ['CREATE DATABASE cat', 'CREATE TABLE cat.seq (seq INT PRIMARY KEY)'];
    ddl.push('INSERT INTO cat.seq SELECT seq FROM cat.seq_1_to_400');
    for (const c of CATALOGUE) ddl.push(`CREATE TABLE cat.${c.table} (${c.ddl})`, `INSERT INTO cat.${c.table} SELECT ${c.fill} FROM cat.seq`);
    ddl.push('CREATE TABLE cat.clean_big (id BIGINT PRIMARY KEY, a VARCHAR(40), b DOUBLE, c DATETIME)');
    ddl.push("INSERT INTO cat.clean_big SELECT seq, MD5(seq), seq / 11, '2020-01-01' + INTERVAL seq MINUTE FROM cat.seq_1_to_60000");
    // Chunked (60000 rows): a key that is nullable on a replica only is tested below.
    ddl.push('CREATE TABLE cat.null_key (u INT NOT NULL, v INT, UNIQUE KEY uk (u))', 'INSERT INTO cat.null_key SELECT seq, seq FROM cat.seq_1_to_60000');
    ddl.push('CREATE TABLE cat.clean_small (id INT PRIMARY KEY)', 'CREATE TABLE cat.clean_nokey (a INT, b TEXT)', "INSERT INTO cat.clean_nokey VALUES (1, 'x'), (1, 'x'), (NULL, NULL)");
    await exec(primary, ddl);
    await waitReplicas(info);
    for (const c of CATALOGUE) await exec(r1, c.drift, true);
  });

  afterAll(async () => {
    if (info) await sandboxDown({ dir: info.dir });
    if (parent) rmSync(parent, { recursive: true, force: true });
  });

  it('finds every drift on replica1, on the right table, and nothing on clean tables or replica2', async () => {
    const res = await check({ primary, replicas: [r1, r2], filter: { databases: ['cat'], ignoreTables: ['seq'] } });
    const [l1, l2] = [info.nodes[1]!, info.nodes[2]!].map((n) => `${n.host}:${n.port}`) as [string, string];
    expect(res.verdict).toBe('drift');
    for (const c of CATALOGUE) {
      expect(entry(res, `cat.${c.table}`, l1)?.status, `${c.table} on replica1`).toBe('drift');
      if (c.table !== 'missing_table' && c.table !== 'extra_col') expect(entry(res, `cat.${c.table}`, l2)?.status, `${c.table} on replica2`).toBe('ok');
    }
    expect(entry(res, 'cat.missing_table', l1)?.reason).toMatch(/missing on replica/);
    expect(entry(res, 'cat.extra_col', l1)?.reason).toMatch(/extra column on replica: x/);
    expect(entry(res, 'cat.missing_row', l1)).toMatchObject({ primaryRows: 400, replicaRows: 399, driftChunks: 1 });
    for (const t of CLEAN) for (const l of [l1, l2]) expect(entry(res, `cat.${t}`, l)?.status, `${t} on ${l}`).toBe('ok');
    expect(entry(res, 'cat.clean_big', l1)!.chunks).toBeGreaterThan(1);
    expect(entry(res, 'cat.clean_big', l1)!.primaryRows).toBe(60000);
  });

  it('counts finds the row-count drifts only', async () => {
    const res = await counts({ primary, replicas: [r1, r2], filter: { tables: ['cat.missing_row', 'cat.extra_row', 'cat.ints'] } });
    const l1 = `${info.nodes[1]!.host}:${info.nodes[1]!.port}`;
    expect(entry(res, 'cat.missing_row', l1)).toMatchObject({ status: 'drift', primaryRows: 400, replicaRows: 399 });
    expect(entry(res, 'cat.extra_row', l1)).toMatchObject({ status: 'drift', primaryRows: 400, replicaRows: 401 });
    expect(entry(res, 'cat.ints', l1)?.status).toBe('ok');
  });

  /**
   * Pins a wrong "consistent": chunk ranges are comparisons on the key, which a NULL never
   * satisfies, so a row with a NULL key on a replica whose key column allows it (schema drift
   * behind replication's back) was in no chunk at all.
   */
  it('a chunk key column nullable on the replica only is drift with the reason, not a row that escapes every chunk', async () => {
    await exec(r1, ['ALTER TABLE cat.null_key MODIFY u INT NULL', 'INSERT INTO cat.null_key VALUES (NULL, 7)'], true);
    const res = await check({ primary, replicas: [r1, r2], filter: { tables: ['cat.null_key'] } });
    const [l1, l2] = [info.nodes[1]!, info.nodes[2]!].map((n) => `${n.host}:${n.port}`) as [string, string];
    expect(entry(res, 'cat.null_key', l1)).toMatchObject({ status: 'drift', reason: expect.stringMatching(/key column u NOT NULL on the primary but nullable on the replica/) });
    expect(entry(res, 'cat.null_key', l2)?.status).toBe('ok');
    expect(res.verdict).toBe('drift');
  });

  it('a clean scope is consistent and leaves replication running', async () => {
    const res = await check({ primary, replicas: [r1, r2], filter: { tables: CLEAN.map((t) => `cat.${t}`) } });
    expect(res.verdict).toBe('consistent');
    expect(res.tables.every((t) => t.status === 'ok')).toBe(true);
    for (const n of info.nodes.slice(1)) {
      const c = await mysql.createConnection({ uri: n.dsn });
      const [[st]] = (await c.query('SHOW SLAVE STATUS')) as unknown as [[Record<string, string>]];
      await c.end();
      expect(st.Slave_SQL_Running).toBe('Yes');
      expect(st.Slave_IO_Running).toBe('Yes');
    }
  });

  /**
   * Pins a false "incomplete": with parallel replication over several GTID domains a restart of
   * the SQL thread sets Exec_Master_Log_Pos back (to where the slowest domain stood), and the
   * events it then skips do not move it: on a quiet primary the binlog coordinates never came
   * back to the sync position, and the replica was dropped after --sync-timeout. gtid_slave_pos
   * at the target's GTID position is the target reached.
   */
  it('a replica with parallel replication over several domains is synchronized after an SQL thread restart', async () => {
    await exec(primary, ['CREATE DATABASE dom', 'CREATE TABLE dom.t (id INT PRIMARY KEY, v INT)']);
    await exec(primary, ['SET SESSION gtid_domain_id = 1', 'INSERT INTO dom.t VALUES (1, 1), (2, 2)', 'SET SESSION gtid_domain_id = 2', 'INSERT INTO dom.t VALUES (3, 3)', 'SET SESSION gtid_domain_id = 0', 'INSERT INTO dom.t VALUES (4, 4)']);
    await waitReplicas(info);
    try {
      await exec(r1, ['STOP SLAVE', 'SET GLOBAL slave_parallel_threads = 4', 'START SLAVE']);
      await exec(primary, ['SET SESSION gtid_domain_id = 1', 'UPDATE dom.t SET v = v + 1 WHERE id = 1', 'SET SESSION gtid_domain_id = 2', 'UPDATE dom.t SET v = v + 1 WHERE id = 3']);
      await waitReplicas(info);
      await exec(r1, ['STOP SLAVE SQL_THREAD', 'START SLAVE SQL_THREAD']);
      const res = await check({ primary, replicas: [r1], filter: { databases: ['dom'] }, syncTimeoutMs: 5000 });
      expect(res.verdict, JSON.stringify(res)).toBe('consistent');
    } finally {
      await exec(r1, ['STOP SLAVE', 'SET GLOBAL slave_parallel_threads = 0', 'START SLAVE']);
      await exec(primary, ['DROP DATABASE dom']);
      await waitReplicas(info);
    }
  });

  it('discovers replicas from the primary when none are named', async () => {
    const res = await check({ primary, filter: { tables: ['cat.clean_small'] } });
    expect(res.replicas.sort()).toEqual(info.nodes.slice(1).map((n) => `${n.host}:${n.port}`).sort());
    expect(res.notes.join(' ')).toMatch(/SHOW SLAVE HOSTS|via/);
  });

  describe('through the CLI', () => {
    it('prints the contract JSON and exits 1 on drift, 0 when clean, password never shown', () => {
      const p = splitPassword(primary);
      const drift = cli(['check', '--primary', p.dsn, '--replica', splitPassword(r1).dsn, '--tables', 'cat.missing_row,cat.clean_small', '--format', 'json'], { MYSQL_PWD: p.pw });
      expect(drift.code).toBe(1);
      const j = JSON.parse(drift.stdout);
      expect(j).toMatchObject({ schemaVersion: 1, verdict: 'drift', primary: expect.any(String), replicas: [expect.any(String)] });
      expect(j.tables).toHaveLength(2);
      for (const t of j.tables) expect(Object.keys(t)).toEqual(expect.arrayContaining(['table', 'replica', 'status', 'primaryRows', 'replicaRows', 'chunks', 'driftChunks']));
      expect(typeof j.durationMs).toBe('number');
      const clean = cli(['check', '--primary', p.dsn, '--replica', splitPassword(r2).dsn, '--tables', 'cat.clean_small'], { MYSQL_PWD: p.pw });
      expect(clean.code).toBe(0);
      expect(clean.stdout).toMatch(/CONSISTENT/);
      for (const out of [drift.stdout, drift.stderr, clean.stdout, clean.stderr]) expect(out).not.toContain(p.pw);
    });

    it('warns when the password is on the command line, and never echoes it', () => {
      const res = cli(['check', '--primary', primary, '--replica', r2, '--tables', 'cat.clean_small', '--log-level', 'warn']);
      expect(res.code).toBe(0);
      expect(res.stderr).toMatch(/password given on the command line/);
      expect(res.stdout + res.stderr).not.toContain(splitPassword(primary).pw);
    });

    it('bad input: one clear line each, the documented exit code, no stack, no password', () => {
      const pw = splitPassword(primary).pw;
      const port = new URL(primary).port;
      const cases: { args: string[]; env?: Record<string, string>; code: number; match: RegExp }[] = [
        { args: ['check', '--primary', 'not a dsn'], code: 2, match: /malformed connection string/ },
        { args: ['check', '--primary', 'oracle://u:sekrit@h/x'], code: 2, match: /unsupported scheme/ },
        { args: ['check'], code: 2, match: /--primary is required/ },
        { args: ['check', '--primary', primary, '--bogus-flag'], code: 2, match: /unknown option/ },
        { args: ['check', '--primary', `mysql://root@127.0.0.1:${port}`, '--replica', r1], env: { MYSQL_PWD: 'wrong-password' }, code: 2, match: /access denied/i },
        { args: ['check', '--primary', 'mysql://root@127.0.0.1:1', '--replica', 'mysql://root@127.0.0.1:2'], env: { MYSQL_PWD: pw }, code: 3, match: /127\.0\.0\.1:1/ },
        { args: ['check', '--primary', splitPassword(primary).dsn, '--replica', splitPassword(r1).dsn, '--tables', 'cat.no_such_table'], env: { MYSQL_PWD: pw }, code: 2, match: /cat\.no_such_table.*not found|not found.*cat\.no_such_table/ },
      ];
      for (const c of cases) {
        const res = cli(c.args, c.env);
        expect(res.code, `${c.args.join(' ')}: ${res.stderr}`).toBe(c.code);
        const lines = res.stderr.trim().split('\n').filter((l) => !/password given on the command line/.test(l));
        expect(lines.length, res.stderr).toBeGreaterThanOrEqual(1);
        expect(lines.join('\n')).toMatch(c.match);
        expect(res.stderr).not.toMatch(/^\s+at /m);
        expect(res.stdout + res.stderr).not.toContain(pw);
        expect(res.stdout + res.stderr).not.toContain('sekrit');
      }
    });
  });
});

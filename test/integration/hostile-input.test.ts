/**
 * Hostile and odd input, on real servers through the built CLI: identifiers with quotes, spaces,
 * dots, unicode, reserved words and maximal length; values at the edges of their types; a 16 MB
 * BLOB/bytea; an empty table; a table whose statistics claim a billion rows but holds 3. Clean
 * data must be consistent, drift injected on the replica must be found in exactly the tables it
 * was injected into, and nothing may end in a stack trace. Then malformed command lines: one
 * clear line, exit 2.
 */
import { describe, expect, it } from 'vitest';
import { displayName } from '../../src/engine/types.js';
import { execOnNode, type SandboxEngine } from '../../src/sandbox/index.js';
import { ENGINES, withSandbox, type SandboxHandle } from '../support/topology.js';
import { cli, splitPassword } from '../support/cli.js';
import { createTablesEverywhere } from '../support/pg-tables.js';

const BIG = 16_000_000; // a 16 MB value that still fits MariaDB 10.11's default max_allowed_packet (16 MiB)

interface Case {
  /** Schema/database the tables live in. */
  schema: string;
  tables: Record<string, string>;
  /** Tables into which drift is injected on the replica. */
  drifted: string[];
  clean: string[];
}

const MARIA_DB = 'hostile `db` "x" .ü';
const MARIA_LONG_DB = 'd'.repeat(64);
const PG_SCHEMA = 'hostile `s` "x" .ü';
const PG_LONG = 't'.repeat(63);

const qm = (s: string) => '`' + s.replace(/`/g, '``') + '`';
const qp = (s: string) => `"${s.replace(/"/g, '""')}"`;

const MARIA: Case = {
  schema: MARIA_DB,
  tables: {
    weird: 'we`ird ta.ble "x"',
    reserved: 'select',
    long: 'L'.repeat(64),
    unicode: 'tablé_日本',
    edges: 'edges',
    zerodates: 'zero dates',
    emoji: 'emoji',
    blob: 'blob16',
    empty: 'empty',
    billion: 'billion',
  },
  drifted: ['weird', 'long', 'edges', 'zerodates', 'emoji', 'blob', 'billion'],
  clean: ['reserved', 'unicode', 'empty'],
};

const PG: Case = {
  schema: PG_SCHEMA,
  tables: {
    weird: 'we`ird ta.ble "x"',
    reserved: 'select',
    long: PG_LONG,
    unicode: 'tablé_日本',
    // PostgreSQL identifiers take any UTF-8, 4-byte characters included (MariaDB's are BMP only).
    emojiName: 'tbl 😀',
    edges: 'edges',
    emoji: 'emoji',
    blob: 'blob16',
    empty: 'empty',
    billion: 'billion',
  },
  drifted: ['weird', 'long', 'edges', 'emoji', 'blob', 'billion', 'emojiName'],
  clean: ['reserved', 'unicode', 'empty'],
};

function mariaSetup(): { ddl: string[]; drift: string[] } {
  const T = MARIA.tables;
  const t = (k: string) => `${qm(MARIA_DB)}.${qm(T[k]!)}`;
  const ddl = [
    `CREATE DATABASE ${qm(MARIA_DB)}`,
    `CREATE DATABASE ${qm(MARIA_LONG_DB)}`, // empty database
    `CREATE TABLE ${t('weird')} (${qm('i`d')} INT PRIMARY KEY, ${qm('sel ect')} VARCHAR(20), ${qm('co`l')} INT, ${qm('"dq"')} TEXT, \`order\` INT, ${qm('a.b')} INT)`,
    `INSERT INTO ${t('weird')} VALUES (1, 'a', 1, 'x', 1, 1), (2, 'b', 2, 'y', 2, 2), (3, NULL, NULL, NULL, NULL, NULL)`,
    `CREATE TABLE ${t('reserved')} (\`from\` INT PRIMARY KEY, \`where\` VARCHAR(10), \`key\` INT)`,
    `INSERT INTO ${t('reserved')} VALUES (1, 'w', 1), (2, 'x', 2)`,
    `CREATE TABLE ${t('long')} (${qm('c'.repeat(64))} INT PRIMARY KEY, ${qm('v'.repeat(64))} INT)`,
    `INSERT INTO ${t('long')} VALUES (1, 10), (2, 20)`,
    `CREATE TABLE ${t('unicode')} (${qm('ключ')} INT PRIMARY KEY, ${qm('値')} VARCHAR(10))`,
    `INSERT INTO ${t('unicode')} VALUES (1, 'ü'), (2, '日本')`,
    'CREATE TABLE ' + t('edges') + ' (id BIGINT PRIMARY KEY, u BIGINT UNSIGNED, d DOUBLE, f FLOAT, dec65 DECIMAL(65,30), ti TINYINT)',
    'INSERT INTO ' + t('edges') + ' VALUES (-9223372036854775808, 0, -1.7976931348623157e308, -3.40282e38, -99999999999999999999999999999999999.999999999999999999999999999999, -128),' +
      ' (0, 1, 4.9e-324, 1.17549e-38, 0, 0),' +
      ' (9223372036854775807, 18446744073709551615, 1.7976931348623157e308, 3.40282e38, 99999999999999999999999999999999999.999999999999999999999999999999, 127)',
    `CREATE TABLE ${t('zerodates')} (d DATE PRIMARY KEY, dt DATETIME, ts TIMESTAMP NULL)`,
    `INSERT INTO ${t('zerodates')} VALUES ('0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00'), ('2024-00-00', '2024-01-00 10:00:00', NULL), ('2024-02-29', '9999-12-31 23:59:59', '2038-01-19 03:14:07')`,
    `CREATE TABLE ${t('emoji')} (k VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PRIMARY KEY, v VARCHAR(20) CHARACTER SET utf8mb4)`,
    `INSERT INTO ${t('emoji')} VALUES ('😀', '🙈🙉🙊'), ('a😀b', '𝄞'), ('z', '')`,
    `CREATE TABLE ${t('blob')} (id INT PRIMARY KEY, b LONGBLOB)`,
    `INSERT INTO ${t('blob')} VALUES (1, REPEAT(0x41, ${BIG})), (2, '')`,
    `CREATE TABLE ${t('empty')} (id INT PRIMARY KEY, v TEXT)`,
    `CREATE TABLE ${t('billion')} (id INT PRIMARY KEY, v INT) ENGINE=InnoDB STATS_PERSISTENT=1 STATS_AUTO_RECALC=0`,
    `INSERT INTO ${t('billion')} VALUES (1, 1), (2, 2), (3, 3)`,
    `ANALYZE TABLE ${t('billion')}`,
  ];
  const drift = [
    `UPDATE ${t('weird')} SET ${qm('co`l')} = 99 WHERE ${qm('i`d')} = 2`,
    `UPDATE ${t('long')} SET ${qm('v'.repeat(64))} = 21 WHERE ${qm('c'.repeat(64))} = 2`,
    `UPDATE ${t('edges')} SET u = 18446744073709551614 WHERE id = 9223372036854775807`,
    `UPDATE ${t('zerodates')} SET dt = '0000-00-00 00:00:01' WHERE d = '0000-00-00'`,
    `UPDATE ${t('emoji')} SET v = '🙈🙉' WHERE k = '😀'`,
    `UPDATE ${t('blob')} SET b = INSERT(b, ${BIG / 2}, 1, 'B') WHERE id = 1`,
    `UPDATE ${t('billion')} SET v = 4 WHERE id = 3`,
  ];
  return { ddl, drift };
}

function pgSetup(): { ddl: string[]; fill: string[]; drift: string[] } {
  const T = PG.tables;
  const t = (k: string) => `${qp(PG_SCHEMA)}.${qp(T[k]!)}`;
  const ddl = [
    `CREATE SCHEMA ${qp(PG_SCHEMA)}`,
    `CREATE SCHEMA ${qp('e'.repeat(63))}`, // empty schema
    `CREATE TABLE ${t('weird')} (${qp('i"d')} int PRIMARY KEY, ${qp('sel ect')} varchar(20), ${qp('co"l')} int, ${qp('`bt`')} text, "order" int, ${qp('a.b')} int)`,
    `CREATE TABLE ${t('reserved')} ("from" int PRIMARY KEY, "where" varchar(10), "user" int)`,
    `CREATE TABLE ${t('long')} (${qp('c'.repeat(63))} int PRIMARY KEY, ${qp('v'.repeat(63))} int)`,
    `CREATE TABLE ${t('unicode')} (${qp('ключ')} int PRIMARY KEY, ${qp('値')} varchar(10))`,
    `CREATE TABLE ${t('emojiName')} (${qp('🔑')} text PRIMARY KEY, ${qp('v 🙈')} int)`,
    `CREATE TABLE ${t('edges')} (id bigint PRIMARY KEY, d double precision, r real, n numeric, ts timestamptz, dd date, s smallint)`,
    `CREATE TABLE ${t('emoji')} (k text COLLATE "C" PRIMARY KEY, v text)`,
    `CREATE TABLE ${t('blob')} (id int PRIMARY KEY, b bytea)`,
    `CREATE TABLE ${t('empty')} (id int PRIMARY KEY, v text)`,
    `CREATE TABLE ${t('billion')} (id int PRIMARY KEY, v int)`,
  ];
  const fill = [
    `INSERT INTO ${t('weird')} VALUES (1, 'a', 1, 'x', 1, 1), (2, 'b', 2, 'y', 2, 2), (3, NULL, NULL, NULL, NULL, NULL)`,
    `INSERT INTO ${t('reserved')} VALUES (1, 'w', 1), (2, 'x', 2)`,
    `INSERT INTO ${t('long')} VALUES (1, 10), (2, 20)`,
    `INSERT INTO ${t('unicode')} VALUES (1, 'ü'), (2, '日本')`,
    `INSERT INTO ${t('edges')} VALUES` +
      ` (-9223372036854775808, 'NaN', '-Infinity', 'NaN', '-infinity', '-infinity', -32768),` +
      ` (0, 4.9e-324, 1.17549e-38, 0.000000000000000000000000000001, '1970-01-01 00:00:00+00', '0001-01-01 BC', 0),` +
      ` (1, 'Infinity', 'Infinity', 1e300, 'infinity', 'infinity', 1),` +
      ` (9223372036854775807, 1.7976931348623157e308, 3.4028235e38, -1e-300, '294276-12-31 23:59:59+00', '5874897-12-31', 32767)`,
    `INSERT INTO ${t('emoji')} VALUES ('😀', '🙈🙉🙊'), ('a😀b', '𝄞'), ('z', '')`,
    `INSERT INTO ${t('emojiName')} VALUES ('🔑1', 1), ('🔑2', 2)`,
    `INSERT INTO ${t('blob')} VALUES (1, decode(repeat('41', ${BIG}), 'hex')), (2, '')`,
    `INSERT INTO ${t('billion')} VALUES (1, 1), (2, 2), (3, 3)`,
  ];
  const drift = [
    `UPDATE ${t('weird')} SET ${qp('co"l')} = 99 WHERE ${qp('i"d')} = 2`,
    `UPDATE ${t('long')} SET ${qp('v'.repeat(63))} = 21 WHERE ${qp('c'.repeat(63))} = 2`,
    `UPDATE ${t('edges')} SET d = 'Infinity' WHERE id = -9223372036854775808`,
    `UPDATE ${t('emoji')} SET v = '🙈🙉' WHERE k = '😀'`,
    `UPDATE ${t('blob')} SET b = set_byte(b, ${BIG / 2}, 66) WHERE id = 1`,
    `UPDATE ${t('billion')} SET v = 4 WHERE id = 3`,
    `UPDATE ${t('emojiName')} SET ${qp('v 🙈')} = 3 WHERE ${qp('🔑')} = '🔑2'`,
  ];
  return { ddl, fill, drift };
}

interface JsonTable { table: string; replica: string; status: string; primaryRows: number; replicaRows: number; reason?: string }
interface JsonResult { verdict: string; tables: JsonTable[] }

function runJson(sb: SandboxHandle, replicaName: string, args: string[]): { code: number | null; json: JsonResult; stderr: string } {
  const p = splitPassword(sb.primary.dsn);
  const r = splitPassword(sb.node(replicaName).dsn);
  const env: Record<string, string> = sb.engine === 'postgres' ? { PGPASSWORD: p.pw } : { MYSQL_PWD: p.pw };
  const out = cli([...args, '--primary', p.dsn, '--replica', r.dsn, '--format', 'json'], env, 300_000);
  expect(out.stderr, 'no stack trace').not.toMatch(/\n\s+at .+:\d+:\d+/);
  let json: JsonResult;
  try {
    json = JSON.parse(out.stdout) as JsonResult;
  } catch {
    throw new Error(`no JSON on stdout (exit ${out.code}): ${out.stdout.slice(0, 500)} / ${out.stderr.slice(0, 2000)}`);
  }
  return { code: out.code, json, stderr: out.stderr };
}

async function setBillionEstimate(sb: SandboxHandle): Promise<void> {
  for (const n of [sb.primary, ...sb.replicas]) {
    if (sb.engine === 'mariadb') {
      // Persistent InnoDB statistics live in a table a DBA (or a bad import) can leave stale; a
      // RENAME round trip makes InnoDB load them again (FLUSH TABLES does not in 10.11).
      const b = `${qm(MARIA_DB)}.${qm(MARIA.tables['billion']!)}`;
      const tmp = `${qm(MARIA_DB)}.${qm('billion_tmp')}`;
      await execOnNode(sb.info, n.name, 'UPDATE mysql.innodb_table_stats SET n_rows = 1000000000 WHERE database_name = ? AND table_name = ?', { params: [MARIA_DB, MARIA.tables['billion']!] });
      await execOnNode(sb.info, n.name, `RENAME TABLE ${b} TO ${tmp}, ${tmp} TO ${b}`);
      const [r] = await execOnNode(sb.info, n.name, 'SELECT TABLE_ROWS AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', { params: [MARIA_DB, MARIA.tables['billion']!] });
      expect(Number(r!.rows[0]!['n']), `estimate on ${n.name}`).toBeGreaterThan(1e8);
    } else {
      await execOnNode(sb.info, n.name, `UPDATE pg_class SET reltuples = 1e9 WHERE oid = '${qp(PG_SCHEMA).replace(/'/g, "''")}.${qp(PG.tables['billion']!)}'::regclass`);
      const [r] = await execOnNode(sb.info, n.name, `SELECT reltuples::float8 AS n FROM pg_class WHERE oid = '${qp(PG_SCHEMA).replace(/'/g, "''")}.${qp(PG.tables['billion']!)}'::regclass`);
      expect(Number(r!.rows[0]!['n']), `estimate on ${n.name}`).toBe(1e9);
    }
  }
}

function hostileSuite(engine: SandboxEngine): void {
  const c = engine === 'mariadb' ? MARIA : PG;
  const sb = withSandbox(engine, engine === 'mariadb' ? { replicas: 1 } : { replicas: 0, logical: 1 });
  const replicaName = engine === 'mariadb' ? 'replica1' : 'subscriber1';
  // As reports show it: a part holding a dot is quoted the engine's way (the schema here has one).
  const name = (k: string) => displayName(c.schema, c.tables[k]!, engine === 'mariadb' ? '`' : '"');
  let driftSql: string[] = [];

  it('loads the hostile schema and fakes a billion-row estimate', async () => {
    if (engine === 'mariadb') {
      const s = mariaSetup();
      driftSql = s.drift;
      await execOnNode(sb.info, 'primary', ["SET SESSION sql_mode = ''", ...s.ddl], { binlog: true });
      const { waitForReplicas } = await import('../../src/sandbox/index.js');
      await waitForReplicas(sb.info);
    } else {
      const s = pgSetup();
      driftSql = s.drift;
      await createTablesEverywhere(sb.info, s.ddl, s.fill);
    }
    await setBillionEstimate(sb);
    // The big value really is there on both sides (a value over max_allowed_packet would be NULL).
    const len = engine === 'mariadb' ? `SELECT LENGTH(b) AS n FROM ${qm(MARIA_DB)}.${qm(MARIA.tables['blob']!)} WHERE id = 1` : `SELECT length(b) AS n FROM ${qp(PG_SCHEMA)}.${qp(PG.tables['blob']!)} WHERE id = 1`;
    for (const n of [sb.primary.name, replicaName]) {
      const [r] = await execOnNode(sb.info, n, len);
      expect(Number(r!.rows[0]!['n']), n).toBe(BIG);
    }
  }, 300_000);

  it('check on clean hostile data: consistent, every table ok, exact counts despite the estimate', () => {
    const { code, json } = runJson(sb, replicaName, ['check', '--databases', c.schema]);
    expect(json.verdict, JSON.stringify(json.tables.filter((t) => t.status !== 'ok'))).toBe('consistent');
    expect(code).toBe(0);
    for (const k of Object.keys(c.tables)) {
      const e = json.tables.find((t) => t.table === name(k));
      expect(e?.status, k).toBe('ok');
    }
    expect(json.tables.find((t) => t.table === name('billion'))).toMatchObject({ primaryRows: 3, replicaRows: 3 });
    expect(json.tables.find((t) => t.table === name('empty'))).toMatchObject({ primaryRows: 0, replicaRows: 0 });
    expect(json.tables.find((t) => t.table === name('blob'))).toMatchObject({ primaryRows: 2, replicaRows: 2 });
  }, 300_000);

  it('an empty database/schema named explicitly: one clear line, exit 2', () => {
    const emptyName = engine === 'mariadb' ? MARIA_LONG_DB : 'e'.repeat(63);
    const p = splitPassword(sb.primary.dsn);
    const env: Record<string, string> = engine === 'postgres' ? { PGPASSWORD: p.pw } : { MYSQL_PWD: p.pw };
    const out = cli(['counts', '--primary', p.dsn, '--replica', splitPassword(sb.node(replicaName).dsn).dsn, '--databases', emptyName], env);
    expect(out.code).toBe(2);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
    expect(out.stderr).toContain(emptyName);
  }, 120_000);

  it('finds drift injected on the replica in exactly the drifted tables, quoted names as filters', async () => {
    if (engine === 'mariadb') await execOnNode(sb.info, replicaName, ["SET SESSION sql_mode = ''", ...driftSql]);
    else await execOnNode(sb.info, replicaName, driftSql);
    const { code, json } = runJson(sb, replicaName, ['check', '--databases', c.schema]);
    expect(json.verdict).toBe('drift');
    expect(code).toBe(1);
    for (const k of c.drifted) expect(json.tables.find((t) => t.table === name(k))?.status, `${k} drifted`).toBe('drift');
    for (const k of c.clean) expect(json.tables.find((t) => t.table === name(k))?.status, `${k} clean`).toBe('ok');

    // A table filter naming a schema that contains dots and quotes, written in the engine's quoting.
    const q = engine === 'mariadb' ? qm : qp;
    const one = runJson(sb, replicaName, ['check', '--tables', `${q(c.schema)}.${q(c.tables['weird']!)}`]);
    expect(one.json.tables.map((t) => t.table)).toEqual([name('weird')]);
    expect(one.json.tables[0]!.status).toBe('drift');
    expect(one.code).toBe(1);
  }, 300_000);

  it('counts on the hostile schema: the billion-row estimate does not leak into the counts', () => {
    const { json } = runJson(sb, replicaName, ['counts', '--databases', c.schema]);
    expect(json.tables.find((t) => t.table === name('billion'))).toMatchObject({ status: 'ok', primaryRows: 3, replicaRows: 3 });
    expect(json.tables.find((t) => t.table === name('weird'))?.status).toBe('ok');
  }, 300_000);
}

for (const engine of ENGINES) describe(`hostile data on ${engine}`, () => hostileSuite(engine));

describe('hostile command lines: one clear line, exit 2, no stack trace', () => {
  const cases: [string, string[], RegExp][] = [
    ['no --primary', ['check'], /--primary is required/],
    ['not a URL', ['check', '--primary', 'nope'], /malformed connection string "nope"/],
    ['unknown scheme', ['check', '--primary', 'http://h/x'], /unsupported scheme "http"/],
    ['port out of range', ['counts', '--primary', 'mysql://u@127.0.0.1:99999'], /port/],
    ['path with two parts', ['check', '--primary', 'mysql://u@h:3306/a/b'], /bad database name/],
    ['unknown ssl mode', ['check', '--primary', 'postgres://u@127.0.0.1:1/db?sslmode=bogus'], /unknown ssl mode "bogus"/],
    ['unclosed IPv6 bracket', ['risks', '--primary', 'mysql://u@[::1'], /malformed connection string/],
    ['bad password escape', ['check', '--primary', 'mysql://u:%zz@127.0.0.1:1'], /malformed|escape|password/i],
    ['--format bogus', ['check', '--primary', 'mysql://u@h', '--format', 'bogus'], /--format must be table or json/],
    ['--concurrency 0', ['check', '--concurrency', '0'], /--concurrency must be 1\.\.64/],
    ['--concurrency -1', ['check', '--concurrency', '-1'], /--concurrency must be 1\.\.64/],
    ['--concurrency abc', ['counts', '--concurrency', 'abc'], /--concurrency must be 1\.\.64/],
    ['--chunk-time abc', ['check', '--chunk-time', 'abc'], /--chunk-time must be a positive number/],
    ['--chunk-time 0', ['check', '--chunk-time', '0'], /--chunk-time must be a positive number/],
    ['--retries -1', ['check', '--retries', '-1'], /--retries must be a whole number/],
    ['--connect-timeout abc', ['risks', '--connect-timeout', 'abc'], /--connect-timeout must be a positive number/],
    ['unknown flag', ['check', '--bogus'], /unknown option '--bogus'/],
    ['check-only flag on counts', ['counts', '--chunk-time', '1'], /unknown option '--chunk-time'/],
    ['unknown command', ['chek'], /unknown command 'chek'/],
    ['--sync-method bogus', ['check', '--sync-method', 'bogus'], /--sync-method must be/],
    ['--log-level loud', ['check', '--log-level', 'loud'], /--log-level/],
    ['table and ignore-table the same', ['check', '--primary', 'mysql://u@127.0.0.1:1', '--tables', 'a.t', '--ignore-tables', 'a.t'], /both included .* and excluded/],
    ['database and ignore-database the same', ['counts', '--primary', 'mysql://u@127.0.0.1:1', '--databases', 'a', '--ignore-databases', 'a'], /both included .* and excluded/],
    ['empty --databases list', ['counts', '--primary', 'mysql://u@127.0.0.1:1', '--databases', ' , '], /--databases was given an empty list/],
    ['empty --tables pattern', ['check', '--primary', 'mysql://u@127.0.0.1:1', '--tables', 'db.'], /empty table name/],
    ['--ssl-mode bogus', ['check', '--primary', 'mysql://u@127.0.0.1:1', '--ssl-mode', 'bogus'], /--ssl-mode must be one of/],
    ['--ssl-cert without --ssl-key', ['check', '--primary', 'mysql://u@127.0.0.1:1', '--ssl-cert', '/tmp/x.crt'], /--ssl-cert and --ssl-key go together/],
  ];
  for (const [what, args, msg] of cases) {
    it(what, () => {
      const out = cli(args, { MYSQL_PWD: '', PGPASSWORD: '' }, 60_000);
      expect(out.code, `${out.stdout}\n${out.stderr}`).toBe(2);
      const lines = out.stderr.trim().split('\n');
      expect(lines, out.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^syncpoint: /);
      expect(lines[0]).toMatch(msg);
      expect(out.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
      expect(out.stdout).toBe('');
    });
  }

  it('the malformed-DSN message shows the expected form unredacted and never the password', () => {
    const out = cli(['check', '--primary', 'mysql://u:S3cr3tPw@h:99999'], {}, 60_000);
    expect(out.code).toBe(2);
    expect(out.stderr).not.toContain('S3cr3tPw');
    expect(out.stderr).not.toMatch(/\[:\*\*\*@/);
  });
});

/**
 * The bench dataset: four tables of different shapes in schema `bench`, generated on the server
 * (MariaDB's Sequence engine seq_1_to_N, PostgreSQL's generate_series) so loading 2M rows takes
 * seconds, not minutes of client INSERTs. Every value is a function of the row number only, so a
 * given --rows gives the same data on every run. Loaded in batches (one transaction each) so no
 * single binlog event group or WAL burst is huge, then the replicas are waited for.
 */
import type { NodeClient } from '../sandbox/index.js';
import type { SandboxEngine } from '../sandbox/index.js';

export const BENCH_SCHEMA = 'bench';
export const PROBE_TABLE = 'probe';
export const PROBE_ROWS = 100;
const BATCH = 200_000;

export interface TableShare {
  readonly name: string;
  readonly share: number;
  readonly shape: string;
}

/** How --rows is split; the shares add up to 1. */
export const TABLES: readonly TableShare[] = [
  { name: 'int_key', share: 0.5, shape: 'integer key, numbers, short text, dates' },
  { name: 'composite_key', share: 0.25, shape: '(int, varchar) key' },
  { name: 'wide_text', share: 0.15, shape: 'about 700 bytes of text per row' },
  { name: 'json_blob', share: 0.1, shape: 'JSON document and a binary column' },
];

export function rowsPerTable(total: number): Map<string, number> {
  const m = new Map<string, number>();
  let left = total;
  TABLES.forEach((t, i) => {
    const n = i === TABLES.length - 1 ? left : Math.floor(total * t.share);
    m.set(t.name, n);
    left -= n;
  });
  return m;
}

function mariadbDdl(): string[] {
  const s = BENCH_SCHEMA;
  return [
    `DROP DATABASE IF EXISTS ${s}`,
    `CREATE DATABASE ${s}`,
    `CREATE TABLE ${s}.int_key (id INT UNSIGNED NOT NULL PRIMARY KEY, a INT NOT NULL, b BIGINT NULL, c VARCHAR(40) NOT NULL, d DATETIME NOT NULL, e DECIMAL(12,2) NULL) ENGINE=InnoDB`,
    `CREATE TABLE ${s}.composite_key (g INT NOT NULL, k VARCHAR(24) NOT NULL, qty INT NOT NULL, price DOUBLE NULL, note VARCHAR(64) NULL, PRIMARY KEY (g, k)) ENGINE=InnoDB`,
    `CREATE TABLE ${s}.wide_text (id BIGINT NOT NULL PRIMARY KEY, title VARCHAR(200) NOT NULL, body TEXT NOT NULL, tag CHAR(8) NULL) ENGINE=InnoDB`,
    `CREATE TABLE ${s}.json_blob (id INT NOT NULL PRIMARY KEY, doc JSON NOT NULL, bin BLOB NULL, flag TINYINT(1) NOT NULL) ENGINE=InnoDB`,
    `CREATE TABLE ${s}.${PROBE_TABLE} (id INT NOT NULL PRIMARY KEY, v BIGINT NOT NULL) ENGINE=InnoDB`,
  ];
}

function mariadbInsert(table: string, from: number, to: number): string {
  const seq = `${BENCH_SCHEMA}.seq_${from}_to_${to}`;
  const s = BENCH_SCHEMA;
  switch (table) {
    case 'int_key':
      return `INSERT INTO ${s}.int_key SELECT seq, (seq * 7919) % 1000003, IF(seq % 13 = 0, NULL, seq * 104729), CONCAT('name-', seq % 50000), '2020-01-01 00:00:00' + INTERVAL (seq % 100000000) SECOND, IF(seq % 17 = 0, NULL, (seq % 1000000) / 100) FROM ${seq}`;
    case 'composite_key':
      return `INSERT INTO ${s}.composite_key SELECT seq DIV 10, CONCAT('k', LPAD(seq % 10, 3, '0'), '-', seq % 7), seq % 1000, IF(seq % 11 = 0, NULL, seq / 3), IF(seq % 5 = 0, NULL, CONCAT('note ', seq)) FROM ${seq}`;
    case 'wide_text':
      return `INSERT INTO ${s}.wide_text SELECT seq, CONCAT('title ', seq, ' ', MD5(seq)), REPEAT(CONCAT(MD5(seq), SHA1(seq)), 10), IF(seq % 3 = 0, NULL, LEFT(MD5(seq), 8)) FROM ${seq}`;
    case 'json_blob':
      return `INSERT INTO ${s}.json_blob SELECT seq, JSON_OBJECT('id', seq, 'name', CONCAT('item ', seq), 'tags', JSON_ARRAY(seq % 10, seq % 7), 'price', (seq % 10000) / 100), UNHEX(CONCAT(SHA1(seq), MD5(seq))), seq % 2 FROM ${seq}`;
    default:
      throw new Error(`unknown bench table ${table}`);
  }
}

function postgresDdl(): string[] {
  const s = BENCH_SCHEMA;
  return [
    `DROP SCHEMA IF EXISTS ${s} CASCADE`,
    `CREATE SCHEMA ${s}`,
    `CREATE TABLE ${s}.int_key (id int4 NOT NULL PRIMARY KEY, a int4 NOT NULL, b int8 NULL, c varchar(40) NOT NULL, d timestamp NOT NULL, e numeric(12,2) NULL)`,
    `CREATE TABLE ${s}.composite_key (g int4 NOT NULL, k varchar(24) NOT NULL, qty int4 NOT NULL, price float8 NULL, note varchar(64) NULL, PRIMARY KEY (g, k))`,
    `CREATE TABLE ${s}.wide_text (id int8 NOT NULL PRIMARY KEY, title varchar(200) NOT NULL, body text NOT NULL, tag char(8) NULL)`,
    `CREATE TABLE ${s}.json_blob (id int4 NOT NULL PRIMARY KEY, doc jsonb NOT NULL, bin bytea NULL, flag boolean NOT NULL)`,
    `CREATE TABLE ${s}.${PROBE_TABLE} (id int4 NOT NULL PRIMARY KEY, v int8 NOT NULL)`,
  ];
}

function postgresInsert(table: string, from: number, to: number): string {
  const gs = `generate_series(${from}, ${to}) AS g(n)`;
  const s = BENCH_SCHEMA;
  switch (table) {
    case 'int_key':
      return `INSERT INTO ${s}.int_key SELECT n, (n::int8 * 7919 % 1000003)::int4, CASE WHEN n % 13 = 0 THEN NULL ELSE n::int8 * 104729 END, 'name-' || (n % 50000), timestamp '2020-01-01' + (n % 100000000) * interval '1 second', CASE WHEN n % 17 = 0 THEN NULL ELSE (n % 1000000) / 100.0 END FROM ${gs}`;
    case 'composite_key':
      return `INSERT INTO ${s}.composite_key SELECT n / 10, 'k' || lpad((n % 10)::text, 3, '0') || '-' || (n % 7), n % 1000, CASE WHEN n % 11 = 0 THEN NULL ELSE n / 3.0 END, CASE WHEN n % 5 = 0 THEN NULL ELSE 'note ' || n END FROM ${gs}`;
    case 'wide_text':
      return `INSERT INTO ${s}.wide_text SELECT n, 'title ' || n || ' ' || md5(n::text), repeat(md5(n::text) || md5((n + 1)::text) || 'abcdefgh', 10), CASE WHEN n % 3 = 0 THEN NULL ELSE left(md5(n::text), 8) END FROM ${gs}`;
    case 'json_blob':
      return `INSERT INTO ${s}.json_blob SELECT n, jsonb_build_object('id', n, 'name', 'item ' || n, 'tags', jsonb_build_array(n % 10, n % 7), 'price', (n % 10000) / 100.0), decode(md5(n::text) || md5((n * 3)::text), 'hex'), n % 2 = 1 FROM ${gs}`;
    default:
      throw new Error(`unknown bench table ${table}`);
  }
}

export function schemaDdl(engine: SandboxEngine): string[] {
  return engine === 'mariadb' ? mariadbDdl() : postgresDdl();
}

/** Fill every table (and the probe table) on the primary, batch by batch. */
export async function loadDataset(primary: NodeClient, engine: SandboxEngine, total: number, say: (m: string) => void): Promise<void> {
  const counts = rowsPerTable(total);
  for (const [table, n] of counts) {
    const started = Date.now();
    // The composite key is (n DIV 10, f(n % 10, n % 7)): distinct for distinct n, so the key stays unique.
    for (let from = 1; from <= n; from += BATCH) {
      const to = Math.min(n, from + BATCH - 1);
      await primary.exec(engine === 'mariadb' ? mariadbInsert(table, from, to) : postgresInsert(table, from, to));
    }
    say(`  ${table}: ${n} rows in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  const probeRows = Array.from({ length: PROBE_ROWS }, (_, i) => `(${i + 1}, 0)`).join(', ');
  await primary.exec(`INSERT INTO ${BENCH_SCHEMA}.${PROBE_TABLE} (id, v) VALUES ${probeRows}`);
  if (engine === 'postgres') await primary.exec(`ANALYZE`);
  else for (const t of [...counts.keys(), PROBE_TABLE]) await primary.exec(`ANALYZE TABLE ${BENCH_SCHEMA}.${t}`);
}

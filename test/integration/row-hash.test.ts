/**
 * Both row hashes (--hash fast, the default, and --hash strong) against the drifts a cheap hash
 * is most likely to miss, on real servers: two rows swapping equal-length values (a plain XOR of
 * CRC32s, pt-table-checksum's, cancels that exactly), a separator moving between two fields,
 * NULL moving between two columns, NULL vs '' vs 'NULL', one byte in the middle of a 100 kB
 * text, a table mixing character sets; on MariaDB also a separator moving between a raw TEXT and
 * a VARCHAR, NULL against '' in the string that has no length slot, a byte in one of 16 TEXT
 * columns (hashed one by one), a NULL in a column nullable on the replica only, ENUM's error value
 * against a '' member, SET's {} against {''}, a DOUBLE(10,2) holding more than its 2 decimals,
 * drifts in rows and values longer than max_allowed_packet. Each
 * drift sits in a table of its own, written on the replica only; a table holding all the same
 * values without drift must stay ok (no false alarm). On MariaDB, too, the fast row string is
 * shown one-to-one on a cross product of NULLs, empty strings, commas and digits.
 */
import { describe, expect, it } from 'vitest';
import { parseDsn } from '../../src/config/dsn.js';
import { connectEngine } from '../../src/engine/detect.js';
import { fastRowString, qualifiedName } from '../../src/engine/mysql-family/mysql-family-sql.js';
import { chooseKey } from '../../src/pipeline/plan/choose-key.js';
import { execOnNode, type SandboxEngine } from '../../src/sandbox/index.js';
import { ENGINES, type SandboxHandle } from '../support/topology.js';
import { checkReplica, loadTables, replicaSandbox } from '../support/replica-check.js';

interface Case {
  readonly ddl: string[];
  readonly fill: string[];
  /** Table name -> statements run on the replica only. */
  readonly drift: Record<string, string[]>;
  /** Run on the primary only (not logged), after the drift. */
  readonly primaryAfter?: string[];
  readonly clean: string[];
}

const ROWS = 300;

const MARIA: Case = {
  ddl: [
    'CREATE DATABASE rh',
    'CREATE TABLE rh.swap (id INT PRIMARY KEY, code CHAR(3) NOT NULL, n INT NOT NULL)',
    'CREATE TABLE rh.sep (id INT PRIMARY KEY, a VARCHAR(20) NOT NULL, b VARCHAR(20) NOT NULL)',
    'CREATE TABLE rh.nullmove (id INT PRIMARY KEY, a VARCHAR(20) NULL, b VARCHAR(20) NULL)',
    'CREATE TABLE rh.nullish (id INT PRIMARY KEY, s VARCHAR(20) NULL)',
    'CREATE TABLE rh.longtext (id INT PRIMARY KEY, body MEDIUMTEXT NOT NULL)',
    'CREATE TABLE rh.charsets (id INT PRIMARY KEY, l VARCHAR(20) CHARACTER SET latin1 NOT NULL, u VARCHAR(20) CHARACTER SET utf8mb4 NOT NULL)',
    // A TEXT column goes in raw beside a VARCHAR: a separator moving from one to the other.
    'CREATE TABLE rh.textsep (id INT PRIMARY KEY, t TEXT NOT NULL, v VARCHAR(20) NOT NULL)',
    // The nullable anchor string (no length slot): NULL against '' next to a NULL number ('N').
    'CREATE TABLE rh.anchor (id INT PRIMARY KEY, a VARCHAR(20) NULL, b INT NULL)',
    // Past 15 TEXT columns each goes in as its CRC32.
    'CREATE TABLE rh.manytext (id INT PRIMARY KEY, t0 TEXT NULL, t1 TEXT NULL, t2 TEXT NULL, t3 TEXT NULL, t4 TEXT NULL, t5 TEXT NULL, t6 TEXT NULL, t7 TEXT NULL, t8 TEXT NULL, t9 TEXT NULL, t10 TEXT NULL, t11 TEXT NULL, t12 TEXT NULL, t13 TEXT NULL, t14 TEXT NULL, t15 TEXT NULL)',
    // Nullable on the replica only: its NULL must keep a mark though the primary's column has none.
    'CREATE TABLE rh.nullcol (id INT PRIMARY KEY, s VARCHAR(20) NOT NULL, a INT NOT NULL)',
    // ENUM's error value (0) and a real '' member; SET's {} and {''}: each pair prints alike.
    "CREATE TABLE rh.enumzero (id INT PRIMARY KEY, e ENUM('','a') NOT NULL)",
    "CREATE TABLE rh.setempty (id INT PRIMARY KEY, s SET('','a') NOT NULL)",
    // DOUBLE(10,2) after an instant ALTER: 1.23456 kept, printed 1.23.
    'CREATE TABLE rh.dbl (id INT PRIMARY KEY, x DOUBLE NOT NULL)',
    'CREATE TABLE rh.clean (id INT PRIMARY KEY, code CHAR(3) NOT NULL, a VARCHAR(20) NULL, b VARCHAR(20) NULL, body MEDIUMTEXT NULL, l VARCHAR(20) CHARACTER SET latin1 NULL, f FLOAT NULL, t TEXT NULL, n INT NULL)',
  ],
  fill: [
    `INSERT INTO rh.swap SELECT seq, CONCAT(CHAR(65 + seq % 26), CHAR(65 + seq % 7), CHAR(65 + seq % 11)), seq % 5 FROM rh.seq_1_to_${ROWS}`,
    `INSERT INTO rh.sep SELECT seq, IF(seq = 10, 'p,q', CONCAT('a', seq)), IF(seq = 10, 'r', CONCAT('b', seq)) FROM rh.seq_1_to_${ROWS}`,
    `INSERT INTO rh.nullmove SELECT seq, IF(seq = 20, NULL, 'x'), IF(seq = 20, 'x', NULL) FROM rh.seq_1_to_${ROWS}`,
    `INSERT INTO rh.nullish SELECT seq, ELT(1 + seq % 4, NULL, '', 'NULL', '0') FROM rh.seq_1_to_${ROWS}`,
    `INSERT INTO rh.longtext SELECT seq, REPEAT(CONCAT('line ', seq, ' of a long text\\n'), 4000) FROM rh.seq_1_to_20`,
    `INSERT INTO rh.charsets SELECT seq, CONCAT('caf', CHAR(233 USING latin1)), CONCAT('caf', _utf8mb4 0xC3A9) FROM rh.seq_1_to_${ROWS}`,
    `INSERT INTO rh.textsep SELECT seq, IF(seq = 10, 'p,q', CONCAT('t', seq)), IF(seq = 10, 'r', CONCAT('v', seq)) FROM rh.seq_1_to_${ROWS}`,
    `INSERT INTO rh.anchor SELECT seq, ELT(1 + seq % 3, NULL, '', 'N'), IF(seq % 2, NULL, seq) FROM rh.seq_1_to_${ROWS}`,
    `INSERT INTO rh.manytext SELECT seq, REPEAT(CONCAT(seq, ','), 1), REPEAT(CONCAT(seq, ','), 2), REPEAT(CONCAT(seq, ','), 3), REPEAT(CONCAT(seq, ','), 4), REPEAT(CONCAT(seq, ','), 5), REPEAT(CONCAT(seq, ','), 6), REPEAT(CONCAT(seq, ','), 7), REPEAT(CONCAT(seq, ','), 8), REPEAT(CONCAT(seq, ','), 9), REPEAT(CONCAT(seq, ','), 10), REPEAT(CONCAT(seq, ','), 11), REPEAT(CONCAT(seq, ','), 12), REPEAT(CONCAT(seq, ','), 13), REPEAT(CONCAT(seq, ','), 14), REPEAT(CONCAT(seq, ','), 15), REPEAT(CONCAT(seq, ','), 16) FROM rh.seq_1_to_${ROWS}`,
    `INSERT INTO rh.nullcol SELECT seq, 'x', 7 FROM rh.seq_1_to_${ROWS}`,
    `INSERT INTO rh.enumzero SELECT seq, '' FROM rh.seq_1_to_${ROWS}`,
    `INSERT INTO rh.setempty SELECT seq, 1 FROM rh.seq_1_to_${ROWS}`,
    `INSERT INTO rh.dbl SELECT seq, 1.23 FROM rh.seq_1_to_${ROWS}`,
    `INSERT INTO rh.clean SELECT seq, 'ABC', IF(seq % 2, NULL, 'p,q'), IF(seq % 3, 'r', NULL), REPEAT('z', seq * 10), CONCAT('caf', CHAR(233 USING latin1)), seq / 7, ELT(1 + seq % 3, NULL, '', 'a,N'), IF(seq % 5, NULL, seq) FROM rh.seq_1_to_${ROWS}`,
  ],
  drift: {
    // Rows 40 and 41 trade their codes: same lengths, same multiset of values.
    swap: ['UPDATE rh.swap a JOIN rh.swap b ON a.id = 40 AND b.id = 41 SET a.code = b.code, b.code = a.code'],
    sep: ["UPDATE rh.sep SET a = 'p', b = 'q,r' WHERE id = 10"],
    nullmove: ["UPDATE rh.nullmove SET a = 'x', b = NULL WHERE id = 20"],
    nullish: ["UPDATE rh.nullish SET s = 'NULL' WHERE id = 4"],
    longtext: ["UPDATE rh.longtext SET body = CONCAT(LEFT(body, 50000), 'X', SUBSTRING(body, 50002)) WHERE id = 7"],
    charsets: ['UPDATE rh.charsets SET l = CONCAT(\'caf\', CHAR(232 USING latin1)) WHERE id = 99'],
    textsep: ["UPDATE rh.textsep SET t = 'p', v = 'q,r' WHERE id = 10"],
    // Row 31: a = '' and b NULL ("31,,N"); with a NULL too it would read "31,N".
    anchor: ['UPDATE rh.anchor SET a = NULL WHERE id = 31'],
    manytext: ["UPDATE rh.manytext SET t7 = CONCAT(LEFT(t7, 1), 'X', SUBSTRING(t7, 3)) WHERE id = 50"],
    // (5,'x',7) against (5,'x,7',NULL).
    nullcol: ['ALTER TABLE rh.nullcol MODIFY a INT NULL', "UPDATE rh.nullcol SET s = 'x,7', a = NULL WHERE id = 5"],
    // INSERT/UPDATE IGNORE store the error value even under a strict sql_mode.
    enumzero: ["UPDATE IGNORE rh.enumzero SET e = 'bogus' WHERE id = 5"],
    setempty: ['UPDATE rh.setempty SET s = 0 WHERE id = 6'],
    dbl: ['UPDATE rh.dbl SET x = 1.23456 WHERE id = 7', 'ALTER TABLE rh.dbl MODIFY x DOUBLE(10,2) NOT NULL'],
  },
  primaryAfter: ['ALTER TABLE rh.dbl MODIFY x DOUBLE(10,2) NOT NULL'],
  clean: ['clean'],
};

const PG: Case = {
  ddl: [
    'CREATE SCHEMA rh',
    'CREATE TABLE rh.swap (id int PRIMARY KEY, code char(3) NOT NULL, n int NOT NULL)',
    'CREATE TABLE rh.sep (id int PRIMARY KEY, a text NOT NULL, b text NOT NULL)',
    'CREATE TABLE rh.nullmove (id int PRIMARY KEY, a text NULL, b text NULL)',
    'CREATE TABLE rh.nullish (id int PRIMARY KEY, s text NULL)',
    'CREATE TABLE rh.longtext (id int PRIMARY KEY, body text NOT NULL)',
    'CREATE TABLE rh.bytes (id int PRIMARY KEY, b bytea NOT NULL)',
    'CREATE TABLE rh.clean (id int PRIMARY KEY, code char(3) NOT NULL, a text NULL, b text NULL, body text NULL, f real NULL, j jsonb NULL)',
  ],
  fill: [
    `INSERT INTO rh.swap SELECT n, chr(65 + n % 26) || chr(65 + n % 7) || chr(65 + n % 11), n % 5 FROM generate_series(1, ${ROWS}) n`,
    `INSERT INTO rh.sep SELECT n, CASE WHEN n = 10 THEN 'p,q' ELSE 'a' || n END, CASE WHEN n = 10 THEN 'r' ELSE 'b' || n END FROM generate_series(1, ${ROWS}) n`,
    `INSERT INTO rh.nullmove SELECT n, CASE WHEN n = 20 THEN NULL ELSE 'x' END, CASE WHEN n = 20 THEN 'x' END FROM generate_series(1, ${ROWS}) n`,
    `INSERT INTO rh.nullish SELECT n, (ARRAY[NULL, '', 'NULL', '""'])[1 + n % 4] FROM generate_series(1, ${ROWS}) n`,
    `INSERT INTO rh.longtext SELECT n, repeat('line ' || n || ' of a long text' || chr(10), 4000) FROM generate_series(1, 20) n`,
    `INSERT INTO rh.bytes SELECT n, decode(repeat(md5(n::text), 8), 'hex') FROM generate_series(1, ${ROWS}) n`,
    `INSERT INTO rh.clean SELECT n, 'ABC', CASE WHEN n % 2 = 0 THEN 'p,q' END, CASE WHEN n % 3 > 0 THEN 'r' END, repeat('z', n * 10), n / 7.0, jsonb_build_object('k', n, 's', 'a,"b"') FROM generate_series(1, ${ROWS}) n`,
  ],
  drift: {
    swap: ['UPDATE rh.swap a SET code = b.code FROM rh.swap b WHERE (a.id, b.id) IN ((40, 41), (41, 40))'],
    sep: ["UPDATE rh.sep SET a = 'p', b = 'q,r' WHERE id = 10"],
    nullmove: ["UPDATE rh.nullmove SET a = 'x', b = NULL WHERE id = 20"],
    nullish: ["UPDATE rh.nullish SET s = 'NULL' WHERE id = 4"],
    longtext: ["UPDATE rh.longtext SET body = left(body, 50000) || 'X' || substr(body, 50002) WHERE id = 7"],
    bytes: ["UPDATE rh.bytes SET b = set_byte(b, 30, get_byte(b, 30) # 1) WHERE id = 123"],
  },
  clean: ['clean'],
};

interface CheckJson {
  verdict: string;
  hash?: string;
  tables: { table: string; status: string; driftChunks: number; reason?: string }[];
}

const check = (sb: SandboxHandle, replica: string, hash: 'fast' | 'strong') => checkReplica<CheckJson>(sb, replica, ['--databases', 'rh', '--hash', hash]);

function rowHashSuite(engine: SandboxEngine): void {
  const c = engine === 'mariadb' ? MARIA : PG;
  const { sb, replica } = replicaSandbox(engine);

  it('loads identical tables, and both hashes call them consistent', async () => {
    await loadTables(sb, c.ddl, c.fill);
    for (const hash of ['fast', 'strong'] as const) {
      const r = check(sb, replica, hash);
      expect(r.hash).toBe(hash);
      expect(r.verdict, `${hash}: ${JSON.stringify(r.tables.filter((t) => t.status !== 'ok'))}`).toBe('consistent');
    }
  }, 300_000);

  it('each drift is found by both hashes, in exactly its table; the clean table stays ok', async () => {
    await execOnNode(sb.info, replica, Object.values(c.drift).flat());
    if (c.primaryAfter) await execOnNode(sb.info, 'primary', c.primaryAfter);
    for (const hash of ['fast', 'strong'] as const) {
      const r = check(sb, replica, hash);
      expect(r.verdict, hash).toBe('drift');
      for (const t of Object.keys(c.drift)) {
        const e = r.tables.find((x) => x.table === `rh.${t}`);
        expect(e?.status, `${hash}: rh.${t} ${e?.reason ?? ''}`).toBe('drift');
        expect(e?.driftChunks, `${hash}: rh.${t}`).toBeGreaterThan(0);
      }
      for (const t of c.clean) expect(r.tables.find((x) => x.table === `rh.${t}`)?.status, `${hash}: rh.${t}`).toBe('ok');
    }
  }, 300_000);

  if (engine === 'mariadb') {
    // Over max_allowed_packet CONCAT/CONCAT_WS give NULL: raw TEXT values would drop such a row out
    // of the hash on every server alike, and a drift in it would read as consistent.
    it('a row longer than max_allowed_packet stays in the hash: its drift is found by both hashes', async () => {
      await loadTables(
        sb,
        [
          'CREATE DATABASE rhp',
          'CREATE TABLE rhp.big (id INT PRIMARY KEY, a TEXT NOT NULL, b TEXT NOT NULL, v VARCHAR(16000) NULL)',
          // Values themselves over the limit: a CAST or CONCAT of them would be NULL too.
          'CREATE TABLE rhp.longer (id INT PRIMARY KEY, body LONGTEXT NOT NULL)',
          'CREATE TABLE rhp.geo (id INT PRIMARY KEY, g GEOMETRY NULL)',
        ],
        [
          `INSERT INTO rhp.big SELECT seq, REPEAT('a', 40000), REPEAT('b', 40000), IF(seq % 2, REPEAT('v', 15000), NULL) FROM rhp.seq_1_to_10`,
          `INSERT INTO rhp.longer SELECT seq, REPEAT('L', 200000) FROM rhp.seq_1_to_10`,
          `INSERT INTO rhp.geo SELECT seq, IF(seq = 4, (SELECT ST_GeomFromText(CONCAT('LINESTRING(', GROUP_CONCAT(CONCAT(s.seq, ' ', s.seq)), ')')) FROM rhp.seq_1_to_9000 AS s), NULL) FROM rhp.seq_1_to_10`,
        ],
      );
      await execOnNode(sb.info, replica, [
        "UPDATE rhp.big SET b = CONCAT(LEFT(b, 20000), 'X', SUBSTRING(b, 20002)) WHERE id = 3",
        "UPDATE rhp.longer SET body = CONCAT(LEFT(body, 100000), 'X', SUBSTRING(body, 100002)) WHERE id = 2",
        // The last point of the 144 kB line string moves.
        "UPDATE rhp.geo SET g = ST_GeomFromText(REPLACE(ST_AsText(g), '9000 9000', '9000 9001')) WHERE id = 4",
      ]);
      const nodes = ['primary', replica];
      const old = Number((await execOnNode(sb.info, 'primary', 'SELECT @@GLOBAL.max_allowed_packet AS p'))[0]!.rows[0]!['p']);
      try {
        // New sessions (the check's) get the lowered value.
        for (const n of nodes) await execOnNode(sb.info, n, 'SET GLOBAL max_allowed_packet = 65536');
        for (const hash of ['fast', 'strong'] as const) {
          const r = checkReplica<CheckJson>(sb, replica, ['--databases', 'rhp', '--hash', hash]);
          for (const t of ['rhp.big', 'rhp.longer', 'rhp.geo']) {
            const e = r.tables.find((x) => x.table === t);
            expect(e?.status, `${hash}: ${t} ${e?.reason ?? ''}`).toBe('drift');
          }
          expect(r.verdict, hash).toBe('drift');
        }
      } finally {
        for (const n of nodes) await execOnNode(sb.info, n, `SET GLOBAL max_allowed_packet = ${old}`);
      }
    }, 300_000);

    // The fast row string must be one-to-one: every NULL, empty string, comma and digit placement
    // in a cross product of them gives a string of its own (a NULL string is skipped by CONCAT_WS
    // and told apart by its length slot, or, for the anchor, by the fields around it). Counted on
    // the server, as bytes.
    it('the fast row string is one-to-one over a cross product of NULLs, empty strings, commas and digits', async () => {
      const ints = '(SELECT NULL AS v UNION ALL SELECT 0 UNION ALL SELECT 1 UNION ALL SELECT 11)';
      const strs = "(SELECT NULL AS v UNION ALL SELECT '' UNION ALL SELECT ',' UNION ALL SELECT '1' UNION ALL SELECT '1,' UNION ALL SELECT ',1' UNION ALL SELECT 'N' UNION ALL SELECT '1,1' UNION ALL SELECT '0')";
      await loadTables(
        sb,
        [
          'CREATE DATABASE rhx',
          'CREATE TABLE rhx.mixed (id INT AUTO_INCREMENT PRIMARY KEY, n1 INT NULL, s1 VARBINARY(8) NULL, n2 INT NULL, s2 VARBINARY(8) NULL, s3 VARBINARY(8) NOT NULL)',
          // No NOT NULL string: the anchor is a nullable one.
          'CREATE TABLE rhx.strs (id INT AUTO_INCREMENT PRIMARY KEY, s1 VARCHAR(8) NULL, s2 VARCHAR(8) NULL, n1 INT NULL)',
        ],
        [
          `INSERT INTO rhx.mixed (n1, s1, n2, s2, s3) SELECT a.v, b.v, c.v, d.v, e.v FROM ${ints} a, ${strs} b, ${ints} c, ${strs} d, ${strs} e WHERE e.v IS NOT NULL`,
          `INSERT INTO rhx.strs (s1, s2, n1) SELECT a.v, b.v, c.v FROM ${strs} a, ${strs} b, ${ints} c`,
        ],
      );
      const e = await connectEngine(parseDsn(sb.primary.dsn));
      try {
        const s = await e.session();
        for (const t of await e.introspector.loadSchema(s, { schemas: ['rhx'] })) {
          const values = t.columns.filter((c) => c.name !== 'id');
          const row = fastRowString(values);
          const [r] = await s.query({ sql: `SELECT COUNT(*) AS n, COUNT(DISTINCT CAST(${row} AS BINARY)) AS d FROM ${qualifiedName(t)}`, params: [] });
          expect(Number(r!['n']), t.name).toBe(t.name === 'mixed' ? 4 * 9 * 4 * 9 * 8 : 9 * 9 * 4);
          expect(Number(r!['d']), `${t.name}: ${row}`).toBe(Number(r!['n']));
        }
      } finally {
        await e.close();
      }
    }, 120_000);

    // The row string's form is chosen from max_allowed_packet as read at connect; a session opened
    // after the limit was lowered (a lane's, at a later sync point) cuts a long row string to NULL,
    // alike on every server. The session refuses that answer (warning 1301) instead of returning a
    // hash the row is missing from.
    it('a row string cut short by a limit lowered after connecting is an error, never a hash', async () => {
      const nodes = ['primary', replica];
      const engines = await Promise.all(nodes.map((n) => connectEngine(parseDsn(sb.node(n).dsn))));
      const old = Number((await execOnNode(sb.info, 'primary', 'SELECT @@GLOBAL.max_allowed_packet AS p'))[0]!.rows[0]!['p']);
      try {
        // The sessions opened at connect keep the limit they started with.
        const firsts = await Promise.all(engines.map((e) => e.session()));
        const big = (await engines[0]!.introspector.loadSchema(firsts[0]!, { schemas: ['rhp'] })).find((t) => t.name === 'big')!;
        for (const n of nodes) await execOnNode(sb.info, n, 'SET GLOBAL max_allowed_packet = 65536');
        const answers = await Promise.all(
          engines.map(async (e) => {
            const s = await e.session(); // a new connection: the lowered limit
            expect(Number((await s.query('SELECT @@SESSION.max_allowed_packet AS p'))[0]!['p'])).toBe(65536);
            const q = e.sql.chunkChecksum(big, big.columns, chooseKey(big)!.columns, { lower: null, upper: null }, 'fast', e.maxRowBytes!);
            expect(q.sql, 'built at the limit read at connect: TEXT raw').not.toContain('CRC32(`b`)');
            const refused = await s.query(q).then(() => null, (err: unknown) => err);
            // Without the refusal: the rows over the limit drop out on both servers alike.
            const unchecked = e.sql.parseChecksum((await s.query({ sql: q.sql, params: q.params }))[0]!);
            return { refused, unchecked };
          }),
        );
        for (const a of answers) expect(String(a.refused)).toMatch(/max_allowed_packet .*warning 1301/);
        expect(answers[0]!.unchecked, 'the hazard: the drifted row is missing from both hashes').toEqual(answers[1]!.unchecked);
      } finally {
        for (const n of nodes) await execOnNode(sb.info, n, `SET GLOBAL max_allowed_packet = ${old}`);
        await Promise.all(engines.map((e) => e.close()));
      }
    }, 120_000);
  }
}

for (const engine of ENGINES) describe(`row hashes on ${engine}`, () => rowHashSuite(engine));

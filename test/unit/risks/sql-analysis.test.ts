import { describe, expect, it } from 'vitest';
import type { IndexInfo, TableInfo } from '../../../src/engine/types.js';
import { Catalog } from '../../../src/risks/sql-analysis/catalog.js';
import { splitStatements } from '../../../src/risks/sql-analysis/split.js';
import { analyzeStatement } from '../../../src/risks/sql-analysis/statement.js';
import { tokenize } from '../../../src/risks/sql-analysis/tokenize.js';
import { unsafeReasons } from '../../../src/risks/sql-analysis/unsafe.js';
import { buildWorkload, redactSecrets, type WorkloadSource } from '../../../src/risks/sql-analysis/workload.js';

const idx = (name: string, columns: string[], o: Partial<IndexInfo> = {}): IndexInfo => ({ name, columns, unique: true, primary: name === 'PRIMARY', allNotNull: true, ...o });
export const table = (qualified: string, engine: string, indexes: IndexInfo[], transactional = engine.toLowerCase() === 'innodb'): TableInfo => {
  const [schema, name] = qualified.split('.') as [string, string];
  return { schema, name, qualified, engine, transactional, unlogged: false, columns: [], indexes, rowEstimate: 0, dataBytes: 0, collation: null };
};

const TABLES = [
  table('app.orders', 'InnoDB', [idx('PRIMARY', ['id']), idx('uk_ref', ['ref']), idx('k_status', ['status'], { unique: false })]),
  table('app.items', 'InnoDB', [idx('PRIMARY', ['order_id', 'line'])]),
  table('app.log', 'MyISAM', [idx('PRIMARY', ['id'])]),
  table('app.nokey', 'InnoDB', []),
  table('app.counters', 'InnoDB', [idx('PRIMARY', ['id']), idx('uk_name', ['name'])]),
  table('app.nullable_uk', 'InnoDB', [idx('uk', ['code'], { allNotNull: false })]),
];
const catalog = () => new Catalog(TABLES, ['app.orders', 'app.log']);

function reasons(sql: string): string[] {
  return unsafeReasons(analyzeStatement(sql), { catalog: catalog(), defaultDb: 'app' }).map((r) => r.code);
}

describe('unsafe statements (parsed with node-sql-parser)', () => {
  const unsafe: [string, string][] = [
    ['UPDATE orders SET status = 1 LIMIT 10', 'limit-without-order'],
    ['DELETE FROM orders WHERE status = 3 LIMIT 100', 'limit-without-order'],
    ['UPDATE orders SET status = 1 WHERE status = 0 ORDER BY status LIMIT 10', 'limit-order-not-total'],
    ['DELETE FROM items ORDER BY order_id LIMIT 5', 'limit-order-not-total'],
    ['DELETE FROM nullable_uk ORDER BY code LIMIT 5', 'limit-order-not-total'],
    ['INSERT INTO orders (ref) SELECT name FROM counters', 'insert-select-autoinc'],
    ['INSERT INTO orders (ref) SELECT name FROM counters ORDER BY created', 'insert-select-autoinc'],
    ['INSERT INTO items SELECT * FROM items LIMIT 10', 'select-limit'],
    ['INSERT IGNORE INTO counters (name) SELECT ref FROM orders', 'ignore-replace-select'],
    ['REPLACE INTO counters SELECT * FROM counters', 'ignore-replace-select'],
    ['CREATE TABLE app.copy (id INT AUTO_INCREMENT PRIMARY KEY) SELECT ref FROM orders', 'insert-select-autoinc'],
    ['INSERT INTO orders (ref) VALUES (UUID())', 'function:UUID'],
    ['INSERT INTO orders (ref) VALUES (UUID_SHORT())', 'function:UUID_SHORT'],
    ['UPDATE orders SET updated = SYSDATE() WHERE id = 1', 'function:SYSDATE'],
    ['INSERT INTO orders (ref) VALUES (USER())', 'function:USER'],
    ['INSERT INTO orders (ref) VALUES (CURRENT_USER())', 'function:CURRENT_USER'],
    ['INSERT INTO orders (ref) VALUES (CURRENT_USER)', 'function:CURRENT_USER'],
    ['INSERT INTO counters (name) VALUES (FOUND_ROWS())', 'function:FOUND_ROWS'],
    ['INSERT INTO counters (name) VALUES (ROW_COUNT())', 'function:ROW_COUNT'],
    ["UPDATE orders SET note = LOAD_FILE('/etc/hostname') WHERE id = 2", 'function:LOAD_FILE'],
    ["INSERT INTO counters (name) SELECT GET_LOCK('x', 1)", 'function:GET_LOCK'],
    ['INSERT INTO counters (name) VALUES (SLEEP(1))', 'function:SLEEP'],
    ['UPDATE orders SET score = RAND()', 'rand-row-order'],
    ['INSERT INTO orders (ref) VALUES (@@hostname)', 'system-variable:hostname'],
    ['UPDATE orders SET note = @@server_id WHERE id = 1', 'system-variable:server_id'],
    ["INSERT INTO counters (id, name) VALUES (1, 'a') ON DUPLICATE KEY UPDATE hits = hits + 1", 'on-duplicate-two-keys'],
    ['INSERT INTO mysql.general_log (argument) VALUES (1)', 'log-table'],
    ['UPDATE orders SET status = 2 WHERE status IN (SELECT status FROM items WHERE note = UUID())', 'function:UUID'],
  ];
  for (const [sql, code] of unsafe) it(`flags ${sql}`, () => expect(reasons(sql)).toContain(code));

  const safe = [
    'UPDATE orders SET status = 1 WHERE status = 0 ORDER BY id LIMIT 10',
    'DELETE FROM orders WHERE status = 3 ORDER BY status, id LIMIT 100',
    'DELETE FROM items ORDER BY order_id, line LIMIT 5',
    'UPDATE orders SET status = 1 ORDER BY ref DESC LIMIT 1',
    'UPDATE orders SET status = 1 WHERE id = 7 LIMIT 1',
    'INSERT INTO orders (ref) SELECT name FROM counters ORDER BY id',
    'INSERT INTO orders (ref) SELECT name FROM counters ORDER BY name',
    'INSERT INTO nokey SELECT * FROM counters',
    'INSERT INTO orders (ref, created) VALUES (1, NOW())',
    'UPDATE orders SET updated = CURRENT_TIMESTAMP, day = CURDATE(), ts = UTC_TIMESTAMP() WHERE status = 1',
    'INSERT INTO orders (ref) VALUES (RAND())',
    'UPDATE orders SET score = RAND(42)',
    'UPDATE orders SET score = RAND() WHERE id = 5',
    'UPDATE orders SET score = RAND() ORDER BY id',
    'INSERT INTO counters (name) VALUES (LAST_INSERT_ID()), (CONNECTION_ID())',
    'INSERT INTO orders (ref) VALUES (@ref)',
    'SET @ref = UUID()',
    'SELECT UUID(), FOUND_ROWS()',
    "INSERT INTO counters (name) VALUES ('uuid()')",
    'INSERT INTO orders (ref) VALUES (@@auto_increment_increment)',
    'INSERT INTO items (order_id, line) VALUES (1, 1) ON DUPLICATE KEY UPDATE qty = qty + 1',
  ];
  for (const sql of safe) it(`does not flag ${sql}`, () => expect(reasons(sql)).toEqual([]));

  it('RAND() over many rows: certain on a heap engine (physical order), uncertain on InnoDB (key order)', () => {
    const certain = (sql: string) => unsafeReasons(analyzeStatement(sql), { catalog: catalog(), defaultDb: 'app' }).find((r) => r.code === 'rand-row-order')?.certain;
    expect(certain('UPDATE log SET v = RAND()')).toBe(true);
    expect(certain('UPDATE orders SET v = RAND()')).toBe(false);
  });

  it('reports an ORDER BY it cannot verify as uncertain (table not in the schema)', () => {
    const r = unsafeReasons(analyzeStatement('DELETE FROM other.t ORDER BY x LIMIT 3'), { catalog: catalog(), defaultDb: 'app' });
    expect(r).toEqual([expect.objectContaining({ code: 'limit-order-unverified', certain: false })]);
  });

  it('never throws on what it cannot parse, and still reads function calls from the tokens', () => {
    const st = analyzeStatement('INSERT INTO orders (ref) VALUES (UUID()) RETURNING id, PARTITION WEIRD SYNTAX ((');
    expect(st.ast).toBeNull();
    expect(st.parseError).toBeTruthy();
    expect(unsafeReasons(st, { catalog: catalog(), defaultDb: 'app' }).map((r) => r.code)).toContain('function:UUID');
    expect(() => analyzeStatement(')))) ;;; garbage \u0000 \'unterminated')).not.toThrow();
  });
});

describe('splitting scripts', () => {
  it('honors DELIMITER, comments, strings and line numbers', () => {
    const script = [
      '-- a comment; with a semicolon',
      "INSERT INTO t VALUES ('a;b'); /* x; y */ UPDATE t SET v = 1;",
      'DELIMITER //',
      'CREATE FUNCTION f() RETURNS INT DETERMINISTIC BEGIN DECLARE x INT; SET x = 1; RETURN x; END//',
      'DELIMITER ;',
      '# hash comment',
      'DELETE FROM t',
    ].join('\n');
    const st = splitStatements(script);
    expect(st.map((s) => s.line)).toEqual([2, 2, 4, 7]);
    expect(st[0]!.text).toBe("INSERT INTO t VALUES ('a;b')");
    expect(st[2]!.text).toMatch(/^CREATE FUNCTION f\(\).*END$/);
  });

  it('reads mysqlbinlog output (DELIMITER /*!*/;)', () => {
    const text = ['DELIMITER /*!*/;', '# at 372', 'SET TIMESTAMP=1795238839/*!*/;', 'use `shop`/*!*/;', 'BEGIN', '/*!*/;', 'UPDATE t SET v = 1 LIMIT 1', '/*!*/;', 'COMMIT/*!*/;', 'DELIMITER ;'].join('\n');
    expect(splitStatements(text).map((s) => s.text)).toEqual(['SET TIMESTAMP=1795238839', 'use `shop`', 'BEGIN', 'UPDATE t SET v = 1 LIMIT 1', 'COMMIT']);
  });

  it('keeps BEGIN ... END routine bodies together without DELIMITER', () => {
    const st = splitStatements('CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN IF 1 THEN SET NEW.a = UUID(); END IF; END; SELECT 1;');
    expect(st).toHaveLength(2);
  });

  it('reads PostgreSQL dollar quotes and executable MySQL comments', () => {
    expect(splitStatements("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql; SELECT 2", 'postgres')).toHaveLength(2);
    const drop = analyzeStatement('DROP /*!40005 TEMPORARY */ TABLE IF EXISTS `tt`');
    expect(drop.kind).toBe('drop-temp');
    expect(tokenize('SELECT 1 -- c\n, 2').map((t) => t.text)).toEqual(['SELECT', '1', ',', '2']);
  });
});

describe('workload replay', () => {
  const run = (script: string, tmpEngine: string | null = 'InnoDB') => {
    const items = splitStatements(script).map((s) => ({ type: 'statement' as const, sql: s.tokens, text: s.text, at: `w.sql:${s.line}` }));
    const src: WorkloadSource = { name: 'w.sql', kind: 'sql', loggedAs: 'unknown', items };
    return buildWorkload([src], { catalog: catalog(), dialect: 'mysql', tmpEngine });
  };

  it('finds a transaction writing InnoDB and MyISAM tables, not one writing InnoDB only', () => {
    const w = run('USE app;\nBEGIN;\nINSERT INTO orders (ref) VALUES (1);\nINSERT INTO log VALUES (1);\nCOMMIT;\nBEGIN; INSERT INTO orders (ref) VALUES (2); UPDATE items SET qty = 1 WHERE order_id = 1 AND line = 1; COMMIT;');
    expect(w.mixedTransactions).toHaveLength(1);
    expect(w.mixedTransactions[0]!.writes.map((x) => x.table).sort()).toEqual(['app.log', 'app.orders']);
    expect(w.mixedTransactions[0]!.at).toBe('w.sql:2');
  });

  it('autocommit=0 groups statements until COMMIT; DDL commits implicitly', () => {
    expect(run('USE app; SET autocommit = 0; INSERT INTO orders (ref) VALUES (1); INSERT INTO log VALUES (2); COMMIT;').mixedTransactions).toHaveLength(1);
    expect(run('USE app; BEGIN; INSERT INTO orders (ref) VALUES (1); CREATE TABLE x (a int); INSERT INTO log VALUES (2); COMMIT;').mixedTransactions).toHaveLength(0);
  });

  it('tracks temporary tables and their engine (explicit, or default_tmp_storage_engine)', () => {
    const w = run('USE app; CREATE TEMPORARY TABLE t1 (a int) ENGINE=MyISAM; BEGIN; INSERT INTO t1 VALUES (1); INSERT INTO orders (ref) VALUES (1); COMMIT; DROP TEMPORARY TABLE t1; CREATE TEMPORARY TABLE t2 (a int);', 'Aria');
    expect(w.tempTables.map((t) => [t.table, t.engine, t.transactional])).toEqual([['app.t1', 'MyISAM', false], ['app.t2', 'Aria', false]]);
    expect(w.mixedTransactions).toHaveLength(1);
    expect(w.mixedTransactions[0]!.writes.find((x) => x.temporary)?.table).toBe('app.t1');
  });

  it('de-duplicates the same statement with other values and counts it', () => {
    const w = run('USE app; UPDATE orders SET status = 1 LIMIT 1; UPDATE orders SET status = 2 LIMIT 5;');
    expect(w.unsafe).toHaveLength(1);
    expect(w.unsafe[0]!.count).toBe(2);
  });

  it('finds non-deterministic routines, and those declared DETERMINISTIC', () => {
    const w = run('USE app;\nDELIMITER $$\nCREATE FUNCTION nid() RETURNS CHAR(36) DETERMINISTIC RETURN UUID()$$\nCREATE FUNCTION ok(x INT) RETURNS INT DETERMINISTIC RETURN x + RAND(1)$$\nDELIMITER ;');
    expect(w.routines).toHaveLength(1);
    expect(w.routines[0]).toMatchObject({ name: 'app.nid', deterministic: true, kind: 'FUNCTION' });
  });

  it('reports only unreadable writes, never account statements, and never their passwords', () => {
    const w = run("CREATE USER 'a'@'%' IDENTIFIED BY 'hunter2'; INSERT INTO orders VALUES (1) WEIRD TRAILING SYNTAX (");
    expect(w.unparsed).toHaveLength(1);
    expect(JSON.stringify(w)).not.toContain('hunter2');
    expect(redactSecrets("CHANGE MASTER TO MASTER_PASSWORD='x1', MASTER_USER='r'")).toBe("CHANGE MASTER TO MASTER_PASSWORD='***', MASTER_USER='r'");
  });
});

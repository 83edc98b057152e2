import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDsn } from '../../../../src/config/dsn.js';
import { SyncpointError } from '../../../../src/errors.js';
import { connectionOptions, lockWaitSeconds, SESSION_SQL_MODE, sessionSetupStatements, truncationWarning } from '../../../../src/engine/mysql-family/mysql-family-driver.js';
import { mysqlFamilySql } from '../../../../src/engine/mysql-family/mysql-family-sql.js';
import { mapDriverError } from '../../../../src/engine/mysql-family/mysql-family-errors.js';
import { parseServerVersion, type ServerFacts } from '../../../../src/engine/mysql-family/mysql-family-flavor.js';
import { mariadbFlavor } from '../../../../src/engine/mariadb/mariadb-flavor.js';
import { mysqlFlavor } from '../../../../src/engine/mysql/mysql-flavor.js';
import { lockTablesSql, lockWaitStatement } from '../../../../src/engine/mysql-family/mysql-family-table-lock.js';

const noEnv = { env: {}, home: '/nonexistent' };
const opts = { lockWaitMs: 1500, connectTimeoutMs: 4000, appName: 'syncpoint-test' };

describe('session setup', () => {
  const stmts = sessionSetupStatements(opts, { noStatementTimeout: 'max_statement_time = 0', isolationVariable: 'tx_isolation' });
  it('one SET: names, time zone, sql_mode, isolation and fast-failing lock waits', () => {
    expect(stmts).toHaveLength(1);
    expect(stmts[0]).toMatch(/^SET NAMES utf8mb4, /);
    expect(stmts[0]).toContain("time_zone = '+00:00'");
    expect(stmts[0]).toContain(`sql_mode = '${SESSION_SQL_MODE}'`);
    expect(stmts[0]).toContain('lock_wait_timeout = 2');
    expect(stmts[0]).toContain('innodb_lock_wait_timeout = 2');
    expect(stmts[0]).toContain('max_statement_time = 0');
    // Room in SHOW WARNINGS for the 1301 that refuseTruncation statements are read for.
    expect(stmts[0]).toContain('max_error_count = 65535');
    expect(stmts[0]).toContain("tx_isolation = 'REPEATABLE-READ'");
  });
  it('the isolation variable is the flavor\'s: transaction_isolation on MySQL 5.7.20+ and MariaDB 11.1+', () => {
    const v = (text: string): ServerFacts => ({ version: parseServerVersion(text), gtidMode: true });
    expect(mysqlFlavor(v('8.0.36')).statements.isolationVariable).toBe('transaction_isolation');
    expect(mysqlFlavor(v('5.7.19-log')).statements.isolationVariable).toBe('tx_isolation');
    expect(mariadbFlavor(v('10.11.19-MariaDB-0+deb12u1-log')).statements.isolationVariable).toBe('tx_isolation');
    expect(mariadbFlavor(v('11.4.2-MariaDB')).statements.isolationVariable).toBe('transaction_isolation');
    expect(sessionSetupStatements(opts, mysqlFlavor(v('8.0.36')).statements)[0]).toMatch(/max_execution_time = 0, transaction_isolation = 'REPEATABLE-READ'$/);
  });
  it('sql_mode keeps backtick quoting and backslash escapes meaningful', () => {
    expect(SESSION_SQL_MODE).not.toMatch(/ANSI_QUOTES|ANSI|NO_BACKSLASH_ESCAPES|PAD_CHAR_TO_FULL_LENGTH|EMPTY_STRING_IS_NULL|ORACLE/);
  });
  it('lock waits round up to whole seconds, at least one', () => {
    expect(lockWaitSeconds(0)).toBe(1);
    expect(lockWaitSeconds(1000)).toBe(1);
    expect(lockWaitSeconds(1001)).toBe(2);
    expect(sessionSetupStatements({ lockWaitMs: 200 }, { noStatementTimeout: null, isolationVariable: 'tx_isolation' })[0]).not.toMatch(/max_(statement|execution)_time/);
  });
});

describe('connection options', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sp-mf-tls-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'ca.pem'), 'CA');
  writeFileSync(join(dir, 'cert.pem'), 'CERT');
  writeFileSync(join(dir, 'key.pem'), 'KEY');

  it('returns numbers and dates as exact strings, UTC', () => {
    const o = connectionOptions(parseDsn('mysql://app:s3cret@db1:3307/shop?sslmode=disable', noEnv), opts, 'tls');
    expect(o).toMatchObject({
      host: 'db1',
      port: 3307,
      user: 'app',
      password: 's3cret',
      database: 'shop',
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      decimalNumbers: false,
      timezone: 'Z',
      connectTimeout: 4000,
      multipleStatements: false,
    });
    expect(o.ssl).toBeUndefined();
  });
  it('uses the socket when given', () => {
    const o = connectionOptions(parseDsn('mysql://root@localhost/?socket=/run/mysqld/mysqld.sock', noEnv), opts, 'plain');
    expect(o.socketPath).toBe('/run/mysqld/mysqld.sock');
    expect(o.host).toBeUndefined();
  });
  it('TLS modes: require does not verify, verify-ca checks the chain, verify-full the host name too', () => {
    const req = connectionOptions(parseDsn('mysql://u@h/?sslmode=require', noEnv), opts, 'tls').ssl as Record<string, unknown>;
    expect(req).toMatchObject({ rejectUnauthorized: false, verifyIdentity: false });
    const ca = connectionOptions(parseDsn(`mysql://u@h/?sslmode=verify-ca&sslrootcert=${dir}/ca.pem`, noEnv), opts, 'tls').ssl as Record<string, unknown>;
    expect(ca).toMatchObject({ rejectUnauthorized: true, verifyIdentity: false });
    expect(String(ca['ca'])).toBe('CA');
    const full = connectionOptions(parseDsn(`mysql://u@h/?sslmode=verify-full&sslrootcert=${dir}/ca.pem&sslcert=${dir}/cert.pem&sslkey=${dir}/key.pem`, noEnv), opts, 'tls')
      .ssl as Record<string, unknown>;
    expect(full).toMatchObject({ rejectUnauthorized: true, verifyIdentity: true });
    expect(String(full['cert'])).toBe('CERT');
    expect(String(full['key'])).toBe('KEY');
    // prefer: a plain retry after the server said it has no TLS
    expect(connectionOptions(parseDsn('mysql://u@h/', noEnv), opts, 'plain').ssl).toBeUndefined();
  });
  it('an unreadable TLS file is a configuration error naming the server', () => {
    expect(() => connectionOptions(parseDsn('mysql://u@h:3306/?sslmode=verify-ca&sslrootcert=/nope/ca.pem', noEnv), opts, 'tls')).toThrow(/h:3306.*|cannot read TLS CA/);
  });
});

describe('driver errors', () => {
  const ctx = { label: 'db1:3306', user: 'app', password: 'hunter2-secret', doing: 'connect' };
  const driverError = (code: string, errno: number, sqlMessage: string, extra: Record<string, unknown> = {}) =>
    Object.assign(new Error(sqlMessage), { code, errno, sqlMessage, sqlState: 'HY000', ...extra });

  it('access denied is a configuration error naming the user, not the password', () => {
    const e = mapDriverError(driverError('ER_ACCESS_DENIED_ERROR', 1045, "Access denied for user 'app'@'10.0.0.1' (using password: YES)", { fatal: true }), ctx);
    expect(e).toBeInstanceOf(SyncpointError);
    expect(e.kind).toBe('config');
    expect(e.oneLine()).toBe("db1:3306: access denied for user 'app' (wrong password, unknown user, or not allowed from this host)");
    expect((e.cause as { code: string }).code).toBe('ER_ACCESS_DENIED_ERROR');
    expect((e.cause as { errno: number }).errno).toBe(1045);
  });
  it('unreachable servers and lost connections are connection errors', () => {
    for (const code of ['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'PROTOCOL_CONNECTION_LOST']) {
      const e = mapDriverError(Object.assign(new Error(`connect ${code} 10.0.0.1:3306`), { code }), ctx);
      expect(e.kind, code).toBe('connection');
      expect(e.oneLine()).toMatch(/^db1:3306: cannot connect: /);
    }
    expect(mapDriverError(Object.assign(new Error('Connection lost: The server closed the connection.'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true }), { ...ctx, doing: undefined }).message).toMatch(
      /^connection lost/,
    );
  });
  it('missing privileges are configuration errors that name the privilege', () => {
    const e = mapDriverError(driverError('ER_SPECIFIC_ACCESS_DENIED_ERROR', 1227, 'Access denied; you need (at least one of) the REPLICATION CLIENT privilege(s) for this operation'), ctx);
    expect(e.kind).toBe('config');
    expect(e.message).toContain('REPLICATION CLIENT');
    const t = mapDriverError(driverError('ER_TABLEACCESS_DENIED_ERROR', 1142, "SELECT command denied to user 'app'@'h' for table `shop`.`orders`"), ctx);
    expect(t.kind).toBe('config');
    expect(t.message).toContain('SELECT command denied');
  });
  it('lock waits and deadlocks are timeouts (the caller retries)', () => {
    expect(mapDriverError(driverError('ER_LOCK_WAIT_TIMEOUT', 1205, 'Lock wait timeout exceeded; try restarting transaction'), ctx).kind).toBe('timeout');
    expect(mapDriverError(driverError('ER_LOCK_DEADLOCK', 1213, 'Deadlock found when trying to get lock'), ctx).kind).toBe('timeout');
    // older mysql2 builds without a name for the code: by errno
    expect(mapDriverError(Object.assign(new Error('x'), { errno: 1205 }), ctx).kind).toBe('timeout');
  });
  it('anything else the server refused is a server error, one line, password scrubbed', () => {
    const e = mapDriverError(driverError('ER_PARSE_ERROR', 1064, "You have an error in your SQL syntax near 'hunter2-secret'\nat line 1"), ctx);
    expect(e.kind).toBe('server');
    expect(e.message).not.toContain('hunter2-secret');
    expect(e.message).not.toContain('\n');
  });
});

describe('primary-lock statements', () => {
  it('LOCK TABLES ... READ for every table once, quoted', () => {
    expect(
      lockTablesSql([
        { schema: 'shop', name: 'orders' },
        { schema: 'we`ird', name: 'a.b c' },
        { schema: 'shop', name: 'orders' },
      ]),
    ).toBe('LOCK TABLES `shop`.`orders` READ, `we``ird`.`a.b c` READ');
    expect(lockTablesSql([])).toBeNull();
  });
  it('never READ LOCAL (MyISAM concurrent inserts would slip past it)', () => {
    expect(lockTablesSql([{ schema: 's', name: 't' }])).not.toMatch(/LOCAL/);
  });
  it('bounded wait in whole seconds', () => {
    expect(lockWaitStatement(1)).toBe('SET SESSION lock_wait_timeout = 1');
    expect(lockWaitStatement(0)).toBe('SET SESSION lock_wait_timeout = 1');
    expect(lockWaitStatement(2.2)).toBe('SET SESSION lock_wait_timeout = 3');
  });
});

describe('TLS refused', () => {
  it('a server without TLS under sslmode=require is a configuration error', () => {
    const e = mapDriverError(Object.assign(new Error('Server does not support secure connection'), { code: 'HANDSHAKE_NO_SSL_SUPPORT' }), {
      label: 'db1:3306',
      user: 'u',
      password: undefined,
      doing: 'connect',
    });
    expect(e.kind).toBe('config');
    expect(e.oneLine()).toMatch(/^db1:3306: TLS is required/);
  });
});

describe('truncation warnings', () => {
  // SHOW WARNINGS rows as MariaDB 10.11 returns them after a CONCAT_WS over max_allowed_packet.
  const cut = { Level: 'Warning', Code: 1301, Message: 'Result of concat_ws() was larger than max_allowed_packet (65536) - truncated' };
  it('warning 1301 among others is named with its message', () => {
    expect(truncationWarning([{ Level: 'Note', Code: 1003, Message: 'x' }, cut])).toBe(`1301: ${cut.Message}`);
    expect(truncationWarning([{ ...cut, Code: '1301' }])).toMatch(/^1301: /);
  });
  it('no warnings, or others only, pass', () => {
    expect(truncationWarning([])).toBeNull();
    expect(truncationWarning([{ Level: 'Warning', Code: 1287, Message: 'deprecated' }])).toBeNull();
    expect(truncationWarning(undefined)).toBeNull();
  });
  it('the chunk checksums and the diff reads that hash strings ask for the check; counts and boundaries do not', () => {
    const t = { schema: 'd', name: 't', qualified: 'd.t', engine: 'InnoDB', transactional: true, unlogged: false, rowEstimate: 10, dataBytes: 0, collation: null, indexes: [], columns: [] };
    const col = { name: 'id', ordinal: 1, dataType: 'int', columnType: 'int(11)', nullable: false, charset: null, collation: null, generated: 'no' as const };
    const tab = { ...t, columns: [col], indexes: [{ name: 'PRIMARY', columns: ['id'], unique: true, primary: true, allNotNull: true }] };
    for (const hash of ['fast', 'strong'] as const) expect(mysqlFamilySql.chunkChecksum(tab, tab.columns, [col], { lower: null, upper: null }, hash, 16 << 20).refuseTruncation).toBe(true);
    expect(mysqlFamilySql.rows.hashPage(tab, null, 10).refuseTruncation).toBe(true);
    expect(mysqlFamilySql.rows.countByHash(tab, 'a'.repeat(40)).refuseTruncation).toBe(true);
    expect(mysqlFamilySql.rows.rowLiteralsByHash(tab, 'a'.repeat(40)).refuseTruncation).toBe(true);
    expect(mysqlFamilySql.rows.rowPage({ table: tab, key: [col], range: { lower: null, upper: null }, offset: 0, limit: 10, showValues: true }).refuseTruncation).toBe(true);
    expect(mysqlFamilySql.rowCount(tab).refuseTruncation).toBeUndefined();
  });
});

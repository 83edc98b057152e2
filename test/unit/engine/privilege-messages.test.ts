/** Privilege and TLS failures become one line naming what to grant (or fix) and the node. */
import { describe, expect, it } from 'vitest';
import { mapDriverError } from '../../../src/engine/mysql-family/mysql-family-errors.js';
import { toSyncpointError } from '../../../src/engine/postgres/postgres-errors.js';

const ctx = { label: 'db1:3306', user: 'sp', password: 'hunter22', doing: 'query' };
const mysqlErr = (errno: number, code: string, sqlMessage: string) => Object.assign(new Error(sqlMessage), { errno, code, sqlMessage });
const pgErr = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('MySQL-family privilege errors', () => {
  it('1227 keeps the server naming the privilege, kind config, the node as where', () => {
    const e = mapDriverError(mysqlErr(1227, 'ER_SPECIFIC_ACCESS_DENIED_ERROR', 'Access denied; you need (at least one of) the SUPER, SLAVE MONITOR privilege(s) for this operation'), ctx);
    expect(e.kind).toBe('config');
    expect(e.where).toBe('db1:3306');
    expect(e.message).toMatch(/^missing privilege: .*SLAVE MONITOR/);
  });
  it('1142 says which privilege on which table', () => {
    const e = mapDriverError(mysqlErr(1142, 'ER_TABLEACCESS_DENIED_ERROR', "LOCK TABLES command denied to user 'sp'@'127.0.0.1' for table `app`.`t`"), ctx);
    expect(e.message).toMatch(/^missing privilege: LOCK TABLES privilege on table `app`\.`t`/);
  });
  it('1044 (database access) says to grant SELECT on the database', () => {
    const e = mapDriverError(mysqlErr(1044, 'ER_DBACCESS_DENIED_ERROR', "Access denied for user 'sp'@'%' to database 'app'"), ctx);
    expect(e.message).toMatch(/grant SELECT on `app`\.\* to this user/);
  });
  it('a certificate failure is configuration, not a connection problem to retry', () => {
    const e = mapDriverError(Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), ctx);
    expect(e.kind).toBe('config');
    expect(e.message).toMatch(/^TLS: self-signed certificate/);
  });
});

describe('PostgreSQL 42501', () => {
  it('names USAGE on the schema the server names', () => {
    const e = toSyncpointError(pgErr('42501', 'permission denied for schema app'), 'db1:5432', { privilege: 'UPDATE, DELETE or TRUNCATE privilege' });
    expect(e.kind).toBe('config');
    expect(e.message).toMatch(/this needs USAGE on schema app/);
  });
  it('a table: the statement\'s own need when given, else SELECT', () => {
    expect(toSyncpointError(pgErr('42501', 'permission denied for table t'), 'h:1', { privilege: 'UPDATE, DELETE or TRUNCATE privilege' }).message).toMatch(/this needs UPDATE, DELETE or TRUNCATE/);
    expect(toSyncpointError(pgErr('42501', 'permission denied for table t'), 'h:1').message).toMatch(/this needs SELECT on table t/);
  });
  it('monitoring functions: pg_monitor', () => {
    expect(toSyncpointError(pgErr('42501', 'must be superuser or have privileges of pg_read_all_settings to examine "data_directory"'), 'h:1').message).toMatch(/this needs the pg_monitor role/);
  });
});

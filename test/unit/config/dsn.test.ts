import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDsn, redactDsns, withHostPort } from '../../../src/config/dsn.js';
import { SyncpointError } from '../../../src/errors.js';

const dirs: string[] = [];
function home(files: Record<string, string> = {}) {
  const d = mkdtempSync(join(tmpdir(), 'sp-dsn-'));
  dirs.push(d);
  for (const [n, c] of Object.entries(files)) writeFileSync(join(d, n), c, { mode: 0o600 });
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const src = (env: Record<string, string> = {}, files?: Record<string, string>) => ({ env, home: home(files) });

describe('parseDsn', () => {
  it('parses a full MySQL DSN and hides the password from enumeration', () => {
    const s = parseDsn('mysql://app:s%40cret@db1.example:3307/shop', src());
    expect(s).toMatchObject({ family: 'mysql-family', host: 'db1.example', port: 3307, user: 'app', database: 'shop', label: 'db1.example:3307', passwordSource: 'dsn' });
    expect(s.password).toBe('s@cret');
    expect(JSON.stringify(s)).not.toContain('cret');
    expect(inspect(s)).not.toContain('cret');
    expect(Object.keys(s)).not.toContain('password');
  });
  it('defaults ports per family and accepts mariadb:// and postgresql://', () => {
    expect(parseDsn('mariadb://root@127.0.0.1', src()).port).toBe(3306);
    const pg = parseDsn('postgresql://postgres@127.0.0.1/app?sslmode=require', src());
    expect(pg).toMatchObject({ family: 'postgres', port: 5432, database: 'app', tls: { mode: 'require' } });
  });
  it('reads the password from the environment, then from option files', () => {
    expect(parseDsn('mysql://u@h', src({ MYSQL_PWD: 'envpw' })).password).toBe('envpw');
    expect(parseDsn('postgres://u@h/db', src({ PGPASSWORD: 'pgpw' })).passwordSource).toBe('env');
    const my = parseDsn('mysql://u@h', src({}, { '.my.cnf': '[mysqld]\npassword=no\n[client]\nuser=u\npassword = "filepw"\n' }));
    expect(my.password).toBe('filepw');
    expect(my.passwordSource).toBe('option-file');
    const pgp = parseDsn('postgres://u@h:5433/db', src({}, { '.pgpass': 'other:*:*:*:x\nh:5433:db:u:pa\\:ss\n' }));
    expect(pgp.password).toBe('pa:ss');
  });
  it('brackets IPv6 hosts in labels', () => {
    expect(parseDsn('postgres://u@[::1]:5433/x', src()).label).toBe('[::1]:5433');
  });
  it('rejects malformed strings with a one-line usage error that never shows the password', () => {
    for (const bad of ['not a dsn', 'oracle://u:topsecret@h/x', 'mysql://u:topsecret@h:99999/x', 'mysql://u:topsecret@h/a/b', 'mysql://u:topsecret@h/x?sslmode=bogus']) {
      let err: unknown;
      try {
        parseDsn(bad, src());
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SyncpointError);
      expect((err as SyncpointError).kind).toBe('usage');
      expect((err as Error).message).not.toContain('topsecret');
      expect((err as Error).message).not.toContain('\n');
    }
  });
  it('withHostPort keeps credentials but not enumerable', () => {
    const s = withHostPort(parseDsn('mysql://u:pw@h:1', src()), '10.0.0.2', 3307);
    expect(s.label).toBe('10.0.0.2:3307');
    expect(s.password).toBe('pw');
    expect(JSON.stringify(s)).not.toContain('"pw"');
  });
  it('withHostPort drops the socket: it names the server it was given for, and drivers prefer it to host and port', () => {
    const s = parseDsn('mysql://root@localhost/?socket=/run/mysqld/replica1.sock', src());
    expect(s.socket).toBe('/run/mysqld/replica1.sock');
    const p = withHostPort(s, '10.0.0.1', 3306);
    expect(p.socket).toBeNull();
    expect(p.label).toBe('10.0.0.1:3306');
  });
  it('redactDsns scrubs passwords inside free text', () => {
    expect(redactDsns('failed for mysql://root:hunter2@h:3306/x and postgres://a:b@c/d')).toBe('failed for mysql://root:***@h:3306/x and postgres://a:***@c/d');
  });
});

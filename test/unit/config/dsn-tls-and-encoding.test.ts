import { describe, expect, it } from 'vitest';
import { parseDsn, withTls } from '../../../src/config/dsn.js';
import { SyncpointError } from '../../../src/errors.js';

const src = { env: {}, home: '/nonexistent-home' };

function usage(f: () => unknown): SyncpointError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SyncpointError);
    expect((e as SyncpointError).kind).toBe('usage');
    expect((e as Error).message).not.toContain('\n');
    return e as SyncpointError;
  }
  throw new Error('expected a usage error');
}

describe('DSN percent-encoding and malformed forms', () => {
  it('decodes a password holding @ : / %', () => {
    expect(parseDsn('mysql://u:p%40ss%3Aw%2Frd%25x@127.0.0.1:3306/', src).password).toBe('p@ss:w/rd%x');
  });
  it('a bad percent escape is a usage error naming the part, not a URIError', () => {
    expect(usage(() => parseDsn('mysql://u:%zz@h:1', src)).message).toMatch(/bad percent-encoding in the password/);
    expect(usage(() => parseDsn('postgres://%e0@h/db', src)).message).toMatch(/user name/);
  });
  it('explains a bad port and never shows the expected form redacted', () => {
    const m = usage(() => parseDsn('mysql://u:secret1@h:99999/x', src)).message;
    expect(m).toMatch(/bad port 99999/);
    expect(m).not.toContain('secret1');
    expect(usage(() => parseDsn('mysql://u@h:abc', src)).message).toMatch(/bad port "abc"/);
    expect(usage(() => parseDsn('nope', src)).message).not.toMatch(/\*\*\*/);
  });
  it('a client certificate without its key (or the reverse) is refused', () => {
    expect(usage(() => parseDsn('mysql://u@h/?sslcert=/c.pem', src)).message).toMatch(/go together/);
    expect(usage(() => parseDsn('postgres://u@h/db?sslkey=/k.pem', src)).message).toMatch(/go together/);
    expect(usage(() => parseDsn('postgres://u@h/db?sslmode=disable&sslrootcert=/ca.pem', src)).message).toMatch(/conflicts/);
  });
});

describe('withTls (command-line TLS flags over the DSN)', () => {
  it('flags win per field, the password stays hidden', () => {
    const s = withTls(parseDsn('mysql://u:pw@h/?sslmode=require&sslrootcert=/dsn-ca.pem', src), { mode: 'verify-full', cert: '/c.pem', key: '/k.pem' });
    expect(s.tls).toEqual({ mode: 'verify-full', ca: '/dsn-ca.pem', cert: '/c.pem', key: '/k.pem' });
    expect(s.password).toBe('pw');
    expect(JSON.stringify(s)).not.toContain('"pw"');
  });
  it('a CA alone upgrades the default prefer to verify-ca; an explicit mode stays', () => {
    expect(withTls(parseDsn('mysql://u@h', src), { ca: '/ca.pem' }).tls.mode).toBe('verify-ca');
    expect(withTls(parseDsn('mysql://u@h/?sslmode=require', src), { ca: '/ca.pem' }).tls.mode).toBe('require');
  });
  it('no flags: the same spec object', () => {
    const s = parseDsn('postgres://u@h/db', src);
    expect(withTls(s, {})).toBe(s);
  });
  it('disable with a certificate is refused', () => {
    usage(() => withTls(parseDsn('mysql://u@h', src), { mode: 'disable', ca: '/ca.pem' }));
  });
});

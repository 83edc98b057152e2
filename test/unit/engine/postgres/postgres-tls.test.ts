import type { PeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { tlsPlan, type TlsFiles } from '../../../../src/engine/postgres/postgres-tls.js';
import type { TlsMode } from '../../../../src/config/dsn.js';

function files(present: Record<string, string>): TlsFiles {
  return {
    home: '/home/u',
    exists: (p) => p in present,
    read: (p) => {
      if (!(p in present)) throw new Error(`ENOENT: no such file ${p}`);
      return Buffer.from(present[p]!);
    },
  };
}

const spec = (mode: TlsMode, extra: { ca?: string; cert?: string; key?: string } = {}) => ({ tls: { mode, ...extra }, host: 'db.example.com', label: 'db.example.com:5432' });

describe('sslmode', () => {
  it('disable: plain connection', () => {
    expect(tlsPlan(spec('disable'), files({}))).toEqual({ options: false, fallbackToPlain: false });
  });

  it('prefer: TLS without verification, plain when the server has none', () => {
    const plan = tlsPlan(spec('prefer'), files({}));
    expect(plan.fallbackToPlain).toBe(true);
    expect(plan.options).toEqual({ rejectUnauthorized: false });
  });

  it('require: TLS without verification and without fallback', () => {
    expect(tlsPlan(spec('require'), files({}))).toEqual({ options: { rejectUnauthorized: false }, fallbackToPlain: false });
  });

  it('require with a root certificate verifies the chain, as libpq does', () => {
    const plan = tlsPlan(spec('require', { ca: '/ca.pem' }), files({ '/ca.pem': 'CA' }));
    expect(plan.options).toMatchObject({ rejectUnauthorized: true, ca: Buffer.from('CA') });
  });

  it('verify-ca checks the chain but not the host name', () => {
    const plan = tlsPlan(spec('verify-ca', { ca: '/ca.pem' }), files({ '/ca.pem': 'CA' }));
    const opts = plan.options as Exclude<typeof plan.options, false>;
    expect(opts.rejectUnauthorized).toBe(true);
    expect(opts.checkServerIdentity!('db.example.com', { subject: { CN: 'other' } } as unknown as PeerCertificate)).toBeUndefined();
  });

  it('verify-full checks the host name of the DSN against the certificate', () => {
    const plan = tlsPlan(spec('verify-full', { ca: '/ca.pem' }), files({ '/ca.pem': 'CA' }));
    const opts = plan.options as Exclude<typeof plan.options, false>;
    const wrong = { subject: { CN: 'other.example.com' }, subjectaltname: 'DNS:other.example.com' } as unknown as PeerCertificate;
    const right = { subject: { CN: 'db.example.com' }, subjectaltname: 'DNS:db.example.com' } as unknown as PeerCertificate;
    expect(opts.checkServerIdentity!('localhost', wrong)).toBeInstanceOf(Error);
    expect(opts.checkServerIdentity!('localhost', right)).toBeUndefined();
  });

  it('verify modes fall back to ~/.postgresql/root.crt, and say so when it is missing', () => {
    const plan = tlsPlan(spec('verify-full'), files({ '/home/u/.postgresql/root.crt': 'ROOT' }));
    expect((plan.options as { ca: Buffer }).ca).toEqual(Buffer.from('ROOT'));
    expect(() => tlsPlan(spec('verify-ca'), files({}))).toThrow(/needs a root certificate.*sslrootcert/);
  });

  it('sslrootcert=system uses the system CA store', () => {
    const plan = tlsPlan(spec('verify-full', { ca: 'system' }), files({}));
    expect(plan.options).not.toHaveProperty('ca');
    expect((plan.options as { rejectUnauthorized: boolean }).rejectUnauthorized).toBe(true);
  });

  it('reads client certificate and key, given or from ~/.postgresql', () => {
    const given = tlsPlan(spec('require', { cert: '/c.pem', key: '/k.pem' }), files({ '/c.pem': 'C', '/k.pem': 'K' }));
    expect(given.options).toMatchObject({ cert: Buffer.from('C'), key: Buffer.from('K') });
    const defaults = tlsPlan(spec('require'), files({ '/home/u/.postgresql/postgresql.crt': 'DC', '/home/u/.postgresql/postgresql.key': 'DK' }));
    expect(defaults.options).toMatchObject({ cert: Buffer.from('DC'), key: Buffer.from('DK') });
  });

  it('names an unreadable file as a configuration error', () => {
    expect(() => tlsPlan(spec('verify-ca', { ca: '/missing.pem' }), files({}))).toThrow(/cannot read sslrootcert file "\/missing.pem"/);
  });
});

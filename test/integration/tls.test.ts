/**
 * TLS against sandbox servers started with TLS on, certificates made here with openssl: a CA, a
 * server certificate for 127.0.0.1 (SAN IP), a client certificate, and an unrelated CA. Each mode
 * is proven by a user the server only admits over TLS (MariaDB REQUIRE SSL / REQUIRE X509;
 * PostgreSQL hostssl + hostnossl reject), so a run that silently fell back to plain text fails.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execOnNode, waitForReplicas, type SandboxEngine } from '../../src/sandbox/index.js';
import { postgresRunAs } from '../../src/sandbox/os-user.js';
import { ENGINES, withSandbox, type SandboxHandle } from '../support/topology.js';
import { cli } from '../support/cli.js';
import { createTablesEverywhere } from '../support/pg-tables.js';

const PW = 'Tls-User_77';

interface Certs { dir: string; ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string; wrongCa: string; otherNameCert: string }

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** CA, server (CN and SAN IP 127.0.0.1), client (CN = the certificate user), and an unrelated CA. */
function makeCerts(engine: SandboxEngine): Certs {
  const dir = mkdtempSync(join(tmpdir(), `sp-tls-${engine}-`));
  const days = ['-days', '2'];
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=syncpoint test CA', ...days], dir);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'wrong-ca.key', '-out', 'wrong-ca.crt', '-subj', '/CN=some other CA', ...days], dir);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName = IP:127.0.0.1\nbasicConstraints = CA:FALSE\nkeyUsage = digitalSignature, keyEncipherment\nextendedKeyUsage = serverAuth\n');
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], dir);
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-extfile', 'server.ext', ...days], dir);
  // The same key, certified for another address: what verify-full must refuse.
  writeFileSync(join(dir, 'other.ext'), 'subjectAltName = IP:10.9.9.9\nbasicConstraints = CA:FALSE\nextendedKeyUsage = serverAuth\n');
  openssl(['req', '-new', '-key', 'server.key', '-out', 'other.csr', '-subj', '/CN=10.9.9.9'], dir);
  openssl(['x509', '-req', '-in', 'other.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'other.crt', '-extfile', 'other.ext', ...days], dir);
  writeFileSync(join(dir, 'client.ext'), 'basicConstraints = CA:FALSE\nextendedKeyUsage = clientAuth\n');
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=sp_x509'], dir);
  openssl(['x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt', '-extfile', 'client.ext', ...days], dir);
  const p = (f: string) => join(dir, f);
  // The servers read these files: PostgreSQL runs as the postgres OS user and wants its key
  // private to that user.
  chmodSync(dir, 0o755);
  for (const f of ['ca.crt', 'server.crt', 'server.key']) chmodSync(p(f), 0o644);
  const pgUser = engine === 'postgres' ? postgresRunAs() : null;
  if (pgUser) {
    chownSync(p('server.key'), pgUser.uid, pgUser.gid);
    chmodSync(p('server.key'), 0o600);
  }
  return { dir, ca: p('ca.crt'), serverCert: p('server.crt'), serverKey: p('server.key'), clientCert: p('client.crt'), clientKey: p('client.key'), wrongCa: p('wrong-ca.crt'), otherNameCert: p('other.crt') };
}

function serverTlsArgs(engine: SandboxEngine, c: Certs): Record<string, string[]> {
  return engine === 'mariadb'
    ? { '*': [`--ssl-ca=${c.ca}`, `--ssl-cert=${c.serverCert}`, `--ssl-key=${c.serverKey}`] }
    : { '*': ['--ssl=on', `--ssl_cert_file=${c.serverCert}`, `--ssl_key_file=${c.serverKey}`, `--ssl_ca_file=${c.ca}`] };
}

interface Run { code: number | null; stdout: string; stderr: string }

function counts(sb: SandboxHandle, user: string, extra: string[], dsnQuery = ''): Run {
  const dsn = (n: string) => {
    const port = sb.node(n).port;
    return sb.engine === 'mariadb' ? `mysql://${user}@127.0.0.1:${port}/${dsnQuery}` : `postgres://${user}@127.0.0.1:${port}/postgres${dsnQuery}`;
  };
  const replica = sb.engine === 'mariadb' ? 'replica1' : 'standby1';
  const env: Record<string, string> = sb.engine === 'mariadb' ? { MYSQL_PWD: PW } : { PGPASSWORD: PW };
  const out = cli(['counts', '--primary', dsn('primary'), '--replica', dsn(replica), '--databases', 'app', '--format', 'json', ...extra], env, 120_000);
  expect(out.stderr, 'no stack trace').not.toMatch(/\n\s+at .+:\d+:\d+/);
  return out;
}

function expectConsistent(r: Run): void {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  expect((JSON.parse(r.stdout) as { verdict: string }).verdict).toBe('consistent');
}

function expectOneLineFailure(r: Run, pattern: RegExp): void {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^syncpoint: /);
  expect(lines[0]).toMatch(pattern);
}

function tlsSuite(engine: SandboxEngine): void {
  const certs = makeCerts(engine);
  afterAll(() => rmSync(certs.dir, { recursive: true, force: true }));
  const sb = withSandbox(engine, engine === 'mariadb' ? { replicas: 1, serverArgs: serverTlsArgs(engine, certs) } : { replicas: 1, serverArgs: serverTlsArgs(engine, certs) });

  it('sets up users the server admits only over TLS (and one only with a client certificate)', async () => {
    if (engine === 'mariadb') {
      await execOnNode(sb.info, 'primary', [
        'CREATE DATABASE app',
        'CREATE TABLE app.t (id INT PRIMARY KEY, v INT)',
        'INSERT INTO app.t SELECT seq, seq FROM mysql.seq_1_to_500',
        `CREATE USER 'sp_ssl'@'127.0.0.1' IDENTIFIED BY '${PW}' REQUIRE SSL`,
        `CREATE USER 'sp_x509'@'127.0.0.1' IDENTIFIED BY '${PW}' REQUIRE X509`,
        `GRANT SELECT ON app.* TO 'sp_ssl'@'127.0.0.1', 'sp_x509'@'127.0.0.1'`,
        `GRANT SLAVE MONITOR, REPLICATION SLAVE ADMIN ON *.* TO 'sp_ssl'@'127.0.0.1', 'sp_x509'@'127.0.0.1'`,
      ], { binlog: true });
      await waitForReplicas(sb.info);
    } else {
      await createTablesEverywhere(sb.info, ['CREATE SCHEMA app', 'CREATE TABLE app.t (id int PRIMARY KEY, v int)'], ['INSERT INTO app.t SELECT g, g FROM generate_series(1, 500) g']);
      await execOnNode(sb.info, 'primary', [
        `CREATE ROLE sp_ssl LOGIN PASSWORD '${PW}'`,
        `CREATE ROLE sp_x509 LOGIN PASSWORD '${PW}'`,
        'GRANT USAGE ON SCHEMA app TO sp_ssl, sp_x509',
        'GRANT SELECT, UPDATE ON ALL TABLES IN SCHEMA app TO sp_ssl, sp_x509',
      ]);
      await waitForReplicas(sb.info);
      // First match wins: TLS-only users, and a client certificate (CN = role) for sp_x509.
      for (const n of [sb.primary, ...sb.replicas]) {
        const hba = join(n.dataDir, 'pg_hba.conf');
        const rules = [
          'hostssl   all  sp_x509  127.0.0.1/32  scram-sha-256  clientcert=verify-full',
          'hostnossl all  sp_x509  127.0.0.1/32  reject',
          'hostssl   all  sp_ssl   127.0.0.1/32  scram-sha-256',
          'hostnossl all  sp_ssl   127.0.0.1/32  reject',
        ];
        writeFileSync(hba, `${rules.join('\n')}\n${readFileSync(hba, 'utf8')}`);
      }
      for (const n of [sb.primary, ...sb.replicas]) await sb.query(n.name, 'SELECT pg_reload_conf()');
      // Reload is asynchronous: wait until a plain connection of sp_ssl is refused.
      const deadline = Date.now() + 30_000;
      for (;;) {
        const r = counts(sb, 'sp_ssl', ['--ssl-mode', 'disable']);
        if (r.code === 2) break;
        if (Date.now() > deadline) throw new Error(`pg_hba.conf not in force after 30 s: ${r.stderr}`);
        await new Promise((res) => setTimeout(res, 500));
      }
    }
  }, 180_000);

  it('--ssl-mode disable: a TLS-only user is refused with one line (proves the other runs use TLS)', () => {
    expectOneLineFailure(counts(sb, 'sp_ssl', ['--ssl-mode', 'disable']), engine === 'mariadb' ? /access denied/i : /no pg_hba\.conf entry|authentication|rejects connection|SSL off/i);
  }, 120_000);

  it('--ssl-mode require: works', () => expectConsistent(counts(sb, 'sp_ssl', ['--ssl-mode', 'require'])), 120_000);

  it('default mode (prefer): uses TLS when the server offers it', () => expectConsistent(counts(sb, 'sp_ssl', [])), 120_000);

  it('--ssl-mode verify-ca with the right CA: works', () => expectConsistent(counts(sb, 'sp_ssl', ['--ssl-mode', 'verify-ca', '--ssl-ca', certs.ca])), 120_000);

  it('--ssl-mode verify-full with the right CA (certificate names IP 127.0.0.1): works', () => expectConsistent(counts(sb, 'sp_ssl', ['--ssl-mode', 'verify-full', '--ssl-ca', certs.ca])), 120_000);

  it('a server certificate for another address: verify-full refuses it with one line, verify-ca accepts it', async () => {
    const original = readFileSync(certs.serverCert);
    const reload = async () => {
      // MariaDB: FLUSH is binlogged unless told not to; on a replica that would be an errant GTID.
      for (const n of [sb.primary, ...sb.replicas]) await sb.query(n.name, engine === 'mariadb' ? 'FLUSH NO_WRITE_TO_BINLOG SSL' : 'SELECT pg_reload_conf()');
      // PostgreSQL reloads asynchronously; give the postmaster and its children a moment.
      if (engine === 'postgres') await new Promise((res) => setTimeout(res, 2000));
    };
    writeFileSync(certs.serverCert, readFileSync(certs.otherNameCert));
    try {
      await reload();
      expectOneLineFailure(counts(sb, 'sp_ssl', ['--ssl-mode', 'verify-full', '--ssl-ca', certs.ca]), /TLS: .*(IP: 127\.0\.0\.1|altnames|does not match)/i);
      expectConsistent(counts(sb, 'sp_ssl', ['--ssl-mode', 'verify-ca', '--ssl-ca', certs.ca]));
    } finally {
      writeFileSync(certs.serverCert, original);
      await reload();
    }
    expectConsistent(counts(sb, 'sp_ssl', ['--ssl-mode', 'verify-full', '--ssl-ca', certs.ca]));
  }, 180_000);

  it('verify-ca with the wrong CA: one clear line, exit 2', () => {
    expectOneLineFailure(counts(sb, 'sp_ssl', ['--ssl-mode', 'verify-ca', '--ssl-ca', certs.wrongCa]), /TLS: .*(certificate|self[- ]signed)/i);
  }, 120_000);

  it('a CA file that does not exist: one clear line, exit 2', () => {
    expectOneLineFailure(counts(sb, 'sp_ssl', ['--ssl-mode', 'verify-ca', '--ssl-ca', join(certs.dir, 'nope.crt')]), /nope\.crt/);
  }, 120_000);

  it('the same through DSN query parameters (sslmode, sslrootcert)', () => {
    expectConsistent(counts(sb, 'sp_ssl', [], `?sslmode=verify-ca&sslrootcert=${encodeURIComponent(certs.ca)}`));
    expectOneLineFailure(counts(sb, 'sp_ssl', [], `?sslmode=verify-ca&sslrootcert=${encodeURIComponent(certs.wrongCa)}`), /TLS: /);
  }, 120_000);

  it('a user that needs a client certificate: works with --ssl-cert/--ssl-key, refused without', () => {
    expectConsistent(counts(sb, 'sp_x509', ['--ssl-mode', 'verify-ca', '--ssl-ca', certs.ca, '--ssl-cert', certs.clientCert, '--ssl-key', certs.clientKey]));
    const without = counts(sb, 'sp_x509', ['--ssl-mode', 'verify-ca', '--ssl-ca', certs.ca]);
    expect(without.code).toBe(2);
    expect(without.stderr.trim().split('\n')).toHaveLength(1);
  }, 120_000);
}

for (const engine of ENGINES) describe(`TLS on ${engine}`, () => tlsSuite(engine));

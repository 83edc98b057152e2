/**
 * libpq sslmode semantics on top of node's TLS options.
 * - disable: plain. prefer: TLS without verification, plain if the server has no TLS (the driver
 *   retries). require: TLS without verification, except that a given root certificate makes it
 *   verify-ca, as libpq does.
 * - verify-ca: the chain must lead to the root certificate; the host name is not checked.
 *   verify-full: chain and host name. The root certificate is sslrootcert, else
 *   ~/.postgresql/root.crt as libpq reads it; "system" means the system's CA store.
 * - Client certificate and key: sslcert/sslkey, else ~/.postgresql/postgresql.crt/.key when both exist.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { checkServerIdentity, type ConnectionOptions } from 'node:tls';
import type { ConnectionSpec } from '../../config/dsn.js';
import { configError } from '../../errors.js';

export interface TlsPlan {
  /** false: plain connection. */
  readonly options: false | ConnectionOptions;
  /** sslmode=prefer: fall back to a plain connection when the server does not offer TLS. */
  readonly fallbackToPlain: boolean;
}

export interface TlsFiles {
  readonly home: string;
  read(path: string): Buffer;
  exists(path: string): boolean;
}

const realFiles: TlsFiles = { home: homedir(), read: (p) => readFileSync(p), exists: (p) => existsSync(p) };

export function tlsPlan(spec: Pick<ConnectionSpec, 'tls' | 'host' | 'label'>, files: TlsFiles = realFiles): TlsPlan {
  const { mode } = spec.tls;
  if (mode === 'disable') return { options: false, fallbackToPlain: false };
  const read = (what: string, path: string) => {
    try {
      return files.read(path);
    } catch (err) {
      throw configError(`cannot read ${what} file ${JSON.stringify(path)}: ${(err as Error).message}`, spec.label);
    }
  };
  const options: ConnectionOptions = {};
  const certPath = spec.tls.cert ?? (files.exists(join(files.home, '.postgresql', 'postgresql.crt')) && files.exists(join(files.home, '.postgresql', 'postgresql.key')) ? join(files.home, '.postgresql', 'postgresql.crt') : undefined);
  const keyPath = spec.tls.key ?? (certPath && !spec.tls.cert ? join(files.home, '.postgresql', 'postgresql.key') : undefined);
  if (certPath) options.cert = read('sslcert', certPath);
  if (keyPath) options.key = read('sslkey', keyPath);

  const verify = mode === 'verify-ca' || mode === 'verify-full' || (mode === 'require' && spec.tls.ca !== undefined);
  if (!verify) return { options: { ...options, rejectUnauthorized: false }, fallbackToPlain: mode === 'prefer' };

  const rootPath = spec.tls.ca ?? join(files.home, '.postgresql', 'root.crt');
  if (rootPath !== 'system') {
    if (spec.tls.ca === undefined && !files.exists(rootPath)) {
      throw configError(`sslmode=${mode} needs a root certificate: none at ${rootPath}; give sslrootcert=FILE (or sslrootcert=system)`, spec.label);
    }
    options.ca = read('sslrootcert', rootPath);
  }
  options.rejectUnauthorized = true;
  // The driver passes its own socket to tls.connect, so node would check the name against
  // "localhost": name the host explicitly (this also covers IP addresses in subjectAltName).
  options.checkServerIdentity = mode === 'verify-full' ? (_name, cert) => checkServerIdentity(spec.host, cert) : () => undefined;
  return { options, fallbackToPlain: false };
}

/**
 * A connection spec written back as a DSN without its password, for the run's start record: a
 * resumed run reconnects with it and takes the password from the usual places (MYSQL_PWD,
 * PGPASSWORD, ~/.my.cnf, ~/.pgpass), exactly as the original run could.
 */
import type { ConnectionSpec } from '../config/dsn.js';

export function dsnWithoutPassword(s: ConnectionSpec): string {
  const host = s.host.includes(':') ? `[${s.host}]` : s.host;
  const q = new URLSearchParams();
  if (s.socket) q.set('socket', s.socket);
  if (s.tls.mode !== 'prefer') q.set('sslmode', s.tls.mode);
  if (s.tls.ca) q.set('sslrootcert', s.tls.ca);
  if (s.tls.cert) q.set('sslcert', s.tls.cert);
  if (s.tls.key) q.set('sslkey', s.tls.key);
  const query = q.toString();
  return `${s.scheme}://${encodeURIComponent(s.user)}@${host}:${s.port}/${s.database ? encodeURIComponent(s.database) : ''}${query ? `?${query}` : ''}`;
}

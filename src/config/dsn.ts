/**
 * Connection strings: mysql://user:pass@host:port[/db][?opts], mariadb://, postgres://, postgresql://.
 * The password is kept non-enumerable so that logging, JSON.stringify or util.inspect of a spec
 * never shows it.
 */
import { readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { usageError } from '../errors.js';
import type { Family } from '../engine/types.js';

export type TlsMode = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

export interface ConnectionSpec {
  readonly family: Family;
  /** The scheme the user wrote (mysql, mariadb, postgres, postgresql). */
  readonly scheme: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string | null;
  /** Unix socket path, if given with ?socket= */
  readonly socket: string | null;
  readonly tls: { readonly mode: TlsMode; readonly ca?: string; readonly cert?: string; readonly key?: string };
  /** "host:port" */
  readonly label: string;
  /** Where the password came from, for diagnostics (never the password itself). */
  readonly passwordSource: 'dsn' | 'env' | 'option-file' | 'none';
  /** Non-enumerable. */
  readonly password: string | undefined;
}

const DEFAULT_PORTS: Record<Family, number> = { 'mysql-family': 3306, postgres: 5432 };

const SCHEMES: Record<string, Family> = {
  'mysql:': 'mysql-family',
  'mariadb:': 'mysql-family',
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
};

export interface PasswordSources {
  readonly env: NodeJS.ProcessEnv;
  readonly home: string;
}

const defaultSources = (): PasswordSources => ({ env: process.env, home: homedir() });

/** Strip the password from anything that looks like a DSN inside a free text. */
export function redactDsns(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@\s]*@/gi, '$1:***@');
}

export function parseDsn(dsn: string, sources: PasswordSources = defaultSources()): ConnectionSpec {
  const shown = redactDsns(dsn);
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    throw usageError(`malformed connection string ${JSON.stringify(shown)}: ${explainMalformed(dsn)}`);
  }
  const family = SCHEMES[url.protocol];
  if (!family) {
    throw usageError(`unsupported scheme "${url.protocol.replace(/:$/, '')}" in ${JSON.stringify(shown)}: use mysql://, mariadb://, postgres:// or postgresql://`);
  }
  const decode = (part: string, what: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw usageError(`bad percent-encoding in the ${what} of ${JSON.stringify(shown)}: write a literal % as %25`);
    }
  };
  const params = url.searchParams;
  const socket = params.get('socket');
  let host = decode(url.hostname, 'host').replace(/^\[(.*)\]$/, '$1');
  if (!host && !socket) host = family === 'postgres' ? 'localhost' : '127.0.0.1';
  let port = DEFAULT_PORTS[family];
  if (url.port) {
    port = Number(url.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw usageError(`bad port in ${JSON.stringify(shown)}`);
  }
  const user = decode(url.username, 'user name') || (family === 'postgres' ? sources.env['PGUSER'] : sources.env['MYSQL_USER']) || userInfo().username;
  const dbPath = decode(url.pathname.replace(/^\//, ''), 'database name');
  if (dbPath.includes('/')) throw usageError(`bad database name in ${JSON.stringify(shown)}`);
  const database = dbPath || params.get('dbname') || null;

  const sslmode = (params.get('sslmode') ?? params.get('ssl-mode') ?? params.get('ssl_mode') ?? 'prefer').toLowerCase().replace(/_/g, '-');
  const modeMap: Record<string, TlsMode> = {
    disable: 'disable', disabled: 'disable', allow: 'prefer', prefer: 'prefer', preferred: 'prefer',
    require: 'require', required: 'require', 'verify-ca': 'verify-ca', 'verify-full': 'verify-full', 'verify-identity': 'verify-full',
  };
  const mode = modeMap[sslmode];
  if (!mode) throw usageError(`unknown ssl mode "${sslmode}" in ${JSON.stringify(shown)}`);
  const tls = checkTls({
    mode,
    ...(params.get('sslrootcert') ?? params.get('ssl-ca') ? { ca: (params.get('sslrootcert') ?? params.get('ssl-ca'))! } : {}),
    ...(params.get('sslcert') ?? params.get('ssl-cert') ? { cert: (params.get('sslcert') ?? params.get('ssl-cert'))! } : {}),
    ...(params.get('sslkey') ?? params.get('ssl-key') ? { key: (params.get('sslkey') ?? params.get('ssl-key'))! } : {}),
  }, JSON.stringify(shown));

  let password: string | undefined;
  let passwordSource: ConnectionSpec['passwordSource'] = 'none';
  if (url.password !== '') {
    password = decode(url.password, 'password');
    passwordSource = 'dsn';
  } else {
    const fromEnv = family === 'postgres' ? sources.env['PGPASSWORD'] : sources.env['MYSQL_PWD'];
    if (fromEnv !== undefined) {
      password = fromEnv;
      passwordSource = 'env';
    } else {
      const fromFile = family === 'postgres'
        ? pgpassLookup(sources, host || 'localhost', port, database ?? user, user)
        : myCnfPassword(sources);
      if (fromFile !== undefined) {
        password = fromFile;
        passwordSource = 'option-file';
      }
    }
  }

  const spec = {
    family,
    scheme: url.protocol.replace(/:$/, ''),
    host: host || 'localhost',
    port,
    user,
    database,
    socket,
    tls,
    label: `${host.includes(':') ? `[${host}]` : host || 'localhost'}:${port}`,
    passwordSource,
  } as ConnectionSpec;
  Object.defineProperty(spec, 'password', { value: password, enumerable: false, writable: false });
  return Object.freeze(spec);
}

/** Why new URL() refused it, in words (the text must not look like a DSN: it is redacted as one). */
function explainMalformed(dsn: string): string {
  const port = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(?:\[[^\]]*\]|[^:/?#]*):([^/?#]*)/i.exec(dsn)?.[1];
  if (port !== undefined && !/^\d{0,5}$/.test(port)) return `bad port "${port}" (a number 1..65535)`;
  if (port !== undefined && Number(port) > 65535) return `bad port ${port} (a number 1..65535)`;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(dsn)) return 'expected a URL such as mysql://USER@HOST:PORT/DB, mariadb://... or postgres://... (a password may follow USER after a colon; percent-encode @ : / % in it)';
  return 'expected SCHEME://USER@HOST:PORT/DB with SCHEME mysql, mariadb, postgres or postgresql (percent-encode @ : / % in the user name or password)';
}

export const TLS_MODES: readonly TlsMode[] = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'];

/** A client certificate is useless without its key and the other way round: say so before connecting. */
function checkTls<T extends ConnectionSpec['tls']>(tls: T, where: string): T {
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw usageError(`${where}: a client certificate and its key go together (sslcert/sslkey, --ssl-cert/--ssl-key): give both or neither`);
  }
  if (tls.mode === 'disable' && (tls.ca !== undefined || tls.cert !== undefined)) {
    throw usageError(`${where}: ssl mode "disable" conflicts with a CA or client certificate`);
  }
  return tls;
}

export interface TlsOverrides {
  readonly mode?: TlsMode;
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

/**
 * Command-line TLS flags over what the DSN says (a flag wins, per field), for the primary and
 * every replica alike. The password stays non-enumerable.
 */
export function withTls(spec: ConnectionSpec, o: TlsOverrides): ConnectionSpec {
  if (o.mode === undefined && o.ca === undefined && o.cert === undefined && o.key === undefined) return spec;
  const tls = checkTls({
    mode: o.mode ?? (o.ca !== undefined && spec.tls.mode === 'prefer' ? 'verify-ca' : spec.tls.mode),
    ...(o.ca ?? spec.tls.ca ? { ca: (o.ca ?? spec.tls.ca)! } : {}),
    ...(o.cert ?? spec.tls.cert ? { cert: (o.cert ?? spec.tls.cert)! } : {}),
    ...(o.key ?? spec.tls.key ? { key: (o.key ?? spec.tls.key)! } : {}),
  }, spec.label);
  const next = { ...spec, tls } as ConnectionSpec;
  Object.defineProperty(next, 'password', { value: spec.password, enumerable: false, writable: false });
  return Object.freeze(next);
}

/**
 * The same spec pointed at another host/port (discovered replicas inherit credentials). Never the
 * socket: a socket path names the server it was given for, and drivers prefer it to host and port
 * (a clone's "primary" read from a source given by socket was the source itself).
 */
export function withHostPort(spec: ConnectionSpec, host: string, port: number): ConnectionSpec {
  const next = { ...spec, host, port, socket: null, label: `${host.includes(':') ? `[${host}]` : host}:${port}` } as ConnectionSpec;
  Object.defineProperty(next, 'password', { value: spec.password, enumerable: false, writable: false });
  return Object.freeze(next);
}

/** ~/.my.cnf [client] (and [mysql], [mariadb-client]) password=..., as the mysql client reads it. */
function myCnfPassword(sources: PasswordSources): string | undefined {
  let text: string;
  try {
    text = readFileSync(join(sources.home, '.my.cnf'), 'utf8');
  } catch {
    return undefined;
  }
  let section = '';
  let found: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      section = sec[1]!.trim().toLowerCase();
      continue;
    }
    if (!['client', 'client-server', 'client-mariadb', 'mariadb-client'].includes(section)) continue;
    const kv = /^password\s*=\s*(.*)$/i.exec(line);
    if (kv) found = kv[1]!.replace(/^(['"])(.*)\1$/, '$2');
  }
  return found;
}

/** ~/.pgpass (or $PGPASSFILE): host:port:database:user:password, first match wins, '*' wildcards. */
function pgpassLookup(sources: PasswordSources, host: string, port: number, database: string, user: string): string | undefined {
  const file = sources.env['PGPASSFILE'] ?? join(sources.home, '.pgpass');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  for (const raw of text.split(/\r?\n/)) {
    if (!raw || raw.startsWith('#')) continue;
    const fields: string[] = [];
    let cur = '';
    for (let i = 0; i < raw.length; i++) {
      const ch = raw[i]!;
      if (ch === '\\' && i + 1 < raw.length) cur += raw[++i];
      else if (ch === ':' && fields.length < 4) {
        fields.push(cur);
        cur = '';
      } else cur += ch;
    }
    fields.push(cur);
    if (fields.length !== 5) continue;
    const [h, p, d, u, pw] = fields as [string, string, string, string, string];
    const ok = (pat: string, v: string) => pat === '*' || pat === v;
    if (ok(h, host) && ok(p, String(port)) && ok(d, database) && ok(u, user)) return pw;
  }
  return undefined;
}

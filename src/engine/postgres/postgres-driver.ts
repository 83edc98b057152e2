/**
 * node-postgres driver: one dedicated pg.Client per session, session settings applied on connect.
 *
 * Type parsing: only bool, int2, int4, oid (exact as JS numbers) and bytea (Buffer) are parsed.
 * Everything else stays the server's text: int8, numeric, float (printed exactly under
 * extra_float_digits=3), dates and times (a JS Date would drop microseconds and shift zones),
 * json, arrays, uuid. A chunk boundary read back is therefore bound again unchanged and compares
 * equal to the stored key.
 */
import { basename, dirname } from 'node:path';
import pg from 'pg';
import type { ConnectionSpec } from '../../config/dsn.js';
import { SyncpointError } from '../../errors.js';
import type { ConnectOptions, Session } from '../engine.js';
import type { Row, ServerRef, Sql } from '../types.js';
import { toSyncpointError, type ErrorContext } from './postgres-errors.js';
import { tlsPlan } from './postgres-tls.js';

const PARSED_OIDS = new Set([16 /* bool */, 17 /* bytea */, 21 /* int2 */, 23 /* int4 */, 26 /* oid */]);
const asText = (value: string) => value;

function getTypeParser(oid: number, format?: string): (value: string) => unknown {
  if (format === 'binary') return pg.types.getTypeParser(oid, 'binary') as (value: string) => unknown;
  return PARSED_OIDS.has(oid) ? (pg.types.getTypeParser(oid, 'text') as (value: string) => unknown) : asText;
}

/**
 * Why each setting: value text must be identical on every server (time zone, date, interval,
 * float, bytea and money formats; type and regclass names unquoted, whatever the database or role
 * sets); row_security off: a table whose row-level security policy would hide rows from this role
 * is an error (ask for a BYPASSRLS role), never a checksum of the rows it may see; lock waits must give up fast (lockWaitMs) while long checksum
 * statements and snapshots kept open between chunks must not be cut; search_path '' makes every
 * name the tool did not qualify resolve in pg_catalog only; JIT compiles every chunk statement
 * anew, which costs more than it saves on half-second chunks; read-only by default because the
 * tool only reads (LOCK ... IN SHARE MODE and pg_export_snapshot are allowed in read-only
 * transactions; a caller that must write says BEGIN READ WRITE).
 */
export function sessionSetupSql(opts: Pick<ConnectOptions, 'lockWaitMs'>): string {
  const lockMs = Math.max(1, Math.ceil(opts.lockWaitMs));
  return [
    "SET TimeZone = 'UTC'",
    "SET DateStyle = 'ISO, YMD'",
    "SET IntervalStyle = 'iso_8601'",
    'SET extra_float_digits = 3',
    "SET bytea_output = 'hex'",
    "SET lc_monetary = 'C'",
    'SET quote_all_identifiers = off',
    'SET row_security = off',
    `SET lock_timeout = '${lockMs}ms'`,
    'SET statement_timeout = 0',
    'SET idle_in_transaction_session_timeout = 0',
    "SET search_path = ''",
    'SET jit = off',
    'SET default_transaction_read_only = on',
    // Which server this is (same-server.ts), in the same round trip.
    'SELECT pg_backend_pid() AS pid, pg_catalog.host(pg_catalog.inet_server_addr()) AS server_addr, pg_catalog.inet_server_port() AS server_port',
  ].join('; ');
}

export class PgSession implements Session {
  private isClosed = false;
  /** Why the connection went away while idle, said on the next query. */
  private lostWith: unknown = null;

  constructor(
    private readonly client: pg.Client,
    readonly server: ServerRef,
    readonly connectionId: number,
    private readonly onClose: (s: PgSession) => void,
    /** Which server this is (the address and port it accepted the connection on), for same-server.ts. */
    readonly identity = '',
  ) {
    // An idle client that loses its server emits 'error'; without a listener node would crash.
    client.on('error', (err) => {
      this.isClosed = true;
      this.lostWith ??= err;
    });
    client.on('end', () => {
      this.isClosed = true;
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  query(q: Sql | string): Promise<Row[]> {
    return this.run(q);
  }

  /** query() with what the statement needs named in a privilege error. */
  async run(q: Sql | string, ctx: ErrorContext = {}): Promise<Row[]> {
    if (this.isClosed) {
      if (this.lostWith) throw toSyncpointError(this.lostWith, this.server.label, ctx);
      throw new SyncpointError('connection', 'connection is closed', this.server.label);
    }
    try {
      // Without parameters the simple protocol is used, which also runs several statements at once.
      const res: unknown = typeof q === 'string' || q.params.length === 0
        ? await this.client.query(typeof q === 'string' ? q : q.sql)
        : await this.client.query({ text: q.sql, values: [...q.params] });
      const last = (Array.isArray(res) ? res[res.length - 1] : res) as pg.QueryResult | undefined;
      return (last?.rows ?? []) as Row[];
    } catch (err) {
      throw toSyncpointError(err, this.server.label, ctx);
    }
  }

  async close(): Promise<void> {
    if (!this.isClosed) {
      this.isClosed = true;
      await this.client.end().catch(() => undefined);
    }
    this.onClose(this);
  }
}

/** pg takes a socket *directory* as host; accept the socket file too ("/run/postgresql/.s.PGSQL.5432"). */
export function socketTarget(socket: string, port: number): { host: string; port: number } {
  const m = /^\.s\.PGSQL\.(\d+)$/.exec(basename(socket));
  return m ? { host: dirname(socket), port: Number(m[1]) } : { host: socket, port };
}

function clientConfig(spec: ConnectionSpec, opts: ConnectOptions, ssl: pg.ClientConfig['ssl']): pg.ClientConfig {
  const target = spec.socket ? socketTarget(spec.socket, spec.port) : { host: spec.host, port: spec.port };
  const config: pg.ClientConfig = {
    ...target,
    user: spec.user,
    database: spec.database ?? spec.user,
    application_name: opts.appName,
    connectionTimeoutMillis: Math.max(1, Math.ceil(opts.connectTimeoutMs)),
    keepAlive: true,
    ssl,
    types: { getTypeParser } as pg.CustomTypesConfig,
  };
  Object.defineProperty(config, 'password', { value: spec.password, enumerable: false });
  return config;
}

async function connectOnce(spec: ConnectionSpec, opts: ConnectOptions, ssl: pg.ClientConfig['ssl']): Promise<pg.Client> {
  const client = new pg.Client(clientConfig(spec, opts, ssl));
  client.on('error', () => undefined);
  try {
    await client.connect();
    return client;
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
}

export async function openSession(spec: ConnectionSpec, opts: ConnectOptions, onClose: (s: PgSession) => void): Promise<PgSession> {
  const server: ServerRef = { host: spec.host, port: spec.port, label: spec.label };
  const plan = tlsPlan(spec);
  const started = Date.now();
  let client: pg.Client;
  try {
    try {
      client = await connectOnce(spec, opts, plan.options);
    } catch (err) {
      if (!plan.fallbackToPlain || !/does not support SSL/i.test((err as Error)?.message ?? '')) throw err;
      client = await connectOnce(spec, opts, false);
    }
  } catch (err) {
    // pg reports its own connect timeout as "Connection terminated unexpectedly": say what happened.
    if (Date.now() - started >= opts.connectTimeoutMs * 0.9 && /terminated|timeout/i.test((err as Error)?.message ?? '')) {
      throw new SyncpointError('connection', `connection timed out after ${opts.connectTimeoutMs} ms`, spec.label, { cause: err });
    }
    throw toSyncpointError(err, spec.label);
  }
  try {
    const res: unknown = await client.query(sessionSetupSql(opts));
    const rows = (Array.isArray(res) ? res[res.length - 1] : res) as pg.QueryResult;
    const row = rows.rows[0] ?? {};
    // Stable across restarts; no address over a Unix socket, where no load balancer sits between.
    const identity = row['server_addr'] == null ? 'a local socket' : `${String(row['server_addr'])} port ${String(row['server_port'])}`;
    return new PgSession(client, server, Number(row['pid'] ?? 0), onClose, identity);
  } catch (err) {
    await client.end().catch(() => undefined);
    throw toSyncpointError(err, spec.label);
  }
}

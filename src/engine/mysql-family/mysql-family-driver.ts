/**
 * mysql2 connections: options (TLS, socket, timeouts, number/date handling), the session settings
 * every checksum depends on, and the Session wrapper that maps driver errors.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import mysql from 'mysql2/promise';
import type { ConnectionSpec } from '../../config/dsn.js';
import { configError, SyncpointError } from '../../errors.js';
import type { ConnectOptions, Session } from '../engine.js';
import type { Row, ServerRef, Sql } from '../types.js';
import { mapDriverError, type ErrorContext } from './mysql-family-errors.js';
import type { ReplicationStatements } from './mysql-family-flavor.js';
import { SESSION_SQL_MODE } from './mysql-family-session-mode.js';

type Conn = mysql.Connection;
type TlsChoice = 'tls' | 'plain';

export { SESSION_SQL_MODE } from './mysql-family-session-mode.js';

/**
 * Room for the checksum's materialized derived table in memory: at the 16 MB default a chunk of
 * ~250k rows spills to an on-disk temporary table (measured on MariaDB 10.11: 1.28x slower).
 */
export const SESSION_HEAP_BYTES = 64 * 1024 * 1024;

/**
 * The statements run on every new connection, in order: one SET (names, session variables and
 * isolation together), one round trip, where three SETs were three.
 */
export function sessionSetupStatements(opts: Pick<ConnectOptions, 'lockWaitMs'>, st: Pick<ReplicationStatements, 'noStatementTimeout' | 'isolationVariable'>): string[] {
  const lockSeconds = lockWaitSeconds(opts.lockWaitMs);
  const vars = [
    'NAMES utf8mb4',
    `time_zone = '+00:00'`,
    `sql_mode = '${SESSION_SQL_MODE}'`,
    `lock_wait_timeout = ${lockSeconds}`,
    `innodb_lock_wait_timeout = ${lockSeconds}`,
    `max_heap_table_size = ${SESSION_HEAP_BYTES}`,
    `tmp_table_size = ${SESSION_HEAP_BYTES}`,
    // SHOW WARNINGS lists this many of a statement's warnings (64 by default on MariaDB, and a
    // server may set 0): room for the 1301 a refuseTruncation statement is read for.
    'max_error_count = 65535',
  ];
  if (st.noStatementTimeout) vars.push(st.noStatementTimeout);
  vars.push(`${st.isolationVariable} = 'REPEATABLE-READ'`);
  return [`SET ${vars.join(', ')}`];
}

/** MySQL-family lock waits are whole seconds, at least 1 (0 would mean "fail at once" on MDL but "wait forever" nowhere). */
export function lockWaitSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

export interface DriverConfig {
  readonly spec: ConnectionSpec;
  readonly opts: ConnectOptions;
}

function readPem(path: string, what: string, label: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw configError(`cannot read TLS ${what} file ${JSON.stringify(path)}: ${(err as Error).message}`, label);
  }
}

/** mysql2 options for a spec; `tls` says whether to ask for TLS (prefer mode tries it first). */
export function connectionOptions(spec: ConnectionSpec, opts: ConnectOptions, tls: TlsChoice): mysql.ConnectionOptions {
  const base: mysql.ConnectionOptions = {
    user: spec.user,
    password: spec.password ?? '',
    database: spec.database ?? undefined,
    connectTimeout: opts.connectTimeoutMs,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    decimalNumbers: false,
    timezone: 'Z',
    charset: 'UTF8MB4_GENERAL_CI',
    multipleStatements: false,
    // We never prepare statements (query(), not execute()). mysql2's cache for them fills 4 arrays
    // of this size on every new connection: 16,000 by default, 0.2 to 1.3 ms of CPU a connection.
    maxPreparedStatements: 1,
    enableKeepAlive: true,
    connectAttributes: { program_name: opts.appName },
  };
  if (spec.socket) base.socketPath = spec.socket;
  else {
    base.host = spec.host;
    base.port = spec.port;
  }
  if (tls === 'tls' && spec.tls.mode !== 'disable') {
    // As libpq does: require with a CA given verifies the chain (verify-ca).
    const verify = spec.tls.mode === 'verify-ca' || spec.tls.mode === 'verify-full' || (spec.tls.mode === 'require' && spec.tls.ca !== undefined);
    base.ssl = {
      rejectUnauthorized: verify,
      // mysql2 checks an IP address host against "localhost" (it sets no servername for an IP):
      // for those the name check runs in Connector.attempt, right after the handshake.
      verifyIdentity: spec.tls.mode === 'verify-full' && isIP(spec.host) === 0,
      ...(spec.tls.ca ? { ca: readPem(spec.tls.ca, 'CA', spec.label) } : {}),
      ...(spec.tls.cert ? { cert: readPem(spec.tls.cert, 'certificate', spec.label) } : {}),
      ...(spec.tls.key ? { key: readPem(spec.tls.key, 'key', spec.label) } : {}),
    };
  }
  return base;
}

export function errorContext(spec: ConnectionSpec, doing?: string): ErrorContext {
  return { label: spec.label, user: spec.user, password: spec.password, doing };
}

/**
 * Opens raw connections for one server. "prefer" TLS tries TLS once, and remembers when the
 * server has none so later sessions do not pay a failed handshake each time.
 */
export class Connector {
  private tlsChoice: TlsChoice;
  constructor(readonly config: DriverConfig) {
    this.tlsChoice = config.spec.tls.mode === 'disable' ? 'plain' : 'tls';
  }

  async open(): Promise<Conn> {
    const { spec } = this.config;
    try {
      return await this.attempt(this.tlsChoice);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (spec.tls.mode === 'prefer' && this.tlsChoice === 'tls' && code === 'HANDSHAKE_NO_SSL_SUPPORT') {
        this.tlsChoice = 'plain';
        try {
          return await this.attempt('plain');
        } catch (err2) {
          throw mapDriverError(err2, errorContext(spec, 'connect'));
        }
      }
      throw mapDriverError(err, errorContext(spec, 'connect'));
    }
  }

  private async attempt(tls: TlsChoice): Promise<Conn> {
    const { spec } = this.config;
    const conn = await mysql.createConnection(connectionOptions(spec, this.config.opts, tls));
    // An idle connection that dies emits 'error'; unhandled, that would crash the process.
    conn.on('error', () => undefined);
    if (tls === 'tls' && spec.tls.mode === 'verify-full' && isIP(spec.host) !== 0) {
      const stream = (conn as unknown as { connection?: { stream?: { getPeerCertificate?: () => PeerCertificate } } }).connection?.stream;
      const cert = stream?.getPeerCertificate?.();
      const mismatch = cert && Object.keys(cert).length > 0 ? checkServerIdentity(spec.host, cert) : new Error('no server certificate to check');
      if (mismatch) {
        conn.destroy();
        throw configError(`TLS: ${mismatch.message} (verify-full)`, spec.label);
      }
    }
    return conn;
  }
}

/** How long close() waits for a graceful QUIT before dropping the socket. */
const CLOSE_GRACE_MS = 2000;

/** Warning 1301 (ER_WARN_ALLOWED_PACKET_OVERFLOWED) among SHOW WARNINGS rows, as "1301: message"; null when absent. */
export function truncationWarning(rows: unknown): string | null {
  if (!Array.isArray(rows)) return null;
  for (const w of rows as Row[]) {
    if (Number(w['Code']) === ER_WARN_ALLOWED_PACKET_OVERFLOWED) return `${ER_WARN_ALLOWED_PACKET_OVERFLOWED}: ${String(w['Message'] ?? '')}`;
  }
  return null;
}

const ER_WARN_ALLOWED_PACKET_OVERFLOWED = 1301;

function isSql(q: Sql | string): q is Sql {
  return typeof q !== 'string';
}

/** One dedicated connection with the tool's session settings applied. */
export class MysqlFamilySession implements Session {
  private dead = false;
  private ended = false;
  private readonly children = new Set<Session>();
  private readonly onClose: ((s: MysqlFamilySession) => void) | undefined;

  constructor(
    private readonly conn: Conn,
    readonly server: ServerRef,
    readonly connectionId: number,
    private readonly errors: ErrorContext,
    onClose?: (s: MysqlFamilySession) => void,
  ) {
    this.onClose = onClose;
    const markDead = () => {
      this.dead = true;
    };
    conn.on('error', markDead);
    conn.on('end', markDead);
  }

  get closed(): boolean {
    if (this.ended || this.dead) return true;
    // mysql2 sets these when the socket went away between our events (server restart, KILL).
    const inner = (this.conn as unknown as { connection?: { _closing?: boolean; _fatalError?: unknown; stream?: { destroyed?: boolean } } }).connection;
    return Boolean(inner?._closing || inner?._fatalError || inner?.stream?.destroyed);
  }

  async query(q: Sql | string): Promise<Row[]> {
    const sql = isSql(q) ? q.sql : q;
    const values = isSql(q) ? (q.params as unknown[]) : undefined;
    let rows: unknown;
    let warnings: unknown = [];
    try {
      [rows] = await this.conn.query({ sql, values, rowsAsArray: false });
      // The statement's own warnings: every statement that reads a table starts a fresh list.
      if (isSql(q) && q.refuseTruncation) [warnings] = await this.conn.query({ sql: 'SHOW WARNINGS', rowsAsArray: false });
    } catch (err) {
      const mapped = mapDriverError(err, this.errors);
      if (mapped.kind === 'connection') this.dead = true;
      throw mapped;
    }
    const cut = truncationWarning(warnings);
    if (cut) throw new SyncpointError('server', `a value or row string the statement built passed max_allowed_packet and the server made it NULL (warning ${cut}): the answer would leave rows out; raise max_allowed_packet on every server`, this.server.label);
    return Array.isArray(rows) ? (rows as Row[]) : [];
  }

  /** Close `child` together with this session (helper connections that belong to it). */
  adopt(child: Session): void {
    this.children.add(child);
  }

  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await Promise.all([...this.children].map((c) => c.close()));
    this.children.clear();
    try {
      if (this.dead) this.conn.destroy();
      else {
        // end() queues COM_QUIT behind any running statement (a 20 s MASTER_GTID_WAIT, a long
        // checksum): give it a moment, then drop the socket; the server rolls back and releases.
        let timer: NodeJS.Timeout | undefined;
        const ended = await Promise.race([
          this.conn.end().then(() => true),
          new Promise<boolean>((r) => (timer = setTimeout(() => r(false), CLOSE_GRACE_MS))),
        ]);
        clearTimeout(timer);
        if (!ended) this.conn.destroy();
      }
    } catch {
      this.conn.destroy();
    } finally {
      this.onClose?.(this);
    }
  }
}

/** Open a connection, apply the session settings, wrap it. */
export async function openSession(
  connector: Connector,
  server: ServerRef,
  setup: readonly string[],
  onClose?: (s: MysqlFamilySession) => void,
): Promise<MysqlFamilySession> {
  const conn = await connector.open();
  const errors = errorContext(connector.config.spec);
  const session = new MysqlFamilySession(conn, server, conn.threadId, errors, onClose);
  try {
    for (const stmt of setup) await session.query(stmt);
  } catch (err) {
    await session.close();
    throw err;
  }
  return session;
}

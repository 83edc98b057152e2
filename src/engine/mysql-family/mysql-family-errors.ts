/**
 * mysql2 errors to SyncpointError: one line naming the server, never the password; the driver
 * error stays reachable as `cause` (its `code`, `errno`, `sqlState`, `sqlMessage`).
 */
import { SyncpointError, type ErrorKind } from '../../errors.js';

interface DriverError {
  readonly code?: string;
  readonly errno?: number;
  readonly sqlMessage?: string;
  readonly message?: string;
  readonly fatal?: boolean;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'EPIPE',
  'ENOENT', // unix socket path that does not exist
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED', // MariaDB 1927: our connection was KILLed
  'ER_NET_READ_INTERRUPTED',
  'ER_NET_PACKETS_OUT_OF_ORDER',
]);

const PRIVILEGE_CODES = new Set([
  'ER_TABLEACCESS_DENIED_ERROR',
  'ER_COLUMNACCESS_DENIED_ERROR',
  'ER_SPECIFIC_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_PROCACCESS_DENIED_ERROR',
  'ER_KILL_DENIED_ERROR',
]);

/** Node's certificate and handshake failures (tls.connect), as mysql2 passes them on. */
const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/;

const TIMEOUT_CODES = new Set([
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  'ER_QUERY_TIMEOUT', // MySQL 3024 max_execution_time
  'ER_STATEMENT_TIMEOUT', // MariaDB 1969 max_statement_time
]);

/** Driver error numbers for codes older mysql2 builds may not name. */
const BY_ERRNO: Record<number, string> = {
  1045: 'ER_ACCESS_DENIED_ERROR',
  1044: 'ER_DBACCESS_DENIED_ERROR',
  1142: 'ER_TABLEACCESS_DENIED_ERROR',
  1143: 'ER_COLUMNACCESS_DENIED_ERROR',
  1227: 'ER_SPECIFIC_ACCESS_DENIED_ERROR',
  1205: 'ER_LOCK_WAIT_TIMEOUT',
  1213: 'ER_LOCK_DEADLOCK',
  1049: 'ER_BAD_DB_ERROR',
  1927: 'ER_CONNECTION_KILLED',
  1130: 'ER_HOST_NOT_PRIVILEGED',
  1129: 'ER_HOST_IS_BLOCKED',
};

export interface ErrorContext {
  /** "host:port" */
  readonly label: string;
  readonly user: string;
  /** Scrubbed from any text that reaches the message, in case a server echoes it. */
  readonly password: string | undefined;
  /** What was being done, for messages: "connect", "query". */
  readonly doing?: string;
}

export function driverErrorCode(err: unknown): string | undefined {
  const e = err as DriverError | undefined;
  if (!e || typeof e !== 'object') return undefined;
  if (e.code && e.code !== 'UNKNOWN_CODE_PLEASE_REPORT') return e.code;
  return e.errno !== undefined ? BY_ERRNO[e.errno] : undefined;
}

export function mapDriverError(err: unknown, ctx: ErrorContext): SyncpointError {
  if (err instanceof SyncpointError) return err;
  const e = (err ?? {}) as DriverError;
  const code = driverErrorCode(err);
  const raw = oneLine(e.sqlMessage ?? e.message ?? String(err));
  const text = scrub(raw, ctx.password);
  let kind: ErrorKind = 'server';
  let message = text;
  if (code === 'ER_ACCESS_DENIED_ERROR' || code === 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR') {
    kind = 'config';
    message = `access denied for user '${ctx.user}' (wrong password, unknown user, or not allowed from this host)`;
  } else if (code === 'ER_BAD_DB_ERROR' || code === 'ER_HOST_NOT_PRIVILEGED' || code === 'ER_HOST_IS_BLOCKED') {
    kind = 'config';
  } else if (code === 'HANDSHAKE_NO_SSL_SUPPORT') {
    kind = 'config';
    message = 'TLS is required by the connection string (sslmode) but the server does not offer it';
  } else if ((code && TLS_CODES.test(code)) || /certificate|self[- ]signed|SSL routines|altnames/i.test(raw)) {
    // A verification failure is the configuration's (wrong CA, wrong host name), not the network's:
    // retrying cannot help.
    kind = 'config';
    message = `TLS: ${text}${code && !text.includes(code) ? ` (${code})` : ''}`;
  } else if (code && PRIVILEGE_CODES.has(code)) {
    kind = 'config';
    message = `missing privilege: ${privilegeText(code, text)}`;
  } else if (code && TIMEOUT_CODES.has(code)) {
    kind = 'timeout';
  } else if ((code && CONNECTION_CODES.has(code)) || e.fatal || /closed state|connection lost|server has gone away/i.test(raw)) {
    kind = 'connection';
    message = ctx.doing === 'connect' ? `cannot connect: ${text}` : `connection lost: ${text}`;
  }
  const out = new SyncpointError(kind, message, ctx.label, { cause: err });
  return out;
}

/**
 * The server names the privilege for 1227 ("you need (at least one of) the SUPER, SLAVE MONITOR
 * privilege(s)") and 1142/1143 ("SELECT command denied"), but not for 1044 (database access):
 * there the statement needs some privilege on that database, and SELECT is what this tool asks.
 */
function privilegeText(code: string, text: string): string {
  if (code === 'ER_DBACCESS_DENIED_ERROR') {
    const db = /to database '([^']*)'/.exec(text)?.[1];
    return `${text} (grant SELECT on ${db !== undefined ? `\`${db}\`.*` : 'the database'} to this user)`;
  }
  const cmd = /^(\w+(?: \w+)?) command denied to user .* for table (.*)$/i.exec(text);
  if (cmd) return `${cmd[1]!.toUpperCase()} privilege on table ${cmd[2]} (${text})`;
  return text;
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

function scrub(text: string, password: string | undefined): string {
  // Short passwords would blank out ordinary words: only scrub ones that cannot be a common token.
  if (!password || password.length < 4) return text;
  return text.split(password).join('***');
}

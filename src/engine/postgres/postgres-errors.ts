/**
 * node-postgres and server errors -> one-line SyncpointError naming the server. The original
 * error stays as `cause`, so its SQLSTATE (`cause.code`) is still there for callers and tests.
 */
import { redactDsns } from '../../config/dsn.js';
import { SyncpointError, type ErrorKind } from '../../errors.js';

/** What the failing statement needed, said when the server answers 42501 insufficient_privilege. */
export interface ErrorContext {
  readonly privilege?: string;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ENOENT']);

/** TLS verification failures are a configuration problem (wrong CA, wrong host name), not a network one. */
const TLS_CODES = /^(ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|ERR_SSL_)/;

export function classifyPgError(err: unknown): ErrorKind {
  const code = typeof (err as { code?: unknown })?.code === 'string' ? ((err as { code: string }).code) : '';
  const message = err instanceof Error ? err.message : String(err);
  if (/^[0-9A-Z]{5}$/.test(code)) {
    if (code === '28P01' || code === '28000' || code === '3D000' || code === '42501' || code === '42P01') return 'config';
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') return 'connection';
    if (code === '55P03' || code === '40001' || code === '40P01' || code === '57014') return 'timeout';
    return 'server';
  }
  if (TLS_CODES.test(code) || /does not support SSL|certificate|self[- ]signed/i.test(message)) return 'config';
  if (NETWORK_CODES.has(code)) return 'connection';
  if (/connection terminated|connection timeout|timeout expired|not queryable|Connection ended|socket hang up|read ECONNRESET/i.test(message)) return 'connection';
  return 'server';
}

function describe(err: unknown, kind: ErrorKind, ctx: ErrorContext): string {
  const e = err as { code?: unknown; message?: unknown; detail?: unknown };
  const raw = typeof e?.message === 'string' && e.message ? e.message : String(err);
  const first = raw.split('\n')[0]!.trim();
  const code = typeof e?.code === 'string' ? e.code : '';
  const sqlstate = /^[0-9A-Z]{5}$/.test(code) ? ` (SQLSTATE ${code})` : '';
  if (code === '42501') return `insufficient privilege: ${first}; this needs ${neededPrivilege(first, ctx)}${sqlstate}`;
  if (code === '28P01' || code === '28000') return `authentication failed: ${first}${sqlstate}`;
  if (code === '55P03') return `lock wait timed out: ${first}${sqlstate}`;
  if (kind === 'connection' && !sqlstate) return `connection failed: ${first}${code && !first.includes(code) ? ` (${code})` : ''}`;
  // Without a SQLSTATE, only TLS refusals and certificate failures classify as configuration.
  if (kind === 'config' && !sqlstate) return `TLS: ${first}`;
  return `${first}${sqlstate}`;
}

/**
 * What to grant, from the server's words: the object it names wins over the statement's own need
 * (a LOCK TABLE on a schema without USAGE fails on the schema first).
 */
function neededPrivilege(first: string, ctx: ErrorContext): string {
  const obj = /permission denied for (schema|database|table|relation|view|sequence|function|column) (.+)$/i.exec(first);
  if (obj) {
    const [, what, name] = obj as unknown as [string, string, string];
    switch (what.toLowerCase()) {
      case 'schema':
        return `USAGE on schema ${name}`;
      case 'database':
        return `CONNECT on database ${name}`;
      case 'function':
        return ctx.privilege ?? `EXECUTE on function ${name}`;
      case 'sequence':
      case 'column':
        return `SELECT on ${what.toLowerCase()} ${name}`;
      default:
        return ctx.privilege ?? `SELECT on ${what.toLowerCase()} ${name} (or the pg_read_all_data role)`;
    }
  }
  if (/must be superuser|pg_monitor|pg_read_all_stats|pg_read_all_settings/i.test(first)) return ctx.privilege ?? 'the pg_monitor role';
  return ctx.privilege ?? 'a privilege this user lacks (see the server message)';
}

export function toSyncpointError(err: unknown, label: string, ctx: ErrorContext = {}): SyncpointError {
  if (err instanceof SyncpointError) return err;
  const kind = classifyPgError(err);
  return new SyncpointError(kind, redactDsns(describe(err, kind, ctx)), label, { cause: err });
}

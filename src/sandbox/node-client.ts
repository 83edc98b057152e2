/**
 * A minimal SQL client for sandbox tooling (setup, status, sample data, write load, drift).
 * The tool proper goes through src/engine; this is test/demo plumbing, so it talks to the
 * drivers directly. Sessions run in UTC so TIMESTAMP/timestamptz literals mean the same everywhere.
 */
import { createConnection, type Connection } from 'mysql2/promise';
import pg from 'pg';
import { parseDsn } from '../config/dsn.js';
import type { SandboxEngine } from './types.js';

export type Params = readonly unknown[];
export type SqlRow = Record<string, unknown>;

export interface ExecResult {
  readonly rows: SqlRow[];
  /** Rows changed by DML (affectedRows / rowCount). */
  readonly affected: number;
}

export interface NodeClient {
  readonly engine: SandboxEngine;
  /** MySQL-family placeholders are `?`, PostgreSQL's are `$1`. */
  query(sql: string, params?: Params): Promise<SqlRow[]>;
  exec(sql: string, params?: Params): Promise<ExecResult>;
  close(): Promise<void>;
}

export interface ConnectParts {
  readonly engine: SandboxEngine;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database?: string;
  readonly connectTimeoutMs?: number;
}

export async function connectParts(p: ConnectParts): Promise<NodeClient> {
  const timeout = p.connectTimeoutMs ?? 5000;
  if (p.engine === 'mariadb') {
    const conn = await createConnection({
      host: p.host,
      port: p.port,
      user: p.user,
      password: p.password,
      ...(p.database ? { database: p.database } : {}),
      connectTimeout: timeout,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      timezone: 'Z',
    });
    conn.on('error', () => {
      /* a dropped connection surfaces on the next query */
    });
    try {
      await conn.query("SET time_zone = '+00:00'");
    } catch (err) {
      await conn.end().catch(() => {});
      throw err;
    }
    return mysqlClient(conn);
  }
  const client = new pg.Client({
    host: p.host,
    port: p.port,
    user: p.user,
    password: p.password,
    database: p.database ?? 'postgres',
    connectionTimeoutMillis: timeout,
  });
  client.on('error', () => {
    /* idem */
  });
  try {
    await client.connect();
    await client.query("SET TIME ZONE 'UTC'");
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }
  return pgClient(client);
}

/** A client from a sandbox DSN (or any mysql:// / postgres:// DSN). */
export async function connectDsn(dsn: string, opts: { database?: string; connectTimeoutMs?: number } = {}): Promise<NodeClient> {
  const spec = parseDsn(dsn);
  const engine: SandboxEngine = spec.family === 'postgres' ? 'postgres' : 'mariadb';
  const database = opts.database ?? spec.database ?? undefined;
  return connectParts({
    engine,
    host: spec.host,
    port: spec.port,
    user: spec.user,
    password: spec.password ?? '',
    ...(database ? { database } : {}),
    ...(opts.connectTimeoutMs ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
  });
}

function mysqlClient(conn: Connection): NodeClient {
  const exec = async (sql: string, params?: Params): Promise<ExecResult> => {
    const [res] = await conn.query(sql, params as unknown[] | undefined);
    if (Array.isArray(res)) return { rows: res as SqlRow[], affected: 0 };
    return { rows: [], affected: (res as { affectedRows?: number }).affectedRows ?? 0 };
  };
  return {
    engine: 'mariadb',
    exec,
    query: async (sql, params) => (await exec(sql, params)).rows,
    close: async () => {
      await conn.end().catch(() => conn.destroy());
    },
  };
}

function pgClient(client: pg.Client): NodeClient {
  const exec = async (sql: string, params?: Params): Promise<ExecResult> => {
    const res = await client.query(sql, params as unknown[] | undefined);
    return { rows: res.rows as SqlRow[], affected: res.rowCount ?? 0 };
  };
  return {
    engine: 'postgres',
    exec,
    query: async (sql, params) => (await exec(sql, params)).rows,
    close: async () => {
      await client.end().catch(() => {});
    },
  };
}

/** Escapes a string literal for PostgreSQL DDL that cannot take parameters (CREATE ROLE ... PASSWORD). */
export function pgLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** One line of an error's text, without DSNs' passwords. */
export function errorText(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s+/g, ' ').trim().slice(0, 300);
}

/**
 * The --history DSN store: the same journal records as the file store, one row each in
 * syncpoint_history, in the database (MySQL/MariaDB) or schema (PostgreSQL, ?schema=, default
 * public) the DSN names. This is the one place syncpoint writes to a database the user named,
 * and only to that table. Rows are batched and inserted every flush (about once a second), so a
 * SIGKILL loses at most the rows not yet flushed; resume then simply re-checks those chunks.
 */
import { hostname } from 'node:os';
import { parseDsn, redactDsns, type ConnectionSpec } from '../config/dsn.js';
import { connectEngine } from '../engine/detect.js';
import type { Engine, Session } from '../engine/engine.js';
import { mysqlFamilyHistorySql } from '../engine/mysql-family/mysql-family-history-sql.js';
import { postgresHistorySql } from '../engine/postgres/postgres-history-sql.js';
import type { Sql } from '../engine/types.js';
import { messageOf, usageError } from '../errors.js';
import { decodeJson, encodeJson } from './codec.js';
import { dsnWithoutPassword } from './dsn-text.js';
import { summaryOf, type JournalRecord, type RunSummaryRecord, type StartRecord } from './records.js';
import { checkRunId } from './run-id.js';
import { isAlive, type HistoryStore, type RunListing, type RunWriter } from './store.js';

interface Dialect {
  readonly begin: string;
  readonly commit: string;
  readonly rollback: string;
  readonly ddl: string[];
  insert(rows: readonly { runId: string; seq: number; cluster: string; kind: string; body: string }[]): Sql;
  listHeads(cluster: string | null): Sql;
  readRun(runId: string): Sql;
}

const BATCH = 200;

function dialectFor(spec: ConnectionSpec, schemaParam: string | null): Dialect {
  if (spec.family === 'postgres') {
    const schema = schemaParam ?? 'public';
    const s = postgresHistorySql;
    return { begin: s.begin, commit: s.commit, rollback: s.rollback, ddl: [s.createTable(schema), s.createIndex(schema)], insert: (r) => s.insert(schema, r), listHeads: (c) => s.listHeads(schema, c), readRun: (id) => s.readRun(schema, id) };
  }
  const db = spec.database;
  if (!db) throw usageError(`--history ${redactDsns(spec.label)}: name the database for the history table in the DSN (mysql://user@host:port/DB)`);
  const s = mysqlFamilyHistorySql;
  return { begin: s.begin, commit: s.commit, rollback: s.rollback, ddl: [s.createTable(db)], insert: (r) => s.insert(db, r), listHeads: (c) => s.listHeads(db, c), readRun: (id) => s.readRun(db, id) };
}

export class SqlHistoryStore implements HistoryStore {
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly where: string,
    private readonly engine: Engine,
    private readonly session: Session,
    private readonly d: Dialect,
  ) {}

  static async open(dsn: string): Promise<SqlHistoryStore> {
    const spec = parseDsn(dsn);
    let schemaParam: string | null = null;
    try {
      schemaParam = new URL(dsn).searchParams.get('schema');
    } catch {
      /* parseDsn has already accepted it */
    }
    const d = dialectFor(spec, schemaParam);
    // Usable as a DSN again (the resume note prints it): user, host, database, TLS, schema; never the password.
    const base = dsnWithoutPassword(spec);
    const where = spec.family === 'postgres' ? `${base}${base.includes('?') ? '&' : '?'}schema=${encodeURIComponent(schemaParam ?? 'public')}` : base;
    const engine = await connectEngine(spec, { lockWaitMs: 10_000, connectTimeoutMs: 10_000, appName: 'syncpoint-history' });
    try {
      const session = await engine.session();
      const store = new SqlHistoryStore(where, engine, session, d);
      await store.write(d.ddl.map((s) => ({ sql: s, params: [] })));
      return store;
    } catch (err) {
      await engine.close().catch(() => undefined);
      throw usageError(`--history ${where}: cannot use the history table: ${messageOf(err)}`);
    }
  }

  /** One transaction; calls are serialized (one session). */
  private write(statements: Sql[]): Promise<void> {
    const run = async () => {
      await this.session.query(this.d.begin);
      try {
        for (const s of statements) await this.session.query(s);
        await this.session.query(this.d.commit);
      } catch (err) {
        await this.session.query(this.d.rollback).catch(() => undefined);
        throw err;
      }
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  private query(q: Sql): Promise<Record<string, unknown>[]> {
    const p = this.chain.then(() => this.session.query(q));
    this.chain = p.catch(() => undefined);
    return p;
  }

  async begin(start: StartRecord): Promise<RunWriter> {
    let seq = 0;
    let pending: { runId: string; seq: number; cluster: string; kind: string; body: string }[] = [];
    const row = (kind: string, rec: unknown) => ({ runId: start.runId, seq: seq++, cluster: start.cluster, kind, body: encodeJson(rec) });
    const flush = async () => {
      const rows = pending;
      pending = [];
      const statements: Sql[] = [];
      for (let i = 0; i < rows.length; i += BATCH) statements.push(this.d.insert(rows.slice(i, i + BATCH)));
      if (statements.length) await this.write(statements);
    };
    pending.push(row('start', start));
    await flush();
    return {
      append: (rec) => {
        pending.push(row(rec.type, rec));
      },
      flush,
      finish: async (end) => {
        pending.push(row('end', end), row('summary', summaryOf(start, end)));
        await flush();
      },
      abandon: flush,
    };
  }

  async list(q: { cluster?: string; limit?: number }): Promise<RunListing[]> {
    const rows = await this.query(this.d.listHeads(q.cluster ?? null));
    const starts = new Map<string, StartRecord>();
    const summaries = new Map<string, RunSummaryRecord>();
    for (const r of rows) {
      const body = decodeJson<StartRecord | RunSummaryRecord>(String(r['body']));
      if (body.type === 'start') starts.set(body.runId, body);
      else if (body.type === 'summary') summaries.set(body.runId, body);
    }
    const host = hostname();
    const out: RunListing[] = [];
    for (const [id, start] of [...starts].sort((a, b) => (a[0] < b[0] ? 1 : -1))) {
      const summary = summaries.get(id) ?? null;
      out.push({ start, summary, state: summary ? 'finished' : isAlive(start, host) ? 'running' : 'interrupted', verdict: summary?.verdict ?? null });
      if (q.limit !== undefined && out.length >= q.limit) break;
    }
    return out;
  }

  async read(runId: string): Promise<JournalRecord[]> {
    checkRunId(runId);
    const rows = await this.query(this.d.readRun(runId));
    if (rows.length === 0) throw usageError(`no run ${runId} in the history at ${this.where}`);
    return rows.filter((r) => r['kind'] !== 'summary').map((r) => decodeJson<JournalRecord>(String(r['body'])));
  }

  async close(): Promise<void> {
    await this.chain;
    await this.session.close().catch(() => undefined);
    await this.engine.close().catch(() => undefined);
  }
}

/**
 * SQL of the --history DSN store on PostgreSQL: one table, one row per journal record, in the
 * schema the DSN names (?schema=, default public). Engine sessions are read-only by default, so
 * writes go inside BEGIN READ WRITE.
 */
import type { Sql } from '../types.js';
import { quoteIdent } from './postgres-sql.js';

export const HISTORY_TABLE = 'syncpoint_history';

const t = (schema: string) => `${quoteIdent(schema)}.${quoteIdent(HISTORY_TABLE)}`;

export const postgresHistorySql = {
  begin: 'BEGIN READ WRITE',
  commit: 'COMMIT',
  rollback: 'ROLLBACK',
  createTable: (schema: string): string =>
    `CREATE TABLE IF NOT EXISTS ${t(schema)} (
  run_id varchar(40) NOT NULL,
  seq integer NOT NULL,
  cluster varchar(255) NOT NULL,
  kind varchar(16) NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  body text NOT NULL,
  PRIMARY KEY (run_id, seq)
)`,
  createIndex: (schema: string): string =>
    `CREATE INDEX IF NOT EXISTS ${quoteIdent(`${HISTORY_TABLE}_cluster`)} ON ${t(schema)} (cluster, kind, run_id)`,
  insert: (schema: string, rows: readonly { runId: string; seq: number; cluster: string; kind: string; body: string }[]): Sql => ({
    sql: `INSERT INTO ${t(schema)} (run_id, seq, cluster, kind, body) VALUES ${rows.map((_, i) => `($${i * 5 + 1}, $${i * 5 + 2}, $${i * 5 + 3}, $${i * 5 + 4}, $${i * 5 + 5})`).join(', ')}`,
    params: rows.flatMap((r) => [r.runId, r.seq, r.cluster, r.kind, r.body]),
  }),
  listHeads: (schema: string, cluster: string | null): Sql => ({
    sql: `SELECT run_id, kind, body FROM ${t(schema)} WHERE kind IN ('start', 'summary')${cluster !== null ? ' AND cluster = $1' : ''} ORDER BY run_id DESC, seq`,
    params: cluster !== null ? [cluster] : [],
  }),
  readRun: (schema: string, runId: string): Sql => ({
    sql: `SELECT kind, body FROM ${t(schema)} WHERE run_id = $1 ORDER BY seq`,
    params: [runId],
  }),
};

/**
 * SQL of the --history DSN store on MySQL and MariaDB: one table, one row per journal record,
 * in the database the DSN names. LONGTEXT because a run's end record holds its whole result.
 */
import type { Sql } from '../types.js';
import { quoteIdent } from './mysql-family-sql.js';

export const HISTORY_TABLE = 'syncpoint_history';

const t = (db: string) => `${quoteIdent(db)}.${quoteIdent(HISTORY_TABLE)}`;

export const mysqlFamilyHistorySql = {
  begin: 'START TRANSACTION',
  commit: 'COMMIT',
  rollback: 'ROLLBACK',
  createTable: (db: string): string =>
    `CREATE TABLE IF NOT EXISTS ${t(db)} (
  run_id VARCHAR(40) NOT NULL,
  seq INT NOT NULL,
  cluster VARCHAR(255) NOT NULL,
  kind VARCHAR(16) NOT NULL,
  recorded_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  body LONGTEXT NOT NULL,
  PRIMARY KEY (run_id, seq),
  KEY syncpoint_history_cluster (cluster, kind, run_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
  insert: (db: string, rows: readonly { runId: string; seq: number; cluster: string; kind: string; body: string }[]): Sql => ({
    sql: `INSERT INTO ${t(db)} (run_id, seq, cluster, kind, body) VALUES ${rows.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
    params: rows.flatMap((r) => [r.runId, r.seq, r.cluster, r.kind, r.body]),
  }),
  /** Start and summary rows, newest runs first; the caller groups them by run. */
  listHeads: (db: string, cluster: string | null): Sql => ({
    sql: `SELECT run_id, kind, body FROM ${t(db)} WHERE kind IN ('start', 'summary')${cluster !== null ? ' AND cluster = ?' : ''} ORDER BY run_id DESC, seq`,
    params: cluster !== null ? [cluster] : [],
  }),
  readRun: (db: string, runId: string): Sql => ({
    sql: `SELECT kind, body FROM ${t(db)} WHERE run_id = ? ORDER BY seq`,
    params: [runId],
  }),
};

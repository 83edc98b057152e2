import { describe, expect, it } from 'vitest';
import { mysqlFamilyHistorySql } from '../../../src/engine/mysql-family/mysql-family-history-sql.js';
import { postgresHistorySql } from '../../../src/engine/postgres/postgres-history-sql.js';

const rows = [
  { runId: 'r1', seq: 0, cluster: 'c', kind: 'start', body: '{}' },
  { runId: 'r1', seq: 1, cluster: 'c', kind: 'chunk', body: '{"a":1}' },
];

describe('history table SQL', () => {
  it('MySQL family: quoted database, one placeholder per value', () => {
    const q = mysqlFamilyHistorySql.insert('my`db', rows);
    expect(q.sql).toBe('INSERT INTO `my``db`.`syncpoint_history` (run_id, seq, cluster, kind, body) VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)');
    expect(q.params).toEqual(['r1', 0, 'c', 'start', '{}', 'r1', 1, 'c', 'chunk', '{"a":1}']);
    expect(mysqlFamilyHistorySql.createTable('ops')).toMatch(/^CREATE TABLE IF NOT EXISTS `ops`\.`syncpoint_history`/);
    expect(mysqlFamilyHistorySql.listHeads('ops', 'c')).toEqual({ sql: expect.stringContaining("kind IN ('start', 'summary') AND cluster = ?"), params: ['c'] });
  });

  it('PostgreSQL: quoted schema, numbered placeholders, writes inside READ WRITE', () => {
    const q = postgresHistorySql.insert('Ops"x', rows);
    expect(q.sql).toBe('INSERT INTO "Ops""x"."syncpoint_history" (run_id, seq, cluster, kind, body) VALUES ($1, $2, $3, $4, $5), ($6, $7, $8, $9, $10)');
    expect(q.params).toHaveLength(10);
    expect(postgresHistorySql.begin).toBe('BEGIN READ WRITE');
    expect(postgresHistorySql.readRun('public', 'r1')).toEqual({ sql: 'SELECT kind, body FROM "public"."syncpoint_history" WHERE run_id = $1 ORDER BY seq', params: ['r1'] });
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mysqlFamilyRowSql } from '../../../src/engine/mysql-family/mysql-family-row-sql.js';
import { literal, postgresRowSql } from '../../../src/engine/postgres/postgres-row-sql.js';
import type { ColumnInfo, TableInfo } from '../../../src/engine/types.js';
import { comment } from '../../../src/pipeline/repair/run-repair.js';
import { driftHints, readCheckResult, reviveRange, uncheckedPairs } from '../../../src/pipeline/diff/from-check.js';
import type { CheckResult } from '../../../src/pipeline/report/check-result.js';
import { readDiffResult } from '../../../src/pipeline/repair/from-diff.js';

const col = (name: string, dataType: string, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({
  name, ordinal: 1, dataType, columnType: dataType, nullable: true, generated: 'no', charset: null, collation: null, ...extra,
});

function table(columns: ColumnInfo[], key: string[]): TableInfo {
  return {
    schema: 'd', name: 't', qualified: 'd.t', engine: 'InnoDB', transactional: true, unlogged: false, columns,
    indexes: [{ name: 'PRIMARY', columns: key, unique: true, primary: true, allNotNull: true }], rowEstimate: 0, dataBytes: 0, collation: null,
  };
}

describe('MySQL-family row SQL', () => {
  const id = col('id', 'int', { columnType: 'int(11)', nullable: false });
  const s = col('s', 'varchar', { columnType: 'varchar(10)', charset: 'utf8mb4', collation: 'utf8mb4_general_ci' });
  const gen = col('g', 'int', { generated: 'stored' });
  const t = table([id, s, gen], ['id']);

  it('orders a numeric key by value and a text key by its bytes, never by the collation', () => {
    const q = mysqlFamilyRowSql.rowPage({ table: t, key: [id, s], range: { lower: [5, '6B31'], upper: null }, offset: 200, limit: 200, showValues: false });
    expect(q.sql).toMatch(/ORDER BY `id`, CAST\(`s` AS BINARY\) LIMIT 200 OFFSET 200$/);
    expect(q.sql).toContain('HEX(CAST(`s` AS BINARY)) AS o1');
    expect(q.params).toEqual([5, 5, '6B31']);
  });

  it('binds key values exactly in statements meant to be read and run as they are', () => {
    expect(mysqlFamilyRowSql.deleteByKey(t, [id, s], ['7', "6B27"])).toBe(
      "DELETE FROM `d`.`t` WHERE `id` = CAST('7' AS SIGNED) AND `s` = CONVERT(UNHEX('6B27') USING utf8mb4) COLLATE utf8mb4_general_ci",
    );
  });

  it('upserts every column but generated ones with REPLACE (key bytes and swapped unique values too)', () => {
    const sql = mysqlFamilyRowSql.upsert(t, [id], ['1', "CONVERT(X'61' USING utf8mb4)"]);
    expect(sql).toBe("REPLACE INTO `d`.`t` (`id`, `s`) VALUES (1, CONVERT(X'61' USING utf8mb4))");
    expect(() => mysqlFamilyRowSql.upsert(t, [id], ['1'])).toThrow(/2 column\(s\) but 1 literal/);
  });

  it('primary rewrite: the primary\'s row -> upsert, no row there -> delete by key', () => {
    expect(mysqlFamilyRowSql.primaryRewrite(t, [id], [3], ['3', 'NULL'], 'extra')).toEqual({ statements: [expect.stringMatching(/^REPLACE INTO/)] });
    expect(mysqlFamilyRowSql.primaryRewrite(t, [id], [3], null, 'changed')).toEqual({ statements: [expect.stringMatching(/^DELETE FROM/)] });
    // Foreign keys neither checked nor cascaded, on the primary and (carried by the statement) the replica.
    expect(mysqlFamilyRowSql.primaryWriteSetup(t)).toEqual(["SET SESSION binlog_format = 'STATEMENT'", 'SET SESSION foreign_key_checks = 0', 'USE `d`']);
    expect(mysqlFamilyRowSql.replicaWriteSetup()).toEqual(['SET SESSION sql_log_bin = 0', 'SET SESSION foreign_key_checks = 0']);
  });

  it('reads many rows by key in one statement, each with its key as row pages encode it', () => {
    const q = mysqlFamilyRowSql.rowsLiterals(t, [id, s], [[1, '61'], [2, '62']]);
    expect(q.sql).toMatch(/^SELECT `id` AS k0, HEX\(`s`\) AS k1, .* AS l0, .* AS l1 FROM `d`\.`t` WHERE \(`id` = CAST\(1 AS SIGNED\) AND `s` = CONVERT\(UNHEX\('61'\) USING utf8mb4\) COLLATE utf8mb4_general_ci\) OR \(`id` = CAST\(2 AS SIGNED\)/);
    expect(mysqlFamilyRowSql.parseKeyedLiterals({ k0: 1, k1: '61', l0: '1', l1: 'NULL' }, t, [id, s])).toEqual({ keyValues: [1, '61'], literals: ['1', 'NULL'] });
  });

  it('refuses a malformed row hash instead of building SQL from it', () => {
    expect(() => mysqlFamilyRowSql.deleteByHash(t, "x' OR 1=1 --", 1)).toThrow(/not a row hash/);
    expect(() => mysqlFamilyRowSql.countByHash(t, "x' OR 1=1 --")).toThrow(/not a row hash/);
  });

  it('counts the copies of one content under the alias the dialect reads counts by', () => {
    const q = mysqlFamilyRowSql.countByHash(t, 'ab'.repeat(20)).sql;
    expect(q).toMatch(/^SELECT COUNT\(\*\) AS row_count FROM `d`\.`t` WHERE UNHEX\(SHA1\(.*\)\) = X'(AB){20}'$/);
  });
});

describe('PostgreSQL row SQL', () => {
  const id = col('id', 'int4', { columnType: 'integer', nullable: false });
  const b = col('b', 'bytea');
  const t = table([id, b], ['id']);

  it('counts the copies of one content under the alias the dialect reads counts by; refuses a malformed hash', () => {
    expect(postgresRowSql.countByHash(t, 'ab'.repeat(16)).sql).toBe(`SELECT count(*) AS n FROM "d"."t" AS t WHERE md5(ROW(t."id", t."b")::text) = '${'ab'.repeat(16)}'`);
    expect(() => postgresRowSql.countByHash(t, "x' OR 1=1 --")).toThrow(/not a row hash/);
  });

  it('rows of another key holding a unique value the written row has: every other unique index, NULLs never collide', () => {
    const u = col('u', 'text', { columnType: 'text' });
    const v = col('v', 'int4', { columnType: 'integer' });
    const w = col('w', 'text', { columnType: 'text' });
    const tu = { ...table([id, u, v, w], ['id']), indexes: [
      { name: 't_pkey', columns: ['id'], unique: true, primary: true, allNotNull: true },
      { name: 't_u_key', columns: ['u'], unique: true, primary: false, allNotNull: true },
      { name: 't_vw_key', columns: ['v', 'w'], unique: true, primary: false, allNotNull: false },
      { name: 't_v_idx', columns: ['v'], unique: false, primary: false, allNotNull: false },
    ] };
    expect(postgresRowSql.uniqueHolders(tu, [id], [7], ["'7'::integer", "'x'::text", "'1'::integer", "'y'::text"])!.sql).toBe(
      `SELECT count(*) AS n FROM "d"."t" AS t WHERE ((t."u" = 'x'::text) OR (t."v" = '1'::integer AND t."w" = 'y'::text)) AND NOT (t."id" = '7'::integer)`,
    );
    // The (v, w) index holds a NULL: it cannot collide.
    expect(postgresRowSql.uniqueHolders(tu, [id], [7], ["'7'::integer", "'x'::text", "'1'::integer", 'NULL'])!.sql).not.toContain('t."v"');
    expect(postgresRowSql.uniqueHolders(table([id, b], ['id']), [id], [7], ["'7'::integer", 'NULL'])).toBeNull();
    expect(postgresRowSql.upsertClearsUniqueHolders).toBe(false);
    // The replica path deletes the same rows right before its write, as REPLACE would.
    expect(postgresRowSql.deleteUniqueHolders(tu, [id], [7], ["'7'::integer", "'x'::text", "'1'::integer", 'NULL'])).toBe(
      `DELETE FROM "d"."t" AS t WHERE ((t."u" = 'x'::text)) AND NOT (t."id" = '7'::integer)`,
    );
    expect(postgresRowSql.deleteUniqueHolders(table([id, b], ['id']), [id], [7], ["'7'::integer", 'NULL'])).toBeNull();
    expect(mysqlFamilyRowSql.deleteUniqueHolders(tu, [id], [7], [])).toBeNull();
  });

  it('writes string literals that read back the same whatever standard_conforming_strings says', () => {
    expect(literal("it's")).toBe("'it''s'");
    expect(literal('a\\b')).toBe("E'a\\\\b'");
    expect(() => literal('a\u0000')).toThrow(/NUL/);
  });

  it('casts key text back to the column type; bytes as \\x hex', () => {
    expect(postgresRowSql.deleteByKey(t, [b], [Buffer.from([0, 255])])).toBe(`DELETE FROM "d"."t" AS t WHERE t."b" = E'\\\\x00ff'::bytea`);
    expect(postgresRowSql.deleteByKey(t, [id], ['42'])).toBe(`DELETE FROM "d"."t" AS t WHERE t."id" = '42'::integer`);
  });

  it('primary rewrite: UPDATE for a changed row, delete + insert for a missing one, refusal for an extra one', () => {
    const changed = postgresRowSql.primaryRewrite(t, [id], ['1'], ["'1'::integer", "'\\x00'::bytea"], 'changed');
    expect(changed).toEqual({ statements: [`UPDATE "d"."t" AS t SET "b" = '\\x00'::bytea WHERE t."id" = '1'::integer`] });
    const missing = postgresRowSql.primaryRewrite(t, [id], ['1'], ["'1'::integer", 'NULL'], 'missing');
    expect('statements' in missing && missing.statements).toEqual([
      'SET LOCAL session_replication_role = replica',
      `DELETE FROM "d"."t" AS t WHERE t."id" = '1'::integer`,
      `INSERT INTO "d"."t" ("id", "b") OVERRIDING SYSTEM VALUE VALUES ('1'::integer, NULL)`,
    ]);
    expect(postgresRowSql.primaryRewrite(t, [id], ['1'], null, 'extra')).toEqual({ refused: expect.stringMatching(/--apply replica/) });
  });

  it('never SETs a GENERATED ALWAYS identity column (UPDATE may only set it to DEFAULT); one outside the key makes the row deleted and inserted', () => {
    const gid = col('id', 'int8', { columnType: 'bigint', nullable: false, identityAlways: true });
    const n = col('n', 'int8', { columnType: 'bigint', nullable: false, identityAlways: true });
    const v = col('v', 'text', { columnType: 'text' });
    const keyed = table([gid, v], ['id']);
    expect(postgresRowSql.upsert(keyed, [gid], ["'1'::bigint", "'a'::text"])).toBe(
      `INSERT INTO "d"."t" ("id", "v") OVERRIDING SYSTEM VALUE VALUES ('1'::bigint, 'a'::text) ON CONFLICT ("id") DO UPDATE SET "v" = EXCLUDED."v"`,
    );
    expect(postgresRowSql.upsertRewritesRow(keyed, [gid])).toBe(true);
    expect(postgresRowSql.upsert(table([gid], ['id']), [gid], ["'1'::bigint"])).toMatch(/ON CONFLICT \("id"\) DO NOTHING$/);
    const natural = table([v, n], ['v']);
    expect(postgresRowSql.upsertRewritesRow(natural, [v])).toBe(false);
    expect(postgresRowSql.upsertRewritesRow(natural, [v, n])).toBe(true);
    expect(postgresRowSql.primaryRewrite(keyed, [gid], ['1'], ["'1'::bigint", "'a'::text"], 'changed')).toEqual({
      statements: [`UPDATE "d"."t" AS t SET "v" = 'a'::text WHERE t."id" = '1'::bigint`],
    });
    // Nothing but the identity column to SET: the row is deleted and inserted.
    const rw = postgresRowSql.primaryRewrite(natural, [v], ["x"], ["'x'::text", "'5'::bigint"], 'changed');
    expect('statements' in rw && rw.statements.slice(1)).toEqual([`DELETE FROM "d"."t" AS t WHERE t."v" = 'x'::text`, `INSERT INTO "d"."t" ("v", "n") OVERRIDING SYSTEM VALUE VALUES ('x'::text, '5'::bigint)`]);
  });

  it('orders numeric keys by value and others by UTF-8 bytes', () => {
    const q = postgresRowSql.rowPage({ table: t, key: [id, b], range: { lower: null, upper: ['9', '\\x01'] }, offset: 0, limit: 10, showValues: true });
    expect(q.sql).toMatch(/ORDER BY t\."id", convert_to\(t\."b"::text, 'UTF8'\) LIMIT 10 OFFSET 0$/);
    expect(q.sql).toContain('left(t."b"::text, 65) AS v1');
  });
});

describe('reading check and diff results', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sp-diff-unit-'));
  const file = (name: string, body: string) => {
    const p = join(dir, name);
    writeFileSync(p, body);
    return p;
  };

  it('refuses files that are not what they claim, naming the file', () => {
    expect(() => readCheckResult(file('a.json', '{"schemaVersion":1,"command":"risks"}'))).toThrow(/a\.json: not a check result/);
    expect(() => readCheckResult(file('b.json', 'nope'))).toThrow(/b\.json: not JSON/);
    expect(() => readCheckResult(join(dir, 'missing.json'))).toThrow(/missing\.json: cannot read it \(ENOENT\)/);
    expect(() => readDiffResult(file('c.json', '{"schemaVersion":1,"command":"diff","primary":"h:1","rows":[{"table":"d.t"}]}'))).toThrow(/rows\[0\] is not a diff row/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a check result: drifting pairs with their ranges (the whole table where the rest was not compared); pairs in error or skipped are unchecked, never consistent', () => {
    const base = { schemaVersion: 1, command: 'check', verdict: 'incomplete', primary: 'p:1', replicas: ['r:1'], durationMs: 1, notes: [] } as const;
    const t = (table: string, status: string, reason?: string) => ({ table, replica: 'r:1', status, primaryRows: 1, replicaRows: 1, chunks: 1, driftChunks: status === 'drift' ? 1 : 0, durationMs: 1, driftRanges: [{ lower: null, upper: [10], primaryRows: 1, replicaRows: 1 }], ...(reason ? { reason } : {}) });
    const r = { ...base, tables: [t('d.a', 'drift', '1 of 3 chunk(s) differ'), t('d.b', 'drift', '1 of 1 chunk(s) differ; the rest was skipped: locked'), t('d.c', 'error', 'not checked: interrupted'), t('d.d', 'skipped', 'rows locked'), t('d.e', 'ok')] } as unknown as CheckResult;
    const hints = driftHints(r);
    expect([...hints.keys()].map((k) => k.split('\u0000')[0])).toEqual(['d.a', 'd.b']);
    expect(hints.get('d.a\u0000r:1')!.ranges).toEqual([{ lower: null, upper: [10] }]);
    expect(hints.get('d.b\u0000r:1')!.ranges).toBeNull();
    // A check that stopped: any drifting table may be partly compared.
    expect(driftHints({ ...r, error: 'stopped at --max-runtime 60s' } as CheckResult).get('d.a\u0000r:1')!.ranges).toBeNull();
    expect(uncheckedPairs(r)).toEqual([
      { table: 'd.c', replica: 'r:1', reason: 'not checked: interrupted' },
      { table: 'd.d', replica: 'r:1', reason: 'rows locked' },
    ]);
  });

  it('turns a JSON-encoded bytea boundary back into bytes, and rejects a key of another width', () => {
    const k = [col('b', 'bytea')];
    expect(reviveRange({ lower: ['0x00ff'], upper: null }, k, 'postgres').lower).toEqual([Buffer.from([0, 255])]);
    expect(reviveRange({ lower: ['0x00ff'], upper: null }, k, 'mysql-family').lower).toEqual(['0x00ff']);
    expect(() => reviveRange({ lower: [1, 2], upper: null }, k, 'postgres')).toThrow(/table changed since the check/);
  });
});

describe('repair script comments', () => {
  it('a name holding a line break stays inside its comment line', () => {
    const line = comment('trigger `x\nDROP TABLE rv.p;#` fires\r\u2028on UPDATE');
    expect(line.split(/\r|\n|\u2028/)).toHaveLength(1);
    expect(line).toBe('-- trigger `x DROP TABLE rv.p;#` fires  on UPDATE');
  });
});

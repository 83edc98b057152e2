/**
 * Chunk ranges on one-column integer keys, cut by arithmetic while the keys are dense and by
 * boundary queries once they turn sparse (src/pipeline/checksum/range-source.ts), on real servers:
 * a drifting row at the first key, the last key, both sides of a gap that turns the arithmetic
 * off, negative keys and the type's largest value must each be found, in many small chunks, and
 * identical tables must stay ok.
 */
import { describe, expect, it } from 'vitest';
import { execOnNode, type SandboxEngine } from '../../src/sandbox/index.js';
import { ENGINES, type SandboxHandle } from '../support/topology.js';
import { checkReplica, loadTables, replicaSandbox } from '../support/replica-check.js';

interface Case {
  readonly ddl: string[];
  readonly fill: string[];
  /** Table name -> statements run on the replica only. */
  readonly drift: Record<string, string[]>;
}

const MARIA: Case = {
  ddl: [
    'CREATE DATABASE kr',
    'CREATE TABLE kr.gap (id BIGINT PRIMARY KEY, v INT NOT NULL)',
    'CREATE TABLE kr.neg (id INT PRIMARY KEY, v INT NOT NULL)',
    'CREATE TABLE kr.top (id BIGINT UNSIGNED PRIMARY KEY, v INT NOT NULL)',
    'CREATE TABLE kr.clean (id INT PRIMARY KEY, v INT NOT NULL)',
  ],
  fill: [
    // 1..4000, then nothing up to 20000, then 20001..24000: a third of the span holds rows.
    'INSERT INTO kr.gap SELECT seq, seq % 97 FROM kr.seq_1_to_4000',
    'INSERT INTO kr.gap SELECT 20000 + seq, seq % 89 FROM kr.seq_1_to_4000',
    'INSERT INTO kr.neg SELECT -seq, seq % 7 FROM kr.seq_1_to_5000',
    'INSERT INTO kr.top SELECT 18446744073709551615 - seq + 1, seq % 5 FROM kr.seq_1_to_5000',
    'INSERT INTO kr.clean SELECT seq, seq FROM kr.seq_1_to_5000',
    'ANALYZE TABLE kr.gap, kr.neg, kr.top, kr.clean',
  ],
  drift: {
    gap: ['UPDATE kr.gap SET v = v + 1 WHERE id IN (1, 3999, 20002, 24000)'],
    neg: ['UPDATE kr.neg SET v = v + 1 WHERE id IN (-5000, -1)'],
    top: ['DELETE FROM kr.top WHERE id = 18446744073709551615'],
  },
};

const PG: Case = {
  ddl: [
    'CREATE SCHEMA kr',
    'CREATE TABLE kr.gap (id int8 PRIMARY KEY, v int NOT NULL)',
    'CREATE TABLE kr.neg (id int4 PRIMARY KEY, v int NOT NULL)',
    'CREATE TABLE kr.top (id int8 PRIMARY KEY, v int NOT NULL)',
    'CREATE TABLE kr.clean (id int4 PRIMARY KEY, v int NOT NULL)',
  ],
  fill: [
    'INSERT INTO kr.gap SELECT n, n % 97 FROM generate_series(1, 4000) n',
    'INSERT INTO kr.gap SELECT 20000 + n, n % 89 FROM generate_series(1, 4000) n',
    'INSERT INTO kr.neg SELECT -n, n % 7 FROM generate_series(1, 5000) n',
    'INSERT INTO kr.top SELECT 9223372036854775807 - n + 1, n % 5 FROM generate_series(1, 5000) n',
    'INSERT INTO kr.clean SELECT n, n FROM generate_series(1, 5000) n',
    'ANALYZE',
  ],
  drift: {
    gap: ['UPDATE kr.gap SET v = v + 1 WHERE id IN (1, 3999, 20002, 24000)'],
    neg: ['UPDATE kr.neg SET v = v + 1 WHERE id IN (-5000, -1)'],
    top: ['DELETE FROM kr.top WHERE id = 9223372036854775807'],
  },
};

interface CheckJson {
  verdict: string;
  tables: { table: string; status: string; chunks: number; driftChunks: number; reason?: string }[];
}

/** A tiny time target: chunks of the sizer's smallest size (100 rows), so each table has dozens. */
const check = (sb: SandboxHandle, replica: string) => checkReplica<CheckJson>(sb, replica, ['--databases', 'kr', '--chunk-time', '0.0001']);

function keyRangeSuite(engine: SandboxEngine): void {
  const c = engine === 'mariadb' ? MARIA : PG;
  const { sb, replica } = replicaSandbox(engine);

  it('identical tables are consistent, in many small chunks', async () => {
    await loadTables(sb, c.ddl, c.fill);
    const r = check(sb, replica);
    expect(r.verdict, JSON.stringify(r.tables.filter((t) => t.status !== 'ok'))).toBe('consistent');
    for (const t of r.tables) expect(t.chunks, t.table).toBeGreaterThan(10);
  }, 300_000);

  it('a drifting row at either end, on both sides of a gap, at negative keys and at the largest key is found', async () => {
    await execOnNode(sb.info, replica, Object.values(c.drift).flat());
    const r = check(sb, replica);
    expect(r.verdict).toBe('drift');
    const entry = (t: string) => r.tables.find((x) => x.table === `kr.${t}`);
    expect(entry('gap')?.driftChunks, entry('gap')?.reason).toBe(4);
    expect(entry('neg')?.driftChunks, entry('neg')?.reason).toBe(2);
    expect(entry('top')?.status).toBe('drift');
    expect(entry('top')?.driftChunks).toBe(1);
    expect(entry('clean')?.status).toBe('ok');
  }, 300_000);
}

for (const engine of ENGINES) describe(`chunk ranges on integer keys, ${engine}`, () => keyRangeSuite(engine));

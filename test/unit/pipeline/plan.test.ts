import { describe, expect, it } from 'vitest';
import { displayName, type ColumnInfo, type IndexInfo, type TableInfo } from '../../../src/engine/types.js';
import { ChunkSizer, firstChunkRows } from '../../../src/pipeline/plan/chunk-sizer.js';
import { chooseKey } from '../../../src/pipeline/plan/choose-key.js';
import { compareTableSchema } from '../../../src/pipeline/plan/compare-schema.js';
import { planTables } from '../../../src/pipeline/plan/plan-tables.js';
import { selectTables, splitTablePattern } from '../../../src/pipeline/plan/table-filter.js';
import { SyncpointError } from '../../../src/errors.js';

function col(name: string, type = 'int', nullable = false, ordinal = 1): ColumnInfo {
  return { name, ordinal, dataType: type.replace(/\(.*/, ''), columnType: type, nullable, generated: 'no', charset: null, collation: null };
}
function table(schema: string, name: string, columns: ColumnInfo[], indexes: IndexInfo[] = []): TableInfo {
  return { schema, name, qualified: `${schema}.${name}`, engine: 'InnoDB', transactional: true, unlogged: false, columns, indexes, rowEstimate: 10, dataBytes: 0, collation: null };
}

describe('table filters', () => {
  const all = [table('shop', 'orders', []), table('shop', 'items', []), table('crm', 'orders', []), table('a.b', 'c d', [])];
  it('filters by database, table, ignore lists and wildcards', () => {
    expect(selectTables(all, { databases: ['shop'] }, 'p').map((t) => t.name)).toEqual(['orders', 'items']);
    expect(selectTables(all, { tables: ['orders'] }, 'p').map((t) => t.schema)).toEqual(['shop', 'crm']);
    expect(selectTables(all, { tables: ['shop.*'], ignoreTables: ['items'] }, 'p').map((t) => t.name)).toEqual(['orders']);
    expect(selectTables(all, { ignoreDatabases: ['sh*'] }, 'p').map((t) => t.schema)).toEqual(['crm', 'a.b']);
    expect(selectTables(all, { tables: ['`a.b`.c d'] }, 'p')).toHaveLength(1);
  });
  it('an explicit table or database that does not exist is a configuration error', () => {
    expect(() => selectTables(all, { tables: ['shop.nope'] }, 'p')).toThrow(SyncpointError);
    expect(() => selectTables(all, { databases: ['nodb'] }, 'p')).toThrow(/nodb/);
    // Wildcards that select nothing at all: nothing would be checked, and "consistent" said of it.
    expect(() => selectTables(all, { tables: ['shop.no*'] }, 'p')).toThrow(/selects no table \(--tables shop.no\*\); 4 table\(s\) are visible/);
    expect(() => selectTables(all, { databases: ['x*'] }, 'p')).toThrow(SyncpointError);
    expect(() => selectTables(all, { ignoreDatabases: ['*'] }, 'p')).toThrow(/--ignore-databases \*/);
    // One wildcard matching nothing among others that match is fine.
    expect(selectTables(all, { tables: ['shop.no*', 'shop.orders'] }, 'p').map((t) => t.name)).toEqual(['orders']);
    // A server where the user sees no table at all: nothing to check is not "consistent" either.
    expect(() => selectTables([], { tables: ['shop.no*'] }, 'p')).toThrow(/no table to check: none is visible on this server \(filter --tables shop.no\*\) \(the user needs SELECT/);
    expect(() => selectTables([], {}, 'p')).toThrow(/no table to check: none is visible on this server \(the user needs SELECT/);
    // Unless the caller accounts for an empty selection itself (a fleet-wide filter).
    expect(selectTables(all, { tables: ['shop.no*'] }, 'p', { mayBeEmpty: true })).toEqual([]);
  });
  it('splits quoted qualified names', () => {
    expect(splitTablePattern('"my.schema"."t"')).toEqual({ schema: 'my.schema', table: 't' });
    expect(splitTablePattern('plain')).toEqual({ schema: null, table: 'plain' });
  });
});

describe('chooseKey', () => {
  it('prefers the primary key, else the narrowest unique NOT NULL index', () => {
    const cols = [col('a'), col('b'), col('c', 'int', true)];
    const pk: IndexInfo = { name: 'PRIMARY', columns: ['a', 'b'], unique: true, primary: true, allNotNull: true };
    const uk: IndexInfo = { name: 'uk', columns: ['b'], unique: true, primary: false, allNotNull: true };
    const nullable: IndexInfo = { name: 'uc', columns: ['c'], unique: true, primary: false, allNotNull: false };
    expect(chooseKey(table('s', 't', cols, [uk, pk]))?.index).toBe('PRIMARY');
    expect(chooseKey(table('s', 't', cols, [nullable, uk]))?.columns.map((c) => c.name)).toEqual(['b']);
    expect(chooseKey(table('s', 't', cols, [nullable]))).toBeNull();
  });
  it('no key with a FLOAT(M,D)/DOUBLE(M,D) column (compared at D decimals, stored in full after an instant ALTER)', () => {
    const pk: IndexInfo = { name: 'PRIMARY', columns: ['x'], unique: true, primary: true, allNotNull: true };
    const uk: IndexInfo = { name: 'uk', columns: ['id'], unique: true, primary: false, allNotNull: true };
    expect(chooseKey(table('s', 't', [col('x', 'double(10,2)'), col('id')], [pk, uk]))?.index).toBe('uk');
    expect(chooseKey(table('s', 't', [col('x', 'float(7,3)')], [pk]))).toBeNull();
    expect(chooseKey(table('s', 't', [col('x', 'double')], [pk]))?.index).toBe('PRIMARY');
  });
});

describe('compareTableSchema', () => {
  const p = table('s', 't', [col('id'), col('name', 'varchar(20)', true, 2)]);
  it('missing table, extra and missing columns, type changes are reasons', () => {
    expect(compareTableSchema(p, undefined)).toEqual({ ok: false, reason: 'table missing on replica' });
    const extra = compareTableSchema(p, table('s', 't', [...p.columns, col('x', 'int', true, 3)]));
    expect(extra.ok === false && extra.reason).toContain('extra column on replica: x');
    const typ = compareTableSchema(p, table('s', 't', [col('id'), col('name', 'varchar(30)', true, 2)]));
    expect(typ.ok === false && typ.reason).toContain('name varchar(20) vs varchar(30)');
  });
  it('column order: a difference where replication maps columns by position (MySQL family), not where it maps them by name (PostgreSQL)', () => {
    const reordered = table('s', 't', [col('name', 'varchar(20)', true, 1), col('id', 'int', false, 2)]);
    expect(compareTableSchema(p, reordered)).toEqual({ ok: false, reason: 'column order differs' });
    expect(compareTableSchema(p, reordered, { columnOrderMatters: false })).toEqual({ ok: true });
  });
  it('integer display width is not a difference', () => {
    expect(compareTableSchema(table('s', 't', [col('id', 'int(11)')]), table('s', 't', [col('id', 'int')])).ok).toBe(true);
  });
  it("ENUM/SET members differing only in case are a difference (the hash carries member numbers); the type name's case is not", () => {
    const v = compareTableSchema(table('s', 't', [col('e', "enum('A','B')")]), table('s', 't', [col('e', "enum('a','b')")]));
    expect(v.ok === false && v.reason).toContain("e enum('A','B') vs enum('a','b')");
    expect(compareTableSchema(table('s', 't', [col('e', "ENUM('A','B')")]), table('s', 't', [col('e', "enum('A','B')")])).ok).toBe(true);
    expect(compareTableSchema(table('s', 't', [col('s', "set('x','Y')")]), table('s', 't', [col('s', "set('x','y')")])).ok).toBe(false);
  });
  it('year(4) vs year (MySQL 8.0.19+ prints no width) is not a difference', () => {
    expect(compareTableSchema(table('s', 't', [col('y', 'year(4)')]), table('s', 't', [col('y', 'year')])).ok).toBe(true);
  });
  it('a chunk key column nullable on the replica only is a reason: a NULL there would fall outside every chunk range', () => {
    const key = [col('id')];
    const loose = table('s', 't', [col('id', 'int', true), col('name', 'varchar(20)', true, 2)]);
    const v = compareTableSchema(p, loose, { key });
    expect(v.ok === false && v.reason).toContain('key column id NOT NULL on the primary but nullable on the replica');
    // Without a key (read whole) or for a non-key column it changes nothing stored.
    expect(compareTableSchema(p, loose).ok).toBe(true);
  });
  it('a key collated differently is a reason where bounds compare in each server\'s collation (PostgreSQL)', () => {
    const withColl = (c: string) => table('s', 't', [{ ...col('k', 'text'), collation: c }]);
    const key = withColl('en_US.UTF-8').columns;
    const v = compareTableSchema(withColl('en_US.UTF-8'), withColl('C'), { key, keyCollationMatters: true });
    expect(v.ok === false && v.reason).toContain('key collation differs (chunk ranges would hold different rows on each side): k en_US.UTF-8 vs C');
    // The MySQL family binds bounds with the primary's collation: not a reason there.
    expect(compareTableSchema(withColl('utf8mb4_general_ci'), withColl('utf8mb4_0900_ai_ci'), { key: withColl('utf8mb4_general_ci').columns }).ok).toBe(true);
    // An ICU default against a libc one is a reason; the same ICU locale spelled by 15 and by 16+ is not.
    expect(compareTableSchema(withColl('icu:en'), withColl('C'), { key: withColl('icu:en').columns, keyCollationMatters: true }).ok).toBe(false);
    expect(compareTableSchema(withColl('icu:en_US'), withColl('icu:en-US'), { key: withColl('icu:en_US').columns, keyCollationMatters: true }).ok).toBe(true);
  });
  /** Pins a false row list: diff named rows of identical text 'changed' when a column was latin1 on one side and utf8mb4 on the other. */
  it('a column in another character set is a reason; utf8, utf8mb3 and utf8mb4 (the same bytes for the same text) are one', () => {
    const withCs = (cs: string) => table('s', 't', [col('id'), { ...col('v', 'varchar(20)', true, 2), charset: cs }]);
    const v = compareTableSchema(withCs('latin1'), withCs('utf8mb4'));
    expect(v.ok === false && v.reason).toBe('character sets differ (the same text is stored as other bytes): v latin1 vs utf8mb4');
    expect(compareTableSchema(withCs('utf8'), withCs('utf8mb3')).ok).toBe(true);
    // A replica moved to utf8mb4 ahead of its primary is compared row by row.
    expect(compareTableSchema(withCs('utf8mb3'), withCs('utf8mb4')).ok).toBe(true);
    expect(compareTableSchema(withCs('utf8'), withCs('utf8mb4')).ok).toBe(true);
    // The same for key collations across versions (MySQL 8.0.30+, MariaDB 10.6+ spell utf8mb3).
    const withColl = (c: string) => table('s', 't', [{ ...col('k', 'varchar(10)'), collation: c }]);
    expect(compareTableSchema(withColl('utf8_general_ci'), withColl('utf8mb3_general_ci'), { key: withColl('utf8_general_ci').columns, keyCollationMatters: true }).ok).toBe(true);
    expect(compareTableSchema(withColl('utf8mb3_general_ci'), withColl('utf8mb4_general_ci'), { key: withColl('utf8mb3_general_ci').columns, keyCollationMatters: true }).ok).toBe(true);
    expect(compareTableSchema(withColl('utf8mb3_general_ci'), withColl('utf8mb4_unicode_ci'), { key: withColl('utf8mb3_general_ci').columns, keyCollationMatters: true }).ok).toBe(false);
  });
  /** Pins a false drift: an enum key whose labels are in another order on the subscriber split chunks differently there ("3000 vs 5900"). */
  it('an enum key whose labels sort otherwise on the replica is a reason where bounds compare on each server (PostgreSQL)', () => {
    const withEnum = (labels: string[]) => table('s', 't', [{ ...col('m', 'ty.mood'), enumLabels: labels }, col('id', 'int', false, 2)]);
    const key = withEnum(['sad', 'ok', 'happy']).columns;
    const v = compareTableSchema(withEnum(['sad', 'ok', 'happy']), withEnum(['happy', 'sad', 'ok']), { key, keyCollationMatters: true });
    expect(v.ok === false && v.reason).toBe('key enum labels in another order (chunk ranges would hold different rows on each side): m (sad, ok, happy) vs (happy, sad, ok)');
    expect(compareTableSchema(withEnum(['sad', 'ok']), withEnum(['sad', 'ok']), { key: withEnum(['sad', 'ok']).columns, keyCollationMatters: true }).ok).toBe(true);
    // Not a key column, or bounds bound in the primary's order: rows hash by label, nothing to say.
    expect(compareTableSchema(withEnum(['sad', 'ok', 'happy']), withEnum(['happy', 'sad', 'ok']), { key: [col('id')], keyCollationMatters: true }).ok).toBe(true);
  });
  it('planTables reports tables only the replica has', () => {
    const plan = planTables([p], new Map([['r1:1', [p, table('s', 'ghost', [col('id')])]]]), {}, 'p');
    expect(plan.tables[0]!.replicas).toEqual(['r1:1']);
    expect(plan.schemaDrift).toEqual([expect.objectContaining({ table: 's.ghost', reason: 'table exists only on the replica' })]);
  });
  it('planTables: a table whose copy on a replica is non-transactional is checked as non-transactional', () => {
    // A snapshot does not hold the replica's MyISAM copy still: re-checked under the primary's lock.
    const myisam = { ...p, engine: 'MyISAM', transactional: false };
    const plan = planTables([p], new Map([['r1:1', [p]], ['r2:1', [myisam]]]), {}, 'p');
    expect(plan.tables[0]!.table).toMatchObject({ transactional: false, engine: 'InnoDB (MyISAM on r2:1)' });
    expect(planTables([p], new Map([['r1:1', [p]]]), {}, 'p').tables[0]!.table.transactional).toBe(true);
  });
  it('planTables: a column nullable on a replica is hashed as nullable on every server (a NULL there keeps its mark)', () => {
    const strict = table('s', 't', [col('id'), col('name', 'varchar(20)', false, 2), col('n', 'int', false, 3)]);
    const loose = table('s', 't', [col('id'), col('name', 'varchar(20)', false, 2), col('n', 'int', true, 3)]);
    const plan = planTables([strict], new Map([['r1:1', [strict]], ['r2:1', [loose]]]), {}, 'p');
    expect(plan.tables[0]!.replicas).toEqual(['r1:1', 'r2:1']);
    expect(plan.tables[0]!.table.columns.map((c) => c.nullable)).toEqual([false, false, true]);
    expect(planTables([strict], new Map([['r1:1', [strict]]]), {}, 'p').tables[0]!.table).toBe(strict);
  });
  it('planTables: a PostgreSQL table is read with ONLY where any server has inheritance children there, never where any has it partitioned; the mark survives the nullable copy', () => {
    const plain = table('s', 't', [col('id'), col('n', 'int', false, 2)]);
    const parent: TableInfo = { ...plain, inheritance: 'parent' };
    const parted: TableInfo = { ...plain, inheritance: 'partitioned' };
    const loose: TableInfo = { ...parent, columns: [col('id'), col('n', 'int', true, 2)] };
    const how = (primary: TableInfo, ...replicas: TableInfo[]) => planTables([primary], new Map(replicas.map((r, i) => [`r${i}:1`, [r]])), {}, 'p').tables[0]!.table.inheritance;
    expect(how(parent, loose)).toBe('parent');
    expect(how(plain, parent)).toBe('parent');
    expect(how(parent, plain)).toBe('parent');
    expect(how(plain, parted)).toBe('partitioned');
    expect(how(parent, parent, parted)).toBe('partitioned');
    expect(how(parted, parent)).toBe('partitioned');
    expect(how(plain, plain)).toBeUndefined();
  });
});

describe('firstChunkRows', () => {
  it("the table's estimate, 1,000 to 10,000 rows, at the default target", () => {
    expect(firstChunkRows({ rowEstimate: 1_000_000 })).toBe(10_000);
    expect(firstChunkRows({ rowEstimate: 5000 })).toBe(5000);
    expect(firstChunkRows({ rowEstimate: 0 })).toBe(1000);
  });
  it('less for a smaller time target, never under 100 rows, never more for a bigger one', () => {
    expect(firstChunkRows({ rowEstimate: 1_000_000 }, 0.05)).toBe(1000);
    expect(firstChunkRows({ rowEstimate: 1_000_000 }, 0.0001)).toBe(100);
    expect(firstChunkRows({ rowEstimate: 1_000_000 }, 5)).toBe(10_000);
  });
});

describe('ChunkSizer', () => {
  it('moves toward the time target, growth bounded, clamped', () => {
    const s = new ChunkSizer({ targetSeconds: 0.5, initialRows: 1000, maxGrowth: 4, minRows: 100, maxRows: 1_000_000 });
    expect(s.next()).toBe(1000);
    s.observe(1000, 0.01); // 100k rows/s -> wants 50k, growth capped at 4x
    expect(s.next()).toBe(4000);
    for (let i = 0; i < 10; i++) s.observe(s.next(), s.next() / 100_000);
    expect(s.next()).toBeGreaterThan(40_000);
    expect(s.next()).toBeLessThanOrEqual(50_000);
    s.observe(50_000, 50); // very slow chunk: shrinks, not below min
    expect(s.next()).toBeLessThan(50_000);
    expect(s.next()).toBeGreaterThanOrEqual(100);
  });
});

describe('displayName', () => {
  /** Pins a wrong "consistent": a."b.c" and "a.b".c were both "a.b.c", and one was checked for both. */
  it('quotes a part holding a dot, the engine\'s way, so two tables never share a name and --tables reads it back', () => {
    expect(displayName('a', 'b.c', '"')).toBe('a."b.c"');
    expect(displayName('a.b', 'c', '"')).toBe('"a.b".c');
    expect(displayName('shop', 'orders', '`')).toBe('shop.orders');
    expect(displayName('x.y', 'we`ird.t', '`')).toBe('`x.y`.`we``ird.t`');
    for (const [s, t, q] of [['a', 'b.c', '"'], ['a.b', 'c', '"'], ['x.y', 'we`ird.t', '`']] as const) expect(splitTablePattern(displayName(s, t, q))).toEqual({ schema: s, table: t });
  });
});

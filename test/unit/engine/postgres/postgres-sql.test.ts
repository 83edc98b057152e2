import { describe, expect, it } from 'vitest';
import {
  chunkChecksum,
  keyExtent,
  keyOperator,
  nextBoundary,
  parseBoundary,
  parseChecksum,
  parseCount,
  postgresDialect,
  qualifiedName,
  quoteIdent,
  rowCount,
} from '../../../../src/engine/postgres/postgres-sql.js';
import type { ColumnInfo, TableInfo } from '../../../../src/engine/types.js';

const column = (name: string, columnType: string, ordinal = 1): ColumnInfo => ({
  name,
  ordinal,
  dataType: columnType,
  columnType,
  nullable: false,
  generated: 'no',
  charset: null,
  collation: null,
});

const id = column('id', 'bigint', 1);
const ts = column('ts', 'timestamp with time zone', 2);
const note = column('no"te', 'text', 3);

const table = (over: Partial<TableInfo> = {}): TableInfo => ({
  schema: 'app',
  name: 'orders',
  qualified: 'app.orders',
  engine: 'heap',
  transactional: true,
  unlogged: false,
  columns: [id, ts, note],
  indexes: [],
  rowEstimate: 0,
  dataBytes: 0,
  collation: null,
  ...over,
});

describe('quoting', () => {
  it('doubles double quotes and always quotes', () => {
    expect(quoteIdent('plain')).toBe('"plain"');
    expect(quoteIdent('we"ird')).toBe('"we""ird"');
    expect(quoteIdent('a.b')).toBe('"a.b"');
  });
  it('rejects NUL, which PostgreSQL identifiers cannot hold', () => {
    expect(() => quoteIdent('a\u0000b')).toThrow(/NUL/);
  });
  it('qualifies schema and table separately', () => {
    expect(qualifiedName({ schema: 'My "S"', name: 't.1' })).toBe('"My ""S"""."t.1"');
  });
});

describe('chunk checksum', () => {
  it('fast: two 64-bit hashtextextended sums over the row text, computed once per row', () => {
    const q = chunkChecksum(table(), [id, ts, note], null, { lower: null, upper: null }, 'fast', Infinity);
    expect(q.sql).toBe(
      'SELECT count(*) AS n, coalesce(sum(hashtextextended(r, 0)), 0) AS s1, coalesce(sum(hashtextextended(r, 1)), 0) AS s2' +
        ` FROM (SELECT ROW(t."id", t."ts", t."no""te")::text COLLATE "C" AS r FROM "app"."orders" AS t OFFSET 0) AS c`,
    );
  });

  it('strong: hashes the row value of every given column, summing both md5 halves, for the whole table without a key', () => {
    const q = chunkChecksum(table(), [id, ts, note], null, { lower: null, upper: null }, 'strong', Infinity);
    expect(q.sql).toBe(
      'SELECT count(*) AS n, coalesce(sum(h::bit(64)::int8), 0) AS s1, coalesce(sum((h << 64)::bit(64)::int8), 0) AS s2' +
        ` FROM (SELECT ('x' || md5(ROW(t."id", t."ts", t."no""te")::text))::bit(128) AS h FROM "app"."orders" AS t OFFSET 0) AS c`,
    );
    expect(q.params).toEqual([]);
  });

  it('bounds a single-column key without a row constructor, casting to the column type', () => {
    const q = chunkChecksum(table(), [id], [id], { lower: ['10'], upper: ['20'] }, 'fast', Infinity);
    expect(q.sql).toContain(' WHERE t."id" > $1::bigint AND t."id" <= $2::bigint OFFSET 0');
    expect(q.params).toEqual(['10', '20']);
  });

  it('bounds a composite key with row-constructor comparisons (index-friendly), open ends left out', () => {
    const first = chunkChecksum(table(), [id], [id, ts], { lower: null, upper: ['5', '2024-01-01 00:00:00.5+00'] }, 'fast', Infinity);
    expect(first.sql).toContain(' WHERE (t."id", t."ts") <= ($1::bigint, $2::timestamp with time zone) OFFSET 0');
    const last = chunkChecksum(table(), [id], [id, ts], { lower: ['5', '2024-01-01 00:00:00.5+00'], upper: null }, 'fast', Infinity);
    expect(last.sql).toContain(' WHERE (t."id", t."ts") > ($1::bigint, $2::timestamp with time zone) OFFSET 0');
    expect(last.params).toEqual(['5', '2024-01-01 00:00:00.5+00']);
  });

  it('binds bytea keys as Buffers', () => {
    const by = column('k', 'bytea');
    const q = chunkChecksum(table({ columns: [by] }), [by], [by], { lower: [Buffer.from([0, 255])], upper: null }, 'fast', Infinity);
    expect(q.params[0]).toEqual(Buffer.from([0, 255]));
  });

  it('refuses bounds whose arity differs from the key', () => {
    expect(() => chunkChecksum(table(), [id], [id, ts], { lower: ['1'], upper: null }, 'fast', Infinity)).toThrow(/2 column/);
  });

  it('reads an inheritance parent with ONLY (its children are checked as tables of their own), nothing else', () => {
    const parent = { ...table({ name: 'parent' }), inheritance: 'parent' as const };
    expect(chunkChecksum(parent, [id], null, { lower: null, upper: null }, 'fast', Infinity).sql).toContain('FROM ONLY "app"."parent" AS t');
    expect(rowCount(parent).sql).toBe('SELECT count(*) AS n FROM ONLY "app"."parent" AS t');
    // A partitioned root is never read with ONLY (it would read no rows), nor a plain table.
    expect(rowCount({ ...parent, inheritance: 'partitioned' }).sql).toBe('SELECT count(*) AS n FROM "app"."parent" AS t');
    expect(rowCount(table({ name: 'parent' })).sql).toBe('SELECT count(*) AS n FROM "app"."parent" AS t');
  });

  it('parses count and the two sums into "<sum1>:<sum2>"', () => {
    expect(parseChecksum({ n: '3', s1: '-12345678901234567890', s2: '42' })).toEqual({ rows: 3, digest: '-12345678901234567890:42' });
    expect(parseChecksum({ n: '0', s1: '0', s2: '0' })).toEqual({ rows: 0, digest: '0:0' });
  });

  it('rejects a checksum row with NULL sums instead of reporting an empty digest', () => {
    expect(() => parseChecksum({ n: '1', s1: null, s2: '1' })).toThrow(/NULL/);
  });
});

describe('chunk boundaries', () => {
  it('asks for the key offset rows past the lower bound in key order', () => {
    const q = nextBoundary(table(), [id, ts], ['7', '2024-01-01 00:00:00+00'], 999);
    expect(q.sql).toBe(
      'SELECT t."id" AS b1, t."ts" AS b2 FROM "app"."orders" AS t WHERE (t."id", t."ts") > ($1::bigint, $2::timestamp with time zone)' +
        ' ORDER BY t."id", t."ts" LIMIT 1 OFFSET 999',
    );
    expect(q.params).toEqual(['7', '2024-01-01 00:00:00+00']);
  });

  it('starts from the first row without a lower bound', () => {
    expect(nextBoundary(table(), [id], null, 0).sql).toBe('SELECT t."id" AS b1 FROM "app"."orders" AS t ORDER BY t."id" LIMIT 1 OFFSET 0');
  });

  it('refuses a negative or fractional offset and an empty key', () => {
    expect(() => nextBoundary(table(), [id], null, -1)).toThrow(/offset/);
    expect(() => nextBoundary(table(), [id], null, 1.5)).toThrow(/offset/);
    expect(() => nextBoundary(table(), [], null, 1)).toThrow(/key column/);
  });

  it('returns key values unchanged, in key order, so they bind back exactly', () => {
    const buf = Buffer.from('00ff', 'hex');
    expect(parseBoundary({ b1: '9007199254740993', b2: '0.1000000000000000055511151231257827', b3: buf }, [id, column('n', 'numeric'), column('k', 'bytea')])).toEqual([
      '9007199254740993',
      '0.1000000000000000055511151231257827',
      buf,
    ]);
  });

  it('refuses values that would not bind back exactly (a Date loses microseconds)', () => {
    expect(() => parseBoundary({ b1: new Date() }, [ts])).toThrow(/cannot be bound back exactly/);
    expect(() => parseBoundary({}, [ts])).toThrow(/lacks key column ts/);
  });
});

describe('row count', () => {
  it('counts the whole table', () => {
    expect(rowCount(table())).toEqual({ sql: 'SELECT count(*) AS n FROM "app"."orders" AS t', params: [] });
  });
  it('parses int8 text and rejects nonsense', () => {
    expect(parseCount({ n: '12' })).toBe(12);
    expect(() => parseCount({ n: '-1' })).toThrow(/row count/);
    expect(() => parseCount({ n: null })).toThrow();
  });
});

describe('dialect object', () => {
  it('exposes the same builders as the module', () => {
    expect(postgresDialect.quoteIdent('x')).toBe('"x"');
    expect(postgresDialect.rowCount(table()).sql).toBe(rowCount(table()).sql);
  });
});

describe('keyExtent', () => {
  const int8 = { ...column('id', 'bigint'), dataType: 'int8' };
  it('min and max of a one-column integer key, as exact text', () => {
    expect(keyExtent(table(), [int8])).toEqual({ sql: 'SELECT min(t."id")::text AS lo, max(t."id")::text AS hi FROM "app"."orders" AS t', params: [] });
    expect(keyExtent(table(), [{ ...column('n', 'integer'), dataType: 'int4' }])).not.toBeNull();
  });
  it('none for another type or a composite key', () => {
    expect(keyExtent(table(), [{ ...column('n', 'numeric'), dataType: 'numeric' }])).toBeNull();
    expect(keyExtent(table(), [int8, { ...column('x', 'integer'), dataType: 'int4' }])).toBeNull();
  });
  it('reads the extent back, null for an empty table', () => {
    expect(postgresDialect.parseExtent({ lo: '-9223372036854775808', hi: '9223372036854775807' })).toEqual({ lo: -(2n ** 63n), hi: 2n ** 63n - 1n });
    expect(postgresDialect.parseExtent({ lo: null, hi: null })).toBeNull();
  });
});

describe('key operators for types with their own (search_path is empty)', () => {
  const ci = { ...column('k', 'public.citext'), compareSchema: 'public' };
  const path = { ...column('p', 'ext space.ltree', 2), compareSchema: 'ext space' };

  it('name the schema of the key type\'s operators, in bounds and in key equality', () => {
    expect(keyOperator([ci], '>')).toBe('OPERATOR("public".>)');
    expect(keyOperator([path], '<=')).toBe('OPERATOR("ext space".<=)');
    expect(keyOperator([ci], '=')).toBe('OPERATOR("public".=)');
    const t = table({ columns: [ci, id] });
    const q = chunkChecksum(t, t.columns, [ci], { lower: ['a'], upper: ['b'] }, 'fast', Infinity);
    expect(q.sql).toContain('t."k" OPERATOR("public".>) $1::public.citext AND t."k" OPERATOR("public".<=) $2::public.citext');
  });

  it('built-in types keep the plain operator; a key all of one extension schema names it once', () => {
    expect(keyOperator([id], '>')).toBe('>');
    expect(keyOperator([ci, { ...column('k2', 'public.citext', 2), compareSchema: 'public' }], '>')).toBe('OPERATOR("public".>)');
    expect(() => keyOperator([ci, id], '>')).toThrow(/different schemas/);
  });

  /**
   * Pins a bug: a composite key mixing an extension type with a built-in one (int, ltree) kept the
   * bare row comparison, which resolves every column's operator in pg_catalog: "operator does not
   * exist" for ltree, the table in error on every run.
   */
  it('a composite key mixing schemas is compared column by column, each with its own operator', () => {
    const a = column('a', 'integer', 1);
    const t = table({ columns: [a, path, id] });
    const q = chunkChecksum(t, t.columns, [a, path], { lower: [5, 'top.a'], upper: [9, 'top.z'] }, 'fast', Infinity);
    expect(q.sql).toContain(
      ' WHERE (t."a" >= $1::integer AND (t."a" > $1::integer OR (t."p" OPERATOR("ext space".>) $2::ext space.ltree)))' +
        ' AND (t."a" <= $3::integer AND (t."a" < $3::integer OR (t."p" OPERATOR("ext space".<=) $4::ext space.ltree))) OFFSET 0',
    );
    expect(q.params).toEqual([5, 'top.a', 9, 'top.z']);
    // Three columns: each level nests the next; the boundary query uses the same form.
    const three = nextBoundary(t, [a, path, id], [1, 'x', '7'], 0);
    expect(three.sql).toContain(
      'WHERE (t."a" >= $1::integer AND (t."a" > $1::integer OR (t."p" OPERATOR("ext space".>=) $2::ext space.ltree' +
        ' AND (t."p" OPERATOR("ext space".>) $2::ext space.ltree OR (t."id" > $3::bigint)))))',
    );
  });
});

import { describe, expect, it } from 'vitest';
import type { Session } from '../../../../src/engine/engine.js';
import { loadSchemaSql, mapTableRow, postgresIntrospector } from '../../../../src/engine/postgres/postgres-introspector.js';
import { rowCount } from '../../../../src/engine/postgres/postgres-sql.js';
import type { Row, Sql } from '../../../../src/engine/types.js';

// Rows captured from PostgreSQL 15.20 (json columns arrive as text: the driver parses no json).
const weird: Row = {
  schema: 'Odd "Schema"',
  name: 'Weird.Table',
  kind: 'r',
  inheritance_parent: false,
  engine: 'heap',
  unlogged: false,
  row_estimate: '5000',
  data_bytes: '655360',
  columns:
    '[{"name" : "id,1", "ordinal" : 1, "columnType" : "integer", "dataType" : "int4", "nullable" : false, "generated" : "", "identity" : "a", "collation" : null, "charset" : null}, {"name" : "a\\"b", "ordinal" : 2, "columnType" : "text", "dataType" : "text", "nullable" : true, "generated" : "", "identity" : "", "collation" : "C.UTF-8", "charset" : "UTF8"}, {"name" : "m", "ordinal" : 3, "columnType" : "public.mood", "dataType" : "public.mood", "nullable" : true, "generated" : "", "collation" : null, "charset" : null}, {"name" : "arr", "ordinal" : 4, "columnType" : "integer[]", "dataType" : "int4[]", "nullable" : true, "generated" : "", "collation" : null, "charset" : null}, {"name" : "c", "ordinal" : 8, "columnType" : "character(5)", "dataType" : "bpchar", "nullable" : true, "generated" : "s", "collation" : "C.UTF-8", "charset" : "UTF8"}]',
  indexes: '[{"name" : "Weird.Table_pkey", "primary" : true, "unique" : true, "columns" : ["id,1"], "allNotNull" : true}]',
};

const uq: Row = {
  schema: 'public',
  name: 'uq',
  kind: 'r',
  inheritance_parent: false,
  engine: 'heap',
  unlogged: false,
  row_estimate: '0',
  data_bytes: '8192',
  columns:
    '[{"name" : "id", "ordinal" : 1, "columnType" : "integer", "dataType" : "int4", "nullable" : true, "generated" : "", "collation" : null, "charset" : null}, {"name" : "code", "ordinal" : 2, "columnType" : "text", "dataType" : "text", "nullable" : false, "generated" : "", "collation" : "C.UTF-8", "charset" : "UTF8"}]',
  indexes: '[{"name" : "uq_code_key", "primary" : false, "unique" : true, "columns" : ["code"], "allNotNull" : true}, {"name" : "uq_other_key", "primary" : false, "unique" : true, "columns" : ["other"], "allNotNull" : false}]',
};

describe('catalog rows to TableInfo', () => {
  it('maps names, types, nullability, generated and identity columns, collations and keys', () => {
    const { table } = mapTableRow(weird);
    expect(table.inheritance).toBeUndefined();
    expect(table).toMatchObject({ schema: 'Odd "Schema"', name: 'Weird.Table', qualified: 'Odd "Schema"."Weird.Table"', engine: 'heap', transactional: true, unlogged: false, rowEstimate: 5000, dataBytes: 655360, collation: null });
    expect(table.columns.map((c) => [c.name, c.dataType, c.columnType, c.nullable, c.generated])).toEqual([
      ['id,1', 'int4', 'integer', false, 'no'],
      ['a"b', 'text', 'text', true, 'no'],
      ['m', 'public.mood', 'public.mood', true, 'no'],
      ['arr', 'int4[]', 'integer[]', true, 'no'],
      ['c', 'bpchar', 'character(5)', true, 'stored'],
    ]);
    expect(table.columns[1]).toMatchObject({ collation: 'C.UTF-8', charset: 'UTF8' });
    // attidentity 'a' (GENERATED ALWAYS) only; '' and a server without the field give nothing.
    expect(table.columns.map((c) => c.identityAlways ?? false)).toEqual([true, false, false, false, false]);
    expect(table.indexes).toEqual([{ name: 'Weird.Table_pkey', columns: ['id,1'], unique: true, primary: true, allNotNull: true }]);
    expect(Object.isFrozen(table)).toBe(true);
    expect(Object.isFrozen(table.columns[0])).toBe(true);
  });

  it('keeps a unique index over a nullable column, marked so it is not a key', () => {
    const { table } = mapTableRow(uq);
    expect(table.indexes.map((i) => [i.name, i.allNotNull])).toEqual([
      ['uq_code_key', true],
      ['uq_other_key', false],
    ]);
  });

  it('a never-analysed estimate (or NaN) is 0, never negative', () => {
    expect(mapTableRow({ ...uq, row_estimate: '-1' }).table.rowEstimate).toBe(0);
    expect(mapTableRow({ ...uq, row_estimate: 'NaN' }).table.rowEstimate).toBe(0);
    expect(mapTableRow({ ...uq, row_estimate: '1234.6' }).table.rowEstimate).toBe(1235);
  });

  it('reports unlogged tables (their rows never reach a replica)', () => {
    expect(mapTableRow({ ...uq, unlogged: true }).table.unlogged).toBe(true);
  });

  it('a table with no columns and no indexes maps to empty lists', () => {
    const { table } = mapTableRow({ ...uq, columns: null, indexes: null });
    expect(table.columns).toEqual([]);
    expect(table.indexes).toEqual([]);
  });
});

describe('catalog statement', () => {
  it('always leaves out system schemas and the tool schema, and lists roots of partitioned tables only', () => {
    const { sql, params } = loadSchemaSql({});
    expect(params).toEqual([]);
    expect(sql).toContain("n.nspname NOT IN ('pg_catalog', 'information_schema', 'syncpoint')");
    expect(sql).toContain("n.nspname !~ '^pg_(toast|temp_)'");
    expect(sql).toContain("c.relkind IN ('r', 'p') AND NOT c.relispartition");
    expect(sql).toContain('i.indpred IS NULL AND i.indexprs IS NULL AND i.indisvalid');
  });

  it('binds the schemas in scope as parameters', () => {
    const { sql: all } = loadSchemaSql({});
    // PostgreSQL 18's NOT NULL ... NOT VALID leaves attnotnull set over rows that may be NULL.
    expect(all).toContain("cn.contype = 'n' AND NOT cn.convalidated");
    // The encoding is compared wherever a value's text can carry more than ASCII (json, enum, arrays of text...).
    expect(all).toMatch(/'charset', CASE WHEN a.attcollation <> 0 OR NOT \(coalesce\(et.typcategory, ty.typcategory\) IN \('B', 'D', 'G', 'I', 'N', 'T', 'V'\)/);
    // An ICU or builtin default collation is named with its provider (a libc datcollate 'C' is another order).
    expect(all).toContain("WHEN 'i' THEN 'icu:' || coalesce(d.dj ->> 'daticulocale', d.dj ->> 'datlocale')");
    const { sql, params } = loadSchemaSql({ schemas: ["it's", 'b'] });
    expect(sql).toContain('AND n.nspname IN ($1, $2)');
    expect(params).toEqual(["it's", 'b']);
  });

  it('marks inheritance parents so that their own rows are read with ONLY', async () => {
    const s: Session = {
      server: { host: 'h', port: 1, label: 'h:1' },
      connectionId: 1,
      closed: false,
      async query(_q: Sql | string) {
        return [{ ...uq, name: 'parent', inheritance_parent: true }, uq, { ...uq, name: 'parted', kind: 'p' }];
      },
      async close() {},
    };
    const [parent, plain, parted] = await postgresIntrospector.loadSchema(s, {});
    expect(parted!.inheritance).toBe('partitioned');
    expect(rowCount(parted!).sql).not.toContain('ONLY');
    expect(rowCount(parent!).sql).toContain('FROM ONLY "public"."parent"');
    expect(rowCount(plain!).sql).not.toContain('ONLY');
    // Kept by copies (the plan copies tables: a side table keyed by the object lost the mark).
    expect(rowCount({ ...parent!, columns: [...parent!.columns] }).sql).toContain('FROM ONLY "public"."parent"');
  });
});

import { describe, expect, it } from 'vitest';
import { EXCLUDED_SCHEMAS, generatedKind, mapSchema, schemaQueries } from '../../../../src/engine/mysql-family/mysql-family-introspector.js';

// information_schema rows as the introspector's aliased queries return them (MariaDB 10.11 capture).
const tables = [
  { table_schema: 'shop', table_name: 'orders', engine: 'InnoDB', table_rows: '1200', data_length: '81920', table_collation: 'utf8mb4_general_ci' },
  { table_schema: 'shop', table_name: 'log `x`.y', engine: 'Aria', table_rows: '3', data_length: '8192', table_collation: 'utf8mb4_general_ci' },
  { table_schema: 'a b', table_name: 'hist', engine: 'InnoDB', table_rows: 0, data_length: 0, table_collation: null },
];
const columns = [
  { table_schema: 'shop', table_name: 'orders', column_name: 'total', ordinal_position: 3, data_type: 'decimal', column_type: 'decimal(10,2)', is_nullable: 'YES', extra: '', character_set_name: null, collation_name: null },
  { table_schema: 'shop', table_name: 'orders', column_name: 'id', ordinal_position: 1, data_type: 'bigint', column_type: 'bigint(20) unsigned', is_nullable: 'NO', extra: 'auto_increment', character_set_name: null, collation_name: null },
  { table_schema: 'shop', table_name: 'orders', column_name: 'code', ordinal_position: 2, data_type: 'varchar', column_type: 'varchar(20)', is_nullable: 'NO', extra: '', character_set_name: 'utf8mb4', collation_name: 'utf8mb4_general_ci' },
  { table_schema: 'shop', table_name: 'orders', column_name: 'v', ordinal_position: 4, data_type: 'int', column_type: 'int(11)', is_nullable: 'YES', extra: 'VIRTUAL GENERATED', character_set_name: null, collation_name: null },
  { table_schema: 'shop', table_name: 'orders', column_name: 's', ordinal_position: 5, data_type: 'int', column_type: 'int(11)', is_nullable: 'YES', extra: 'STORED GENERATED', character_set_name: null, collation_name: null },
  { table_schema: 'shop', table_name: 'orders', column_name: 'created', ordinal_position: 6, data_type: 'datetime', column_type: 'datetime', is_nullable: 'NO', extra: 'DEFAULT_GENERATED', character_set_name: null, collation_name: null },
  { table_schema: 'shop', table_name: 'log `x`.y', column_name: 'msg', ordinal_position: 1, data_type: 'text', column_type: 'text', is_nullable: 'YES', extra: '', character_set_name: 'utf8mb4', collation_name: 'utf8mb4_general_ci' },
  { table_schema: 'a b', table_name: 'hist', column_name: 'k', ordinal_position: 1, data_type: 'int', column_type: 'int(11)', is_nullable: 'NO', extra: '', character_set_name: null, collation_name: null },
];
// STATISTICS via SELECT *: MySQL 8 upper-case names, with EXPRESSION and IS_VISIBLE.
const stat = (t: string, index: string, seq: number, column: string | null, nonUnique: number, nullable = '', extra: Record<string, unknown> = {}) => ({
  TABLE_CATALOG: 'def',
  TABLE_SCHEMA: 'shop',
  TABLE_NAME: t,
  NON_UNIQUE: nonUnique,
  INDEX_SCHEMA: 'shop',
  INDEX_NAME: index,
  SEQ_IN_INDEX: seq,
  COLUMN_NAME: column,
  SUB_PART: null,
  NULLABLE: nullable,
  INDEX_TYPE: 'BTREE',
  IS_VISIBLE: 'YES',
  EXPRESSION: null,
  ...extra,
});
const indexes = [
  stat('orders', 'PRIMARY', 1, 'id', 0),
  stat('orders', 'uk_code_total', 2, 'total', 0, 'YES'),
  stat('orders', 'uk_code_total', 1, 'code', 0),
  stat('orders', 'uk_code', 1, 'code', 0),
  stat('orders', 'uk_prefix', 1, 'code', 0, '', { SUB_PART: 5 }),
  stat('orders', 'uk_hidden', 1, 'code', 0, '', { IS_VISIBLE: 'NO' }),
  stat('orders', 'uk_ignored', 1, 'code', 0, '', { IGNORED: 'YES' }),
  stat('orders', 'func', 1, null, 0, '', { EXPRESSION: '(`total` * 2)' }),
  stat('orders', 'by_total', 1, 'total', 1, 'YES'),
];

describe('schema queries', () => {
  it('exclude system schemas and the tool schema, base tables only, bound parameters', () => {
    const q = schemaQueries({});
    expect(EXCLUDED_SCHEMAS).toEqual(['mysql', 'information_schema', 'performance_schema', 'sys', 'syncpoint']);
    expect(q.tables.sql).toContain("TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')");
    expect(q.tables.params).toEqual(EXCLUDED_SCHEMAS);
    expect(q.columns.sql).toContain('TABLE_SCHEMA NOT IN (?, ?, ?, ?, ?)');
  });
  it('restrict to named schemas', () => {
    const q = schemaQueries({ schemas: ['shop', 'we`ird'] });
    expect(q.indexes.sql).toContain('AND TABLE_SCHEMA IN (?, ?)');
    expect(q.indexes.params).toEqual([...EXCLUDED_SCHEMAS, 'shop', 'we`ird']);
    expect(schemaQueries({ schemas: [] }).tables.sql).toContain('1 = 0');
  });
});

describe('mapSchema', () => {
  const out = mapSchema(tables, columns, indexes);
  const orders = out.find((t) => t.name === 'orders')!;
  it('sorts tables by schema then name and keeps odd names intact; a name with a dot is shown quoted (one name per table)', () => {
    expect(out.map((t) => t.qualified)).toEqual(['a b.hist', 'shop.`log ``x``.y`', 'shop.orders']);
    expect(out.map((t) => t.name)).toEqual(['hist', 'log `x`.y', 'orders']);
  });
  it('maps engine, transactional, estimates', () => {
    expect(orders).toMatchObject({ engine: 'InnoDB', transactional: true, rowEstimate: 1200, dataBytes: 81920, unlogged: false, collation: 'utf8mb4_general_ci' });
    expect(out.find((t) => t.name === 'log `x`.y')!.transactional).toBe(false);
  });
  it('orders columns by position and maps types, nullability, charset, generated', () => {
    expect(orders.columns.map((c) => c.name)).toEqual(['id', 'code', 'total', 'v', 's', 'created']);
    expect(orders.columns[0]).toEqual({ name: 'id', ordinal: 1, dataType: 'bigint', columnType: 'bigint(20) unsigned', nullable: false, generated: 'no', charset: null, collation: null });
    expect(orders.columns[1]!.collation).toBe('utf8mb4_general_ci');
    expect(orders.columns.map((c) => c.generated)).toEqual(['no', 'no', 'no', 'virtual', 'stored', 'no']);
  });
  it('maps indexes: unique, primary, allNotNull; drops unusable ones', () => {
    expect(orders.indexes.map((i) => i.name)).toEqual(['PRIMARY', 'by_total', 'uk_code', 'uk_code_total', 'uk_prefix']);
    expect(orders.indexes[0]).toEqual({ name: 'PRIMARY', columns: ['id'], unique: true, primary: true, allNotNull: true });
    const composite = orders.indexes.find((i) => i.name === 'uk_code_total')!;
    expect(composite.columns).toEqual(['code', 'total']);
    expect(composite.allNotNull).toBe(false);
    expect(orders.indexes.find((i) => i.name === 'uk_code')!.allNotNull).toBe(true);
    expect(orders.indexes.find((i) => i.name === 'by_total')!.unique).toBe(false);
  });
  it('a unique prefix index is not offered as a unique chunking key', () => {
    expect(orders.indexes.find((i) => i.name === 'uk_prefix')!.unique).toBe(false);
  });
  it('freezes what it returns', () => {
    expect(Object.isFrozen(orders)).toBe(true);
    expect(Object.isFrozen(orders.columns)).toBe(true);
    expect(Object.isFrozen(orders.columns[0])).toBe(true);
    expect(Object.isFrozen(orders.indexes[0]!.columns)).toBe(true);
  });
  it('a table without index rows has no indexes', () => {
    expect(out.find((t) => t.name === 'hist')!.indexes).toEqual([]);
  });
  it('system-versioned tables (MariaDB): current rows without the ROW START/END columns, keys without ROW END; transaction-precise told apart', () => {
    // information_schema.COLUMNS by SELECT *: upper-case names, GENERATION_EXPRESSION 'ROW START' / 'ROW END'.
    const col = (t: string, name: string, pos: number, type: string, generation: string | null) => ({
      TABLE_SCHEMA: 'sv', TABLE_NAME: t, COLUMN_NAME: name, ORDINAL_POSITION: pos, DATA_TYPE: type, COLUMN_TYPE: type, IS_NULLABLE: 'NO',
      EXTRA: generation ? 'STORED GENERATED' : '', IS_GENERATED: generation ? 'ALWAYS' : 'NEVER', GENERATION_EXPRESSION: generation, CHARACTER_SET_NAME: null, COLLATION_NAME: null,
    });
    const svTables = ['trx', 'ts', 'implicit', 'plain'].map((name) => ({ table_schema: 'sv', table_name: name, table_type: name === 'plain' ? 'BASE TABLE' : 'SYSTEM VERSIONED', engine: 'InnoDB', table_rows: 3, data_length: 0, table_collation: null }));
    const svColumns = [
      col('trx', 'id', 1, 'int', null), col('trx', 'a', 2, 'int', null), col('trx', 's', 3, 'bigint', 'ROW START'), col('trx', 'e', 4, 'bigint', 'ROW END'),
      col('ts', 'id', 1, 'int', null), col('ts', 'rs', 2, 'timestamp', 'ROW START'), col('ts', 're', 3, 'timestamp', 'ROW END'), col('ts', 'u', 4, 'int', null),
      col('implicit', 'id', 1, 'int', null),
      col('plain', 'id', 1, 'int', null), col('plain', 'g', 2, 'int', '`id` + 1'),
    ];
    const st = (t: string, index: string, seq: number, column: string) => ({ ...stat(t, index, seq, column, 0), TABLE_SCHEMA: 'sv' });
    const svIndexes = [st('trx', 'PRIMARY', 1, 'id'), st('trx', 'PRIMARY', 2, 'e'), st('ts', 'PRIMARY', 1, 'id'), st('ts', 'PRIMARY', 2, 're'), st('ts', 'u', 1, 'u'), st('ts', 'u', 2, 're'), st('implicit', 'PRIMARY', 1, 'id')];
    const byName = new Map(mapSchema(svTables, svColumns, svIndexes).map((t) => [t.name, t]));
    expect([...byName.values()].map((t) => [t.name, t.systemVersioned ?? null, t.columns.map((c) => c.name).join(','), t.indexes.map((i) => `${i.name}(${i.columns.join(',')})`).join(' ')])).toEqual([
      ['implicit', 'timestamp', 'id', 'PRIMARY(id)'],
      ['plain', null, 'id,g', ''],
      ['trx', 'transaction', 'id,a', 'PRIMARY(id)'],
      ['ts', 'timestamp', 'id,u', 'PRIMARY(id) u(u)'],
    ]);
    expect(byName.get('plain')!.columns[1]!.generated).toBe('stored');
  });
});

describe('generatedKind', () => {
  it('reads MySQL 5.7+/MariaDB 10.2+ and MariaDB 10.1 spellings, not DEFAULT_GENERATED', () => {
    expect(generatedKind('VIRTUAL GENERATED')).toBe('virtual');
    expect(generatedKind('STORED GENERATED')).toBe('stored');
    expect(generatedKind('VIRTUAL GENERATED INVISIBLE')).toBe('virtual');
    expect(generatedKind('PERSISTENT')).toBe('stored');
    expect(generatedKind('VIRTUAL')).toBe('virtual');
    expect(generatedKind('DEFAULT_GENERATED on update CURRENT_TIMESTAMP')).toBe('no');
    expect(generatedKind('auto_increment')).toBe('no');
  });
});

/**
 * Tables, columns and indexes from information_schema in one round of three queries, mapped at
 * once into frozen neutral types. Aliases are lower case because MySQL 8 returns
 * information_schema column names upper case and 5.7/MariaDB in whatever case the query wrote.
 */
import type { Introspector, SchemaScope, Session } from '../engine.js';
import { displayName, type ColumnInfo, type IndexInfo, type Row, type Sql, type TableInfo } from '../types.js';

/** Never checked: the server's own schemas and the tool's. */
export const EXCLUDED_SCHEMAS: readonly string[] = Object.freeze(['mysql', 'information_schema', 'performance_schema', 'sys', 'syncpoint']);

/** Engines whose reads are snapshot-consistent (MVCC). Aria is crash-safe but not transactional for readers. */
const TRANSACTIONAL_ENGINES = new Set(['innodb', 'xtradb', 'rocksdb', 'tokudb', 'ndb', 'ndbcluster']);

function scopeFilter(scope: SchemaScope, column: string): Sql {
  const params: string[] = [...EXCLUDED_SCHEMAS];
  let sql = `${column} NOT IN (${EXCLUDED_SCHEMAS.map(() => '?').join(', ')})`;
  if (scope.schemas) {
    if (scope.schemas.length === 0) return { sql: '1 = 0', params: [] };
    sql += ` AND ${column} IN (${scope.schemas.map(() => '?').join(', ')})`;
    params.push(...scope.schemas);
  }
  return { sql, params };
}

export function schemaQueries(scope: SchemaScope): { tables: Sql; columns: Sql; indexes: Sql } {
  const f = scopeFilter(scope, 'TABLE_SCHEMA');
  return {
    tables: {
      // 'SYSTEM VERSIONED' is MariaDB's TABLE_TYPE for a base table WITH SYSTEM VERSIONING.
      sql:
        'SELECT TABLE_SCHEMA AS table_schema, TABLE_NAME AS table_name, TABLE_TYPE AS table_type, ENGINE AS engine, TABLE_ROWS AS table_rows, ' +
        'DATA_LENGTH AS data_length, TABLE_COLLATION AS table_collation FROM information_schema.TABLES ' +
        `WHERE TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') AND ${f.sql}`,
      params: f.params,
    },
    columns: {
      // SELECT * for GENERATION_EXPRESSION ('ROW START' / 'ROW END' of a system-versioned
      // table), which servers before MariaDB 10.2 and MySQL 5.7 do not have.
      sql: `SELECT * FROM information_schema.COLUMNS WHERE ${f.sql}`,
      params: f.params,
    },
    indexes: {
      // SELECT * because the interesting extras differ: MySQL 8 EXPRESSION and IS_VISIBLE, MariaDB 10.6+ IGNORED.
      sql: `SELECT * FROM information_schema.STATISTICS WHERE ${f.sql}`,
      params: f.params,
    },
  };
}

/** Case-insensitive field read: information_schema column names come in either case. */
function field(row: Row, name: string): unknown {
  if (name in row) return row[name];
  const upper = name.toUpperCase();
  if (upper in row) return row[upper];
  const found = Object.keys(row).find((k) => k.toLowerCase() === name);
  return found === undefined ? undefined : row[found];
}

function str(row: Row, name: string): string {
  const v = field(row, name);
  if (v === null || v === undefined) return '';
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

function strOrNull(row: Row, name: string): string | null {
  const v = field(row, name);
  return v === null || v === undefined || v === '' ? null : Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

function num(row: Row, name: string): number {
  const v = field(row, name);
  const n = v === null || v === undefined ? 0 : Number(v);
  return Number.isFinite(n) ? n : 0;
}

export function generatedKind(extra: string): ColumnInfo['generated'] {
  // MySQL 5.7+/MariaDB 10.2+: "VIRTUAL GENERATED"/"STORED GENERATED"; MariaDB 10.1: "VIRTUAL"/"PERSISTENT".
  // MySQL 8 "DEFAULT_GENERATED" marks an expression default, not a generated column.
  const e = extra.toUpperCase();
  if (/\bSTORED GENERATED\b|\bPERSISTENT\b/.test(e)) return 'stored';
  if (/\bVIRTUAL GENERATED\b|^VIRTUAL\b/.test(e)) return 'virtual';
  return 'no';
}

const key = (schema: string, table: string) => `${schema}\u0000${table}`;

/** Raw rows of the three queries to TableInfo, sorted by schema then name (code-unit order). */
export function mapSchema(tableRows: readonly Row[], columnRows: readonly Row[], indexRows: readonly Row[]): TableInfo[] {
  const columns = new Map<string, ColumnInfo[]>();
  /** Per table, its system-versioning period columns (see TableInfo.systemVersioned). */
  const periodColumns = new Map<string, Set<string>>();
  const transactionPrecise = new Set<string>();
  for (const r of columnRows) {
    const k = key(str(r, 'table_schema'), str(r, 'table_name'));
    if (/^ROW (START|END)$/i.test(str(r, 'generation_expression').trim())) {
      periodColumns.set(k, (periodColumns.get(k) ?? new Set()).add(str(r, 'column_name')));
      if (str(r, 'data_type').toLowerCase() === 'bigint') transactionPrecise.add(k);
      continue;
    }
    const list = columns.get(k) ?? [];
    list.push(
      Object.freeze({
        name: str(r, 'column_name'),
        ordinal: num(r, 'ordinal_position'),
        dataType: str(r, 'data_type').toLowerCase(),
        columnType: str(r, 'column_type'),
        nullable: str(r, 'is_nullable').toUpperCase() === 'YES',
        generated: generatedKind(str(r, 'extra')),
        charset: strOrNull(r, 'character_set_name'),
        collation: strOrNull(r, 'collation_name'),
      }),
    );
    columns.set(k, list);
  }

  interface IndexDraft {
    name: string;
    unique: boolean;
    parts: { seq: number; column: string; nullable: boolean }[];
    usable: boolean;
    prefix: boolean;
  }
  const indexes = new Map<string, Map<string, IndexDraft>>();
  for (const r of indexRows) {
    const k = key(str(r, 'table_schema'), str(r, 'table_name'));
    const byName = indexes.get(k) ?? new Map<string, IndexDraft>();
    const name = str(r, 'index_name');
    const d = byName.get(name) ?? { name, unique: num(r, 'non_unique') === 0, parts: [], usable: true, prefix: false };
    const column = strOrNull(r, 'column_name');
    // Functional key parts (MySQL 8: COLUMN_NAME NULL, EXPRESSION set) are not columns; invisible
    // (MySQL 8) and IGNORED (MariaDB 10.6+) indexes refuse FORCE INDEX: none can be a chunking key.
    if (column === null || str(r, 'is_visible').toUpperCase() === 'NO' || str(r, 'ignored').toUpperCase() === 'YES') d.usable = false;
    if (field(r, 'sub_part') !== null && field(r, 'sub_part') !== undefined) d.prefix = true;
    d.parts.push({ seq: num(r, 'seq_in_index'), column: column ?? '', nullable: str(r, 'nullable').toUpperCase() === 'YES' });
    byName.set(name, d);
    indexes.set(k, byName);
  }

  const out: TableInfo[] = [];
  for (const r of tableRows) {
    const schema = str(r, 'table_schema');
    const name = str(r, 'table_name');
    const k = key(schema, name);
    const cols = (columns.get(k) ?? []).sort((a, b) => a.ordinal - b.ordinal);
    const colByName = new Map(cols.map((c) => [c.name, c]));
    const idx: IndexInfo[] = [];
    const period = periodColumns.get(k);
    for (const d of indexes.get(k)?.values() ?? []) {
      if (!d.usable) continue;
      // MariaDB adds ROW END to every unique key of a versioned table, for its history rows: on
      // the current rows (all of them at the end of time) the rest of the key is unique.
      const parts = d.parts.filter((p) => !period?.has(p.column)).sort((a, b) => a.seq - b.seq);
      if (parts.length === 0) continue;
      const names = parts.map((p) => p.column);
      idx.push(
        Object.freeze({
          name: d.name,
          columns: Object.freeze(names),
          // A prefix index orders by the prefix only: rows cannot be walked in full-value key
          // order through it, so it is not offered as a unique chunking key.
          unique: d.unique && !d.prefix,
          primary: d.name === 'PRIMARY',
          allNotNull: parts.every((p) => !p.nullable && colByName.get(p.column)?.nullable !== true),
        }),
      );
    }
    idx.sort((a, b) => Number(b.primary) - Number(a.primary) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const engine = strOrNull(r, 'engine');
    out.push(
      Object.freeze({
        schema,
        name,
        qualified: displayName(schema, name, '`'),
        engine,
        transactional: engine !== null && TRANSACTIONAL_ENGINES.has(engine.toLowerCase()),
        unlogged: false,
        ...(str(r, 'table_type').toUpperCase() === 'SYSTEM VERSIONED' ? { systemVersioned: transactionPrecise.has(k) ? ('transaction' as const) : ('timestamp' as const) } : {}),
        columns: Object.freeze(cols),
        indexes: Object.freeze(idx),
        rowEstimate: num(r, 'table_rows'),
        dataBytes: num(r, 'data_length'),
        collation: strOrNull(r, 'table_collation'),
      }),
    );
  }
  return out.sort((a, b) => (a.schema < b.schema ? -1 : a.schema > b.schema ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export const mysqlFamilyIntrospector: Introspector = Object.freeze({
  async loadSchema(s: Session, scope: SchemaScope): Promise<TableInfo[]> {
    const q = schemaQueries(scope);
    const tables = await s.query(q.tables);
    if (tables.length === 0) return [];
    const [columns, indexes] = [await s.query(q.columns), await s.query(q.indexes)];
    return mapSchema(tables, columns, indexes);
  },
});

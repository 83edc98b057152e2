/**
 * Tables, columns and keys of the connected database, in one catalog statement (one consistent
 * catalog snapshot), mapped at once to the neutral frozen types.
 *
 * Partitioning: a partitioned table is listed once, as its root, and its partitions are not
 * listed. Reading the root reads every partition, a subscriber may partition differently (or not
 * at all), and the primary key of a partitioned table holds across its partitions. Estimates,
 * sizes and `unlogged` are summed over the leaf partitions. Classic INHERITS children are tables
 * of their own; their parent is read with ONLY (TableInfo.inheritance, postgres-sql.ts).
 *
 * Indexes: partial, expression and invalid (failed CREATE INDEX CONCURRENTLY) indexes are left
 * out: none of them is a key of the whole table. INCLUDE columns are not key columns.
 *
 * No table is opened: sizes come from the statistics in pg_class (relpages), and only a table
 * never vacuumed or analyzed is measured with pg_relation_size, which takes a brief lock. Not
 * while an ACCESS EXCLUSIVE lock is held or queued on it (an ALTER, a TRUNCATE, a lock replayed on
 * a standby): the size would wait behind it until the lock wait gave up, and the whole server
 * would be left out of the run for one table. Such a table is estimated from the statistics
 * system's live row count instead, and its chunks meet the lock (and report it) on their own.
 */
import type { Introspector, SchemaScope, Session } from '../engine.js';
import { displayName, type ColumnInfo, type IndexInfo, type Row, type Sql, type SqlValue, type TableInfo } from '../types.js';

/** The tool's own schema (checkpoints, results) is never checked. */
export const TOOL_SCHEMA = 'syncpoint';

export function loadSchemaSql(scope: SchemaScope): Sql {
  const params: SqlValue[] = [];
  let scopeFilter = '';
  if (scope.schemas && scope.schemas.length > 0) {
    const list = scope.schemas.map((s) => {
      params.push(s);
      return `$${params.length}`;
    });
    scopeFilter = ` AND n.nspname IN (${list.join(', ')})`;
  }
  const sql = `
WITH rel AS (
  SELECT c.oid, n.nspname, c.relname, c.relkind, c.relhassubclass, c.relam
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
    AND n.nspname NOT IN ('pg_catalog', 'information_schema', '${TOOL_SCHEMA}')
    AND n.nspname !~ '^pg_(toast|temp_)'${scopeFilter}
), leaf AS (
  SELECT r.oid AS root, r.oid AS leaf FROM rel r WHERE r.relkind = 'r'
  UNION ALL
  SELECT r.oid, pt.relid FROM rel r CROSS JOIN LATERAL pg_catalog.pg_partition_tree(r.oid) pt
  WHERE r.relkind = 'p' AND pt.isleaf
), locked AS MATERIALIZED (
  SELECT DISTINCT lk.relation FROM pg_catalog.pg_locks lk
  WHERE lk.locktype = 'relation' AND lk.mode = 'AccessExclusiveLock'
    AND lk.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
), sized AS (
  SELECT l.root,
    bool_or(p.relpersistence = 'u') AS unlogged,
    sum(CASE WHEN p.reltuples > 0 THEN p.reltuples::float8
             WHEN p.oid IN (SELECT relation FROM locked) THEN pg_catalog.pg_stat_get_live_tuples(p.oid)::float8
             ELSE pg_catalog.pg_relation_size(p.oid)::float8 / (
               SELECT 24 + coalesce(sum(CASE WHEN ty.typlen > 0 THEN ty.typlen ELSE 32 END), 0)
               FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
               WHERE a.attrelid = p.oid AND a.attnum > 0 AND NOT a.attisdropped) END) AS row_estimate,
    sum(CASE WHEN p.relpages > 0
             THEN (p.relpages::int8 + coalesce(tc.relpages, 0)) * current_setting('block_size')::int8
             WHEN p.oid IN (SELECT relation FROM locked) THEN 0
             ELSE pg_catalog.pg_table_size(p.oid) END) AS data_bytes
  FROM leaf l
  JOIN pg_catalog.pg_class p ON p.oid = l.leaf
  LEFT JOIN pg_catalog.pg_class tc ON tc.oid = p.reltoastrelid
  GROUP BY l.root
), unvalidated AS MATERIALIZED (
  -- PostgreSQL 18: a NOT NULL ... NOT VALID constraint sets attnotnull, yet older rows may hold
  -- NULL (earlier versions have no contype 'n' rows)
  SELECT cn.conrelid AS relid, cn.conkey[1] AS attnum FROM pg_catalog.pg_constraint cn
  WHERE cn.contype = 'n' AND NOT cn.convalidated AND cn.conrelid IN (SELECT oid FROM rel)
)
SELECT r.nspname AS schema, r.relname AS name, r.relkind::text AS kind,
  r.relkind = 'r' AND r.relhassubclass AS inheritance_parent,
  coalesce(am.amname, 'heap') AS engine,
  coalesce(s.unlogged, false) AS unlogged,
  coalesce(s.row_estimate, 0)::text AS row_estimate,
  coalesce(s.data_bytes, 0)::text AS data_bytes,
  (SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
      'name', a.attname,
      'ordinal', a.attnum,
      'columnType', pg_catalog.format_type(a.atttypid, a.atttypmod),
      'dataType', CASE WHEN ty.typcategory = 'A' AND et.oid IS NOT NULL
                       THEN CASE WHEN etn.nspname = 'pg_catalog' THEN et.typname::text ELSE etn.nspname || '.' || et.typname END || '[]'
                       ELSE CASE WHEN tyn.nspname = 'pg_catalog' THEN ty.typname::text ELSE tyn.nspname || '.' || ty.typname END END,
      'nullable', NOT a.attnotnull OR a.attnum IN (SELECT v.attnum FROM unvalidated v WHERE v.relid = a.attrelid),
      'generated', a.attgenerated::text,
      'identity', a.attidentity::text,
      'enumLabels', CASE WHEN ty.typtype = 'e' THEN (SELECT pg_catalog.array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid = ty.oid) END,
      'collation', CASE WHEN a.attcollation = 0 THEN NULL
                        WHEN co.collname = 'default' THEN CASE d.dj ->> 'datlocprovider'
                          WHEN 'i' THEN 'icu:' || coalesce(d.dj ->> 'daticulocale', d.dj ->> 'datlocale')
                          WHEN 'b' THEN 'builtin:' || (d.dj ->> 'datlocale')
                          ELSE d.datcollate::text END
                        ELSE co.collname::text END,
      'charset', CASE WHEN a.attcollation <> 0 OR NOT (coalesce(et.typcategory, ty.typcategory) IN ('B', 'D', 'G', 'I', 'N', 'T', 'V')
                         OR coalesce(et.oid, ty.oid) IN ('pg_catalog.bytea'::pg_catalog.regtype, 'pg_catalog.uuid'::pg_catalog.regtype, 'pg_catalog.pg_lsn'::pg_catalog.regtype))
                      THEN pg_catalog.pg_encoding_to_char(d.encoding)::text END,
      'compareSchema', (SELECT opn.nspname::text FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace opn ON opn.oid = o.oprnamespace
         WHERE o.oprname = '>' AND o.oprleft = coalesce(nullif(ty.typbasetype, 0), ty.oid) AND o.oprright = o.oprleft
           AND opn.nspname <> 'pg_catalog' LIMIT 1)
    ) ORDER BY a.attnum)
   FROM pg_catalog.pg_attribute a
   JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
   JOIN pg_catalog.pg_namespace tyn ON tyn.oid = ty.typnamespace
   LEFT JOIN pg_catalog.pg_type et ON et.oid = ty.typelem
   LEFT JOIN pg_catalog.pg_namespace etn ON etn.oid = et.typnamespace
   LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
   -- The default collation's provider and locale by name: ICU (15+: daticulocale, 17+: datlocale)
   -- and builtin (17+) defaults order text otherwise than a libc datcollate of the same text.
   CROSS JOIN (SELECT db.datcollate, db.encoding, pg_catalog.to_jsonb(db.*) AS dj FROM pg_catalog.pg_database db WHERE db.datname = pg_catalog.current_database()) d
   WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
  (SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
      'name', ic.relname,
      'primary', i.indisprimary,
      'unique', i.indisunique,
      'columns', (SELECT pg_catalog.json_agg(a.attname ORDER BY k.ord)
                  FROM pg_catalog.unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                  JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                  WHERE k.ord <= i.indnkeyatts),
      'allNotNull', (SELECT bool_and(a.attnotnull AND a.attnum NOT IN (SELECT v.attnum FROM unvalidated v WHERE v.relid = a.attrelid))
                     FROM pg_catalog.unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                     JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                     WHERE k.ord <= i.indnkeyatts)
    ) ORDER BY ic.relname)
   FROM pg_catalog.pg_index i
   JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
   WHERE i.indrelid = r.oid AND i.indpred IS NULL AND i.indexprs IS NULL AND i.indisvalid) AS indexes
FROM rel r
LEFT JOIN sized s ON s.root = r.oid
LEFT JOIN pg_catalog.pg_am am ON am.oid = r.relam
ORDER BY r.nspname, r.relname`;
  return { sql: sql.trim(), params };
}

interface RawColumn {
  name: string;
  ordinal: number;
  columnType: string;
  dataType: string;
  nullable: boolean;
  generated: string;
  identity?: string;
  enumLabels?: string[] | null;
  collation: string | null;
  charset: string | null;
  compareSchema?: string | null;
}

interface RawIndex {
  name: string;
  primary: boolean;
  unique: boolean;
  columns: string[] | null;
  allNotNull: boolean | null;
}

function json<T>(v: unknown): T | null {
  if (v === null || v === undefined) return null;
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}

/** One catalog row -> TableInfo. */
export function mapTableRow(row: Row): { table: TableInfo } {
  const schema = String(row['schema']);
  const name = String(row['name']);
  const columns: ColumnInfo[] = (json<RawColumn[]>(row['columns']) ?? []).map((c) =>
    Object.freeze({
      name: c.name,
      ordinal: Number(c.ordinal),
      dataType: c.dataType,
      columnType: c.columnType,
      nullable: Boolean(c.nullable),
      generated: c.generated === 's' ? ('stored' as const) : ('no' as const),
      charset: c.charset ?? null,
      collation: c.collation ?? null,
      ...(c.compareSchema ? { compareSchema: c.compareSchema } : {}),
      ...(c.identity === 'a' ? { identityAlways: true } : {}),
      ...(c.enumLabels ? { enumLabels: Object.freeze([...c.enumLabels]) } : {}),
    }),
  );
  const indexes: IndexInfo[] = (json<RawIndex[]>(row['indexes']) ?? [])
    .filter((i) => i.columns && i.columns.length > 0)
    .map((i) =>
      Object.freeze({
        name: i.name,
        columns: Object.freeze([...i.columns!]),
        unique: Boolean(i.unique),
        primary: Boolean(i.primary),
        allNotNull: Boolean(i.allNotNull),
      }),
    );
  const estimate = Number(row['row_estimate']);
  const table: TableInfo = Object.freeze({
    schema,
    name,
    qualified: displayName(schema, name, '"'),
    engine: String(row['engine'] ?? 'heap'),
    transactional: true,
    unlogged: row['unlogged'] === true,
    columns: Object.freeze(columns),
    indexes: Object.freeze(indexes),
    rowEstimate: Number.isFinite(estimate) && estimate > 0 ? Math.round(estimate) : 0,
    dataBytes: Number(row['data_bytes']) || 0,
    collation: null,
    ...(row['inheritance_parent'] === true ? { inheritance: 'parent' as const } : row['kind'] === 'p' ? { inheritance: 'partitioned' as const } : {}),
  });
  return { table };
}

export const postgresIntrospector: Introspector = Object.freeze({
  async loadSchema(s: Session, scope: SchemaScope): Promise<TableInfo[]> {
    const rows = await s.query(loadSchemaSql(scope));
    return rows.map((row) => mapTableRow(row).table);
  },
});

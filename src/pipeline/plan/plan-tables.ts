/**
 * Plan stage: which tables, compared against which replicas, chunked by which key.
 * Schema differences and missing tables become results here, before any checksum runs.
 */
import type { TableInfo } from '../../engine/types.js';
import { chooseKey, type ChosenKey } from './choose-key.js';
import { compareTableSchema } from './compare-schema.js';
import { matchesFilter, selectTables, type TableFilter } from './table-filter.js';

export interface PlannedTable {
  /**
   * The primary's table, as checked on every server: marked non-transactional when any replica's
   * copy is (MyISAM, Aria, MEMORY there: a snapshot does not hold that copy still, so it is
   * re-checked as such), and with a column nullable wherever any replica's copy has it nullable.
   */
  readonly table: TableInfo;
  readonly key: ChosenKey | null;
  /** Replicas whose copy of the table matches in shape and will be checksummed. */
  readonly replicas: string[];
}

export interface SchemaFinding {
  readonly table: string;
  readonly replica: string;
  readonly reason: string;
  /** Rows estimate on the side that has the table (for the report). */
  readonly primaryRows: number;
  readonly replicaRows: number;
}

export interface Plan {
  readonly tables: PlannedTable[];
  readonly schemaDrift: SchemaFinding[];
  /** Tables selected but not compared by design, said once for the run. */
  readonly notes: string[];
}

export function planTables(
  primaryTables: readonly TableInfo[],
  replicaTables: ReadonlyMap<string, readonly TableInfo[]>,
  filter: TableFilter,
  primaryLabel: string,
  opts: { keyCollationMatters?: boolean; columnOrderMatters?: boolean; mayBeEmpty?: boolean } = {},
): Plan {
  const chosen = selectTables(primaryTables, filter, primaryLabel, { mayBeEmpty: opts.mayBeEmpty ?? false });
  // A PostgreSQL UNLOGGED table is never replicated: a standby cannot even read it, a subscriber
  // gets nothing. Not drift, and nothing to compare.
  const unlogged = chosen.filter((t) => t.unlogged).map((t) => t.qualified);
  const notes = unlogged.length ? [`not compared: unlogged table${unlogged.length > 1 ? 's' : ''} (never replicated): ${unlogged.join(', ')}`] : [];
  const selected = chosen.filter((t) => !t.unlogged);
  const schemaDrift: SchemaFinding[] = [];
  const tables: { table: TableInfo; key: ChosenKey | null; replicas: string[] }[] = selected.map((t) => ({ table: t, key: chooseKey(t), replicas: [] }));
  const selectedSchemas = new Set(selected.map((t) => t.schema));
  for (const [label, rTables] of replicaTables) {
    const byName = new Map(rTables.map((t) => [t.qualified, t]));
    for (const p of tables) {
      const v = compareTableSchema(p.table, byName.get(p.table.qualified), { key: p.key?.columns ?? null, keyCollationMatters: opts.keyCollationMatters ?? false, columnOrderMatters: opts.columnOrderMatters ?? true });
      if (v.ok) {
        p.replicas.push(label);
        const copy = byName.get(p.table.qualified)!;
        if (p.table.transactional && !copy.transactional) p.table = { ...p.table, transactional: false, engine: `${p.table.engine ?? '?'} (${copy.engine ?? 'non-transactional'} on ${label})` };
        p.table = withInheritanceOf(withNullableOf(p.table, copy), copy);
      }
      else schemaDrift.push({ table: p.table.qualified, replica: label, reason: v.reason, primaryRows: 0, replicaRows: 0 });
    }
    // A table only the replica has, in a schema the run covers, is drift too.
    // (primaryTables, not selected: a replica's copy of an unlogged table is no extra table)
    const primaryNames = new Set(primaryTables.map((t) => t.qualified));
    const extra = rTables.filter((t) => !primaryNames.has(t.qualified) && selectedSchemas.has(t.schema) && matchesFilter(t, filter));
    for (const t of extra) schemaDrift.push({ table: t.qualified, replica: label, reason: 'table exists only on the replica', primaryRows: 0, replicaRows: 0 });
  }
  return { tables, schemaDrift, notes };
}

/**
 * The table as rows are hashed: a column nullable on a replica is hashed as nullable everywhere
 * (every server runs the same SQL, built from this). Hashed as the primary's NOT NULL, a NULL on
 * the replica would have no NULL mark: MySQL-family fast row strings skip a NULL field, and a
 * row (1,'x,7',NULL) would read like (1,'x',7).
 */
function withNullableOf(t: TableInfo, copy: TableInfo): TableInfo {
  const nullable = new Set(copy.columns.filter((c) => c.nullable).map((c) => c.name));
  if (!t.columns.some((c) => !c.nullable && nullable.has(c.name))) return t;
  return { ...t, columns: t.columns.map((c) => (!c.nullable && nullable.has(c.name) ? { ...c, nullable: true } : c)) };
}

/**
 * How a PostgreSQL table is read, the same on every server: with ONLY where any server has
 * inheritance children there (ONLY reads the same rows of a plain table), never where any has it
 * partitioned (ONLY would read none of its rows).
 */
function withInheritanceOf(t: TableInfo, copy: TableInfo): TableInfo {
  if (!copy.inheritance || t.inheritance === copy.inheritance || t.inheritance === 'partitioned') return t;
  return { ...t, inheritance: copy.inheritance };
}

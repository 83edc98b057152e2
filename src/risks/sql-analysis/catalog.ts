/**
 * What statement analysis needs to know about tables: keys (is an ORDER BY total? does a WHERE
 * pick one row?), auto-increment, engine. Built from the primary's introspected schema; tables
 * created in the analysed workload (temporary tables) are added as they appear.
 */
import type { TableInfo } from '../../engine/types.js';

export interface TableMeta {
  readonly qualified: string;
  readonly engine: string | null;
  /** null: unknown engine. */
  readonly transactional: boolean | null;
  /** Unique keys whose columns are all NOT NULL (primary key first): each one orders rows totally. */
  readonly totalKeys: readonly (readonly string[])[];
  /** Unique indexes of any kind, primary key included (INSERT ... ON DUPLICATE KEY UPDATE). */
  readonly uniqueIndexes: number;
  readonly autoIncrement: boolean;
  readonly temporary: boolean;
}

export interface TableRef {
  readonly db: string | null;
  readonly table: string;
}

/** Engines whose writes cannot be rolled back (MySQL family). */
const NON_TRANSACTIONAL = new Set(['myisam', 'aria', 'memory', 'heap', 'csv', 'archive', 'mrg_myisam', 'merge', 'blackhole', 'federated', 'connect', 'sequence']);
const TRANSACTIONAL = new Set(['innodb', 'xtradb', 'rocksdb', 'tokudb', 'ndb', 'ndbcluster', 'heap-pg']);

/** true/false when the engine is known, null when not. */
export function engineIsTransactional(engine: string | null | undefined): boolean | null {
  if (!engine) return null;
  const e = engine.toLowerCase();
  if (TRANSACTIONAL.has(e)) return true;
  if (NON_TRANSACTIONAL.has(e)) return false;
  return null;
}

export class Catalog {
  private readonly byKey = new Map<string, TableMeta>();
  private readonly byName = new Map<string, TableMeta[]>();

  constructor(tables: readonly TableInfo[] = [], autoIncrement: readonly string[] = []) {
    const auto = new Set(autoIncrement);
    for (const t of tables) {
      this.add(t.schema, t.name, {
        qualified: t.qualified,
        engine: t.engine,
        transactional: t.engine === null ? null : t.transactional,
        totalKeys: t.indexes.filter((i) => i.unique && i.allNotNull).map((i) => i.columns),
        uniqueIndexes: t.indexes.filter((i) => i.unique).length,
        autoIncrement: auto.has(t.qualified),
        temporary: false,
      });
    }
  }

  get size(): number {
    return this.byKey.size;
  }

  add(db: string, table: string, meta: TableMeta): void {
    this.byKey.set(`${db}\u0000${table}`, meta);
    const list = (this.byName.get(table.toLowerCase()) ?? []).filter((m) => m.qualified !== meta.qualified);
    list.push(meta);
    this.byName.set(table.toLowerCase(), list);
  }

  /** A temporary table shadows a base table of the same name for the rest of the session. */
  addTemporary(db: string | null, table: string, engine: string | null): void {
    this.add(db ?? '', table, {
      qualified: db ? `${db}.${table}` : table,
      engine,
      transactional: engineIsTransactional(engine),
      totalKeys: [],
      uniqueIndexes: 0,
      autoIncrement: false,
      temporary: true,
    });
  }

  dropTemporary(db: string | null, table: string): void {
    const m = this.lookup({ db, table }, db);
    if (!m?.temporary) return;
    for (const [k, v] of this.byKey) if (v === m) this.byKey.delete(k);
    const list = this.byName.get(table.toLowerCase());
    if (list) this.byName.set(table.toLowerCase(), list.filter((x) => x !== m));
  }

  /** Resolves db.table (unqualified: the default database, else the only table of that name). */
  lookup(ref: TableRef, defaultDb: string | null): TableMeta | null {
    const db = ref.db ?? defaultDb;
    if (db !== null) {
      const exact = this.byKey.get(`${db}\u0000${ref.table}`) ?? this.byKey.get(`\u0000${ref.table}`);
      if (exact) return exact;
      // lower_case_table_names=1/2 servers, or a script that spells names in another case.
      const ci = (this.byName.get(ref.table.toLowerCase()) ?? []).filter((m) => m.qualified.toLowerCase() === `${db}.${ref.table}`.toLowerCase());
      if (ci.length === 1) return ci[0]!;
      return null;
    }
    const all = this.byName.get(ref.table.toLowerCase()) ?? [];
    return all.length === 1 ? all[0]! : null;
  }

  /** The name reports use: db.table when the database is known. */
  static display(ref: TableRef, defaultDb: string | null, meta: TableMeta | null): string {
    if (meta) return meta.qualified;
    const db = ref.db ?? defaultDb;
    return db ? `${db}.${ref.table}` : ref.table;
  }
}

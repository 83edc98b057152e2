/**
 * Neutral shapes for reading and rewriting single rows (diff and repair). Engines build the SQL
 * and parse the answers; the pipeline compares and sequences.
 */
import type { ChunkRange, ColumnInfo, KeyValues, Row, Sql, TableInfo } from './types.js';

/**
 * One key column's value in the order the row page is sorted by: `n` a number (as the driver
 * returned it: decimal text or a JS number), `b` the column's bytes as upper-case hex. The page is
 * sorted by exactly these, so a merge in JS sees the same order the server produced.
 */
export type OrderValue = { readonly n: string | number } | { readonly b: string };

export interface FetchedRow {
  readonly order: readonly OrderValue[];
  /** Exact key values, bindable again through the same engine (same encoding as chunk boundaries). */
  readonly keyValues: KeyValues;
  /** Key values for people: text, numbers, 0x-hex for bytes. */
  readonly keyDisplay: readonly (string | number | null)[];
  /** One canonical text per column of the table: equal iff the stored values are equal. */
  readonly cells: readonly string[];
  /** Truncated printable values per column, only when asked for. */
  readonly shown: readonly (string | null)[] | null;
}

export interface RowPageRequest {
  readonly table: TableInfo;
  readonly key: readonly ColumnInfo[];
  readonly range: ChunkRange;
  readonly offset: number;
  readonly limit: number;
  readonly showValues: boolean;
}

/** A row-hash group of a key-less table: how many rows carry this exact content. */
export interface HashGroup {
  readonly hash: string;
  readonly count: number;
}

/** Foreign keys and triggers that make a row write do more than write that row. */
export interface RelatedObject {
  readonly kind: 'foreign-key-child' | 'foreign-key-parent' | 'trigger';
  readonly name: string;
  /** The other table (foreign keys) or the trigger's event, for the warning. */
  readonly detail: string;
  /** ON DELETE/UPDATE CASCADE or SET NULL/DEFAULT on a key pointing at this table. */
  readonly cascades: boolean;
  /**
   * Triggers: under which session_replication_role it fires (PostgreSQL's tgenabled: 'origin'
   * for a plain ENABLE, 'replica', 'always', 'disabled'); absent where triggers always fire for a
   * session's own writes (MySQL family).
   */
  readonly firesUnder?: 'origin' | 'replica' | 'always' | 'disabled';
}

/** What a primary-side rewrite does for one row, or why it cannot. */
export type PrimaryRewrite = { readonly statements: readonly string[] } | { readonly refused: string };

export type RowKind = 'missing' | 'extra' | 'changed';

export interface RowSql {
  rowPage(req: RowPageRequest): Sql;
  parseRowPage(row: Row, req: RowPageRequest): FetchedRow;
  /** Key-less tables: row-content hash groups after `after`, in hash order. */
  hashPage(t: TableInfo, after: string | null, limit: number): Sql;
  parseHashPage(row: Row): HashGroup;
  /** One row by exact key: every insertable column as a SQL literal the server spelled; FOR UPDATE with lock. */
  rowLiterals(t: TableInfo, key: readonly ColumnInfo[], keyValues: KeyValues, lock: boolean): Sql;
  /** Literals in insertableColumns(t) order. */
  parseRowLiterals(row: Row, t: TableInfo): string[];
  /** Many rows by exact key in one statement, each with its key values (encoded as row pages give them). */
  rowsLiterals(t: TableInfo, key: readonly ColumnInfo[], keys: readonly KeyValues[]): Sql;
  parseKeyedLiterals(row: Row, t: TableInfo, key: readonly ColumnInfo[]): { keyValues: KeyValues; literals: string[] };
  insertableColumns(t: TableInfo): ColumnInfo[];
  /** Key-less tables: one row whose content hash (as hashPage spells it) is `hash`, as literals. */
  rowLiteralsByHash(t: TableInfo, hash: string): Sql;
  /** Key-less tables: how many rows have content hash `hash` (read with the dialect's parseCount). */
  countByHash(t: TableInfo, hash: string): Sql;
  /** Key-less tables: delete `copies` rows whose content hash is `hash`. */
  deleteByHash(t: TableInfo, hash: string, copies: number): string;
  insert(t: TableInfo, literals: readonly string[]): string;
  /**
   * Make the replica's row with this key the primary's: insert it or overwrite it (MySQL family:
   * REPLACE, which first deletes any row holding one of its unique values; PostgreSQL: INSERT ... ON
   * CONFLICT DO UPDATE). Foreign keys are neither checked nor cascaded (see replicaWriteSetup).
   */
  upsert(t: TableInfo, key: readonly ColumnInfo[], literals: readonly string[]): string;
  /**
   * True where upsert itself clears a row of another key holding one of the row's unique values
   * (MySQL family: REPLACE). Elsewhere (PostgreSQL: ON CONFLICT names the key only) such a row
   * makes the write fail: the replica path deletes first, the primary path checks the replica.
   */
  readonly upsertClearsUniqueHolders: boolean;
  /**
   * False where upsert cannot give an existing row the primary's value of every column
   * (PostgreSQL: a GENERATED ALWAYS identity column outside the key, which an UPDATE sets only to
   * DEFAULT): the replica path deletes the row and inserts it instead.
   */
  upsertRewritesRow(t: TableInfo, key: readonly ColumnInfo[]): boolean;
  /**
   * Rows (count, read with parseCount) of another key than `keyValues` holding all the values
   * `literals` has for the columns of one of the table's other unique indexes; null when the
   * table has none the row's values could collide on (NULLs never do).
   */
  uniqueHolders(t: TableInfo, key: readonly ColumnInfo[], keyValues: KeyValues, literals: readonly string[]): Sql | null;
  /**
   * Where upsert does not clear them itself (upsertClearsUniqueHolders false): a DELETE of the
   * rows of another key holding one of the values `literals` has in another unique index, run
   * right before the write. Such a row differs from the primary's (the value is this key's
   * there), and its own statement in the diff writes it back. Null when none can collide.
   */
  deleteUniqueHolders(t: TableInfo, key: readonly ColumnInfo[], keyValues: KeyValues, literals: readonly string[]): string | null;
  deleteByKey(t: TableInfo, key: readonly ColumnInfo[], keyValues: KeyValues): string;
  /** `col = value AND ...` for people reading the SQL (comments). */
  keyComment(key: readonly ColumnInfo[], display: readonly (string | number | null)[]): string;
  /** Session statements for writing on a replica without the write going anywhere else. */
  replicaWriteSetup(): readonly string[];
  beginWrite(): string;
  commit(): string;
  rollback(): string;
  /**
   * The primary-side rewrite of one row so that replication carries the primary's own values to
   * the replica. `literals` null: the primary has no row with that key now.
   */
  primaryRewrite(t: TableInfo, key: readonly ColumnInfo[], keyValues: KeyValues, literals: readonly string[] | null, kind: RowKind): PrimaryRewrite;
  /** Session statements before a primary-side rewrite transaction. */
  primaryWriteSetup(t: TableInfo): readonly string[];
  relatedObjects(t: TableInfo): Sql;
  parseRelated(rows: readonly Row[]): RelatedObject[];
  /** Statements a printed script starts with so its literals mean the same on any session. */
  scriptPreamble(): readonly string[];
}

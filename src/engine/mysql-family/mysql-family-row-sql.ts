/**
 * MySQL-family row SQL for diff and repair: row pages in a merge-able order, canonical cell
 * texts consistent with the row hash, key-less hash groups, server-spelled literals, and the
 * statements repair runs.
 */
import { format } from 'sql-escaper';
import type { OrderValue, PrimaryRewrite, RelatedObject, RowPageRequest, RowSql } from '../row-types.js';
import type { ColumnInfo, KeyValues, Row, Sql, SqlValue, TableInfo } from '../types.js';
import { boundaryCodec, checksumField, columnKind, type ColumnKind } from './mysql-family-column-kinds.js';
import { chunkPredicate, indexForKey, qualifiedName, quoteIdent, rowString } from './mysql-family-sql.js';
import { SESSION_SQL_MODE } from './mysql-family-session-mode.js';

/** Kinds whose order is numeric; every other kind is ordered by its bytes (CAST AS BINARY). */
const NUMERIC: ReadonlySet<ColumnKind> = new Set(['integer', 'decimal', 'float', 'double', 'bit', 'enum', 'year']);
const BINARY: ReadonlySet<ColumnKind> = new Set(['binary', 'long-binary']);

/** Cells longer than this travel as a SHA1 of the canonical text rather than the text itself. */
const CELL_INLINE_BYTES = 200;
/** Shown values: characters (text) or bytes (binary) before truncation. */
export const SHOW_CHARS = 64;

function orderExpr(c: ColumnInfo): { order: string; value: string; numeric: boolean } {
  const q = quoteIdent(c.name);
  if (NUMERIC.has(columnKind(c))) {
    const sel = boundaryCodec(c, q).select;
    return { order: sel, value: sel, numeric: true };
  }
  return { order: `CAST(${q} AS BINARY)`, value: `HEX(CAST(${q} AS BINARY))`, numeric: false };
}

function keyDisplayExpr(c: ColumnInfo): string {
  const q = quoteIdent(c.name);
  const kind = columnKind(c);
  if (BINARY.has(kind)) return `CONCAT('0x', HEX(${q}))`;
  if (kind === 'integer' || kind === 'decimal' || kind === 'year') return q;
  if (kind === 'float' || kind === 'double') return `${q} + 0e0`;
  if (kind === 'bit') return `${q} + 0`;
  return `CAST(${q} AS CHAR)`;
}

/**
 * The column's row-hash field, strings as their SHA1 (a raw one over max_allowed_packet would be
 * 'N', like NULL), inline or as its SHA1.
 */
function cellExpr(c: ColumnInfo): string {
  const x = `CONCAT(${checksumField(c, quoteIdent(c.name), true)})`;
  return `IF(LENGTH(${x}) > ${CELL_INLINE_BYTES}, CONCAT('h:', SHA1(${x})), CONCAT('v:', HEX(${x})))`;
}

function shownExpr(c: ColumnInfo): string {
  const q = quoteIdent(c.name);
  const kind = columnKind(c);
  if (BINARY.has(kind)) return `IF(${q} IS NULL, NULL, CONCAT('0x', HEX(LEFT(${q}, ${SHOW_CHARS / 2 + 1}))))`;
  if (kind === 'float' || kind === 'double') return `CAST(${q} + 0e0 AS CHAR)`;
  if (kind === 'bit') return `CAST(${q} + 0 AS CHAR)`;
  if (kind === 'spatial') return `LEFT(ST_AsText(${q}), ${SHOW_CHARS + 1})`;
  // Text as it is: a CAST of a value over max_allowed_packet is NULL, and would show as NULL.
  if (kind === 'text' || kind === 'long-text') return `LEFT(${q}, ${SHOW_CHARS + 1})`;
  return `LEFT(CAST(${q} AS CHAR), ${SHOW_CHARS + 1})`;
}

function forceIndex(t: TableInfo, key: readonly ColumnInfo[]): string {
  const name = indexForKey(t, key);
  return name ? ` FORCE INDEX (${quoteIdent(name)})` : '';
}

function checkPage(offset: number, limit: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new Error(`bad row page offset ${offset}`);
  if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`bad row page limit ${limit}`);
}

/**
 * Rows of one key range ordered by the order expressions (numeric, or bytes), with every key
 * column as order value, exact boundary value and display text, then one cell per column.
 */
export function rowPage(req: RowPageRequest): Sql {
  checkPage(req.offset, req.limit);
  const { table: t, key } = req;
  const where = chunkPredicate(key, req.range);
  const sel: string[] = [];
  key.forEach((c, i) => {
    const o = orderExpr(c);
    sel.push(`${o.value} AS o${i}`, `${boundaryCodec(c, quoteIdent(c.name)).select} AS k${i}`, `${keyDisplayExpr(c)} AS d${i}`);
  });
  t.columns.forEach((c, i) => sel.push(`${cellExpr(c)} AS c${i}`));
  if (req.showValues) t.columns.forEach((c, i) => sel.push(`${shownExpr(c)} AS v${i}`));
  return {
    sql:
      `SELECT ${sel.join(', ')} FROM ${qualifiedName(t)}${where.sql ? forceIndex(t, key) : ''}` +
      (where.sql ? ` WHERE ${where.sql}` : '') +
      ` ORDER BY ${key.map((c) => orderExpr(c).order).join(', ')} LIMIT ${req.limit} OFFSET ${req.offset}`,
    params: where.params,
    refuseTruncation: true,
  };
}

function str(v: unknown): string {
  if (Buffer.isBuffer(v)) return v.toString('latin1');
  return String(v);
}

export function parseRowPage(row: Row, req: RowPageRequest): import('../row-types.js').FetchedRow {
  const order: OrderValue[] = [];
  const keyValues: SqlValue[] = [];
  const keyDisplay: (string | number | null)[] = [];
  req.key.forEach((c, i) => {
    const o = row[`o${i}`];
    if (o === undefined || o === null) throw new Error(`row page lacks the order value of key column ${c.name}`);
    order.push(orderExpr(c).numeric ? { n: typeof o === 'number' ? o : str(o) } : { b: str(o) });
    keyValues.push(row[`k${i}`] as SqlValue);
    const d = row[`d${i}`];
    keyDisplay.push(d === null || d === undefined ? null : typeof d === 'number' ? d : Buffer.isBuffer(d) ? d.toString('utf8') : String(d));
  });
  const cells = req.table.columns.map((c, i) => {
    const v = row[`c${i}`];
    if (v === undefined || v === null) throw new Error(`row page lacks the cell of column ${c.name}`);
    return str(v);
  });
  const shown = req.showValues
    ? req.table.columns.map((_c, i) => {
        const v = row[`v${i}`];
        return v === null || v === undefined ? null : Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
      })
    : null;
  return { order, keyValues, keyDisplay, cells, shown };
}

/**
 * Key-less tables: groups of identical rows (by the SHA1 of the row-hash string, every string in
 * it hashed: a raw one over max_allowed_packet would read 'N', the same as NULL, and two long
 * rows would be one group) after `after`. Each page scans the table once; --nokey-max-rows keeps
 * that bounded.
 */
export function hashPage(t: TableInfo, after: string | null, limit: number): Sql {
  checkPage(0, limit);
  const inner = `SELECT UNHEX(SHA1(${rowString(t.columns, 'hashed')})) AS h FROM ${qualifiedName(t)}`;
  return {
    sql: `SELECT HEX(h) AS h, COUNT(*) AS n FROM (${inner}) AS syncpoint_rows${after === null ? '' : ' WHERE h > UNHEX(?)'} GROUP BY h ORDER BY h LIMIT ${limit}`,
    params: after === null ? [] : [after],
    refuseTruncation: true,
  };
}

export function parseHashPage(row: Row): { hash: string; count: number } {
  const n = Number(row['n']);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`bad row group count ${String(row['n'])}`);
  return { hash: str(row['h']), count: n };
}

/** A SQL literal for the column's value, spelled by the server so it reads back exactly. */
function literalExpr(c: ColumnInfo): string {
  const q = quoteIdent(c.name);
  const kind = columnKind(c);
  const orNull = (e: string) => `IF(${q} IS NULL, 'NULL', ${e})`;
  switch (kind) {
    case 'integer':
    case 'decimal':
    case 'year':
      return orNull(`CAST(${q} AS CHAR)`);
    case 'float':
    case 'double':
      // The shortest round-trip text of the DOUBLE; as a literal it converts back to the same value.
      return orNull(`CONCAT(CAST(${q} + 0e0 AS CHAR), IF(CAST(${q} + 0e0 AS CHAR) LIKE '%e%', '', 'e0'))`);
    case 'bit':
      return orNull(`CAST(${q} + 0 AS CHAR)`);
    case 'temporal':
      return orNull(`QUOTE(${q})`);
    case 'enum':
      // The member's number: its label may name another member (ENUM's error value 0, left by
      // UPDATE IGNORE, prints as '' like a real '' member). 0 is refused in strict mode, so such a
      // value makes the repair fail rather than write a different member.
      return orNull(`CAST(${q} + 0 AS CHAR)`);
    case 'text':
    case 'long-text': {
      const cs = c.charset && /^[A-Za-z0-9_]+$/.test(c.charset) ? c.charset : null;
      return orNull(cs ? `CONCAT('CONVERT(X''', HEX(${q}), ''' USING ${cs})')` : `CONCAT('X''', HEX(${q}), '''')`);
    }
    case 'binary':
    case 'long-binary':
      return orNull(`CONCAT('X''', HEX(${q}), '''')`);
    case 'json':
      return orNull(`CONCAT('CAST(CONVERT(X''', HEX(CAST(${q} AS CHAR)), ''' USING utf8mb4) AS JSON)')`);
    case 'spatial':
      return orNull(`CONCAT('ST_GeomFromWKB(X''', HEX(ST_AsBinary(${q})), ''', ', ST_SRID(${q}), ')')`);
    case 'other':
      return orNull(`QUOTE(CAST(${q} AS CHAR))`);
  }
}

export function insertableColumns(t: TableInfo): ColumnInfo[] {
  return t.columns.filter((c) => c.generated === 'no');
}

function keyWhere(key: readonly ColumnInfo[], keyValues: KeyValues): string {
  if (keyValues.length !== key.length) throw new Error(`key has ${key.length} column(s) but ${keyValues.length} value(s) were given`);
  const parts = key.map((c) => `${quoteIdent(c.name)} = ${boundaryCodec(c, quoteIdent(c.name)).bind}`);
  return format(parts.join(' AND '), keyValues.map((v) => (typeof v === 'bigint' ? v.toString() : v)));
}

export function rowLiterals(t: TableInfo, key: readonly ColumnInfo[], keyValues: KeyValues, lock: boolean): Sql {
  const cols = insertableColumns(t).map((c, i) => `${literalExpr(c)} AS l${i}`);
  return { sql: `SELECT ${cols.join(', ')} FROM ${qualifiedName(t)} WHERE ${keyWhere(key, keyValues)}${lock ? ' FOR UPDATE' : ''}`, params: [] };
}

export function rowsLiterals(t: TableInfo, key: readonly ColumnInfo[], keys: readonly KeyValues[]): Sql {
  if (keys.length === 0) throw new Error('no keys to read');
  const sel = [...key.map((c, i) => `${boundaryCodec(c, quoteIdent(c.name)).select} AS k${i}`), ...insertableColumns(t).map((c, i) => `${literalExpr(c)} AS l${i}`)];
  return { sql: `SELECT ${sel.join(', ')} FROM ${qualifiedName(t)} WHERE ${keys.map((k) => `(${keyWhere(key, k)})`).join(' OR ')}`, params: [] };
}

export function parseKeyedLiterals(row: Row, t: TableInfo, key: readonly ColumnInfo[]): { keyValues: KeyValues; literals: string[] } {
  return { keyValues: key.map((_c, i) => row[`k${i}`] as SqlValue), literals: parseRowLiterals(row, t) };
}

export function parseRowLiterals(row: Row, t: TableInfo): string[] {
  return insertableColumns(t).map((c, i) => {
    const v = row[`l${i}`];
    if (v === undefined) throw new Error(`no literal for column ${c.name}`);
    // A NULL value reads 'NULL'; a NULL literal is a CONCAT over max_allowed_packet (the value in
    // hex takes twice its size): the row cannot be copied through SQL text.
    if (v === null) throw new Error(`column ${c.name}: the value is too long to copy as a literal (twice its size is over max_allowed_packet); raise max_allowed_packet`);
    return str(v);
  });
}

function hashMatch(t: TableInfo, hash: string): string {
  if (!/^[0-9A-Fa-f]{40}$/.test(hash)) throw new Error(`not a row hash: ${JSON.stringify(hash)}`);
  return `UNHEX(SHA1(${rowString(t.columns, 'hashed')})) = X'${hash.toUpperCase()}'`;
}

export function rowLiteralsByHash(t: TableInfo, hash: string): Sql {
  const cols = insertableColumns(t).map((c, i) => `${literalExpr(c)} AS l${i}`);
  return { sql: `SELECT ${cols.join(', ')} FROM ${qualifiedName(t)} WHERE ${hashMatch(t, hash)} LIMIT 1`, params: [], refuseTruncation: true };
}

export function countByHash(t: TableInfo, hash: string): Sql {
  return { sql: `SELECT COUNT(*) AS row_count FROM ${qualifiedName(t)} WHERE ${hashMatch(t, hash)}`, params: [], refuseTruncation: true };
}

export function deleteByHash(t: TableInfo, hash: string, copies: number): string {
  if (!Number.isSafeInteger(copies) || copies < 1) throw new Error(`bad copy count ${copies}`);
  return `DELETE FROM ${qualifiedName(t)} WHERE ${hashMatch(t, hash)} LIMIT ${copies}`;
}

export function insert(t: TableInfo, literals: readonly string[]): string {
  const cols = insertableColumns(t);
  if (literals.length !== cols.length) throw new Error(`${cols.length} column(s) but ${literals.length} literal(s)`);
  return `INSERT INTO ${qualifiedName(t)} (${cols.map((c) => quoteIdent(c.name)).join(', ')}) VALUES (${literals.join(', ')})`;
}

/**
 * REPLACE, not INSERT ... ON DUPLICATE KEY UPDATE: it first deletes every row holding one of the
 * new row's unique values, so two rows whose UNIQUE values are swapped on the replica are put
 * right one after the other (the upsert met the other row's value: error 1062, and on the primary
 * path a replica stopped). It rewrites the key columns too: under a case-insensitive collation the
 * replica's key may equal the primary's and still hold other bytes ('KEY7' for 'key7'). Its delete
 * neither checks nor cascades foreign keys: every repair session runs with foreign_key_checks = 0
 * (FOREIGN_KEY_WRITES), which statement events carry to the replica.
 */
export function upsert(t: TableInfo, _key: readonly ColumnInfo[], literals: readonly string[]): string {
  const cols = insertableColumns(t);
  if (literals.length !== cols.length) throw new Error(`${cols.length} column(s) but ${literals.length} literal(s)`);
  return `REPLACE INTO ${qualifiedName(t)} (${cols.map((c) => quoteIdent(c.name)).join(', ')}) VALUES (${literals.join(', ')})`;
}

/**
 * The repair's writes make each table equal to the primary's on its own, in whatever order the
 * tables come: a child row may go in before its parent does, a parent be rewritten (REPLACE: a
 * delete and an insert) under its children. With the checks on, the first stopped the repair (on
 * the primary path: the replica's SQL thread, error 1452) and the second deleted the children
 * (ON DELETE CASCADE). A statement event carries the session's foreign_key_checks to the replica.
 */
const FOREIGN_KEY_WRITES = 'SET SESSION foreign_key_checks = 0';

export function deleteByKey(t: TableInfo, key: readonly ColumnInfo[], keyValues: KeyValues): string {
  return `DELETE FROM ${qualifiedName(t)} WHERE ${keyWhere(key, keyValues)}`;
}

export function keyComment(key: readonly ColumnInfo[], display: readonly (string | number | null)[]): string {
  return key.map((c, i) => `${c.name}=${JSON.stringify(display[i] ?? null)}`).join(', ').replace(/\*\//g, '* /').replace(/[\r\n]/g, ' ');
}

/**
 * The primary-side path logs the rewrite as a STATEMENT: under ROW logging an upsert that finds
 * identical values logs nothing, and a delete + insert logs a row delete that stops the replica
 * (error 1032) when the row is missing there. A statement is replayed as written: the REPLACE
 * inserts a missing row or overwrites a changed one (on the primary it rewrites the row with its
 * own values), and a DELETE of a key the primary does not hold (0 rows there) removes the
 * replica's extra row. Needs SUPER or BINLOG ADMIN.
 */
export function primaryRewrite(t: TableInfo, key: readonly ColumnInfo[], keyValues: KeyValues, literals: readonly string[] | null): PrimaryRewrite {
  return { statements: [literals ? upsert(t, key, literals) : deleteByKey(t, key, keyValues)] };
}

export function relatedObjects(t: TableInfo): Sql {
  return {
    sql:
      "SELECT 'child' AS kind, CONSTRAINT_NAME AS name, CONCAT(CONSTRAINT_SCHEMA, '.', TABLE_NAME) AS detail, DELETE_RULE AS del, UPDATE_RULE AS upd" +
      ' FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE UNIQUE_CONSTRAINT_SCHEMA = ? AND REFERENCED_TABLE_NAME = ?' +
      " UNION ALL SELECT 'parent', CONSTRAINT_NAME, CONCAT(UNIQUE_CONSTRAINT_SCHEMA, '.', REFERENCED_TABLE_NAME), DELETE_RULE, UPDATE_RULE" +
      ' FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?' +
      " UNION ALL SELECT 'trigger', TRIGGER_NAME, CONCAT(ACTION_TIMING, ' ', EVENT_MANIPULATION), '', ''" +
      ' FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = ? AND EVENT_OBJECT_TABLE = ?',
    params: [t.schema, t.name, t.schema, t.name, t.schema, t.name],
  };
}

const CASCADING = /^(CASCADE|SET NULL|SET DEFAULT)$/i;

export function parseRelated(rows: readonly Row[]): RelatedObject[] {
  return rows.map((r) => {
    const kind = str(r['kind']);
    const del = str(r['del'] ?? '');
    const upd = str(r['upd'] ?? '');
    if (kind === 'trigger') return { kind: 'trigger', name: str(r['name']), detail: str(r['detail']), cascades: false };
    return {
      kind: kind === 'child' ? 'foreign-key-child' : 'foreign-key-parent',
      name: str(r['name']),
      detail: `${str(r['detail'])} (ON DELETE ${del}, ON UPDATE ${upd})`,
      cascades: kind === 'child' && (CASCADING.test(del) || CASCADING.test(upd)),
    };
  });
}

export const mysqlFamilyRowSql: RowSql = Object.freeze({
  rowPage,
  parseRowPage,
  hashPage,
  parseHashPage,
  rowLiterals,
  parseRowLiterals,
  rowsLiterals,
  parseKeyedLiterals,
  insertableColumns,
  rowLiteralsByHash,
  countByHash,
  deleteByHash,
  insert,
  upsert,
  upsertClearsUniqueHolders: true,
  // REPLACE deletes and inserts: every column takes the primary's value.
  upsertRewritesRow: () => true,
  // REPLACE deletes them itself.
  deleteUniqueHolders: () => null,
  uniqueHolders: () => null,
  deleteByKey,
  keyComment,
  // read_only replicas accept this session's writes only with SUPER / READ_ONLY ADMIN.
  replicaWriteSetup: () => ['SET SESSION sql_log_bin = 0', FOREIGN_KEY_WRITES],
  beginWrite: () => 'START TRANSACTION',
  commit: () => 'COMMIT',
  rollback: () => 'ROLLBACK',
  primaryRewrite: (t: TableInfo, key: readonly ColumnInfo[], keyValues: KeyValues, literals: readonly string[] | null) => primaryRewrite(t, key, keyValues, literals),
  // The table's database as the default one: statements are replicated and filtered by it
  // (replicate_ignore_db, binlog_ignore_db), as the application's own writes to it are; without it
  // they would reach a replica that filters the database out.
  primaryWriteSetup: (t: TableInfo) => ["SET SESSION binlog_format = 'STATEMENT'", FOREIGN_KEY_WRITES, `USE ${quoteIdent(t.schema)}`],
  relatedObjects,
  parseRelated,
  // The mode the statements were built under (NO_AUTO_VALUE_ON_ZERO: a key 0 stays 0).
  scriptPreamble: () => ["SET NAMES utf8mb4", "SET SESSION time_zone = '+00:00'", `SET SESSION sql_mode = '${SESSION_SQL_MODE}'`],
});

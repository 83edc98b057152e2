/**
 * PostgreSQL row SQL for diff and repair. Cells are `ROW(col)::text`, the very record text the
 * chunk checksum hashes (NULL `()` and '' `("")` stay apart), so a row differs here exactly when
 * it moved the checksum. Key values travel as the column's text and are cast back to its type.
 */
import type { OrderValue, PrimaryRewrite, RelatedObject, RowKind, RowPageRequest, RowSql } from '../row-types.js';
import type { ColumnInfo, KeyValues, Row, Sql, SqlValue, TableInfo } from '../types.js';
import { from, keyOperator, qualifiedName, quoteIdent, rangeWhere } from './postgres-sql.js';

/** Types ordered as numbers; every other type is ordered by the UTF-8 bytes of its text. */
const NUMERIC = new Set(['int2', 'int4', 'int8', 'numeric', 'float4', 'float8', 'oid']);
const CELL_INLINE_BYTES = 200;
const SHOW_CHARS = 64;

const col = (c: ColumnInfo) => `t.${quoteIdent(c.name)}`;

/** A string literal; E'' only when a backslash needs it, so the text reads the same whatever standard_conforming_strings says. */
export function literal(s: string): string {
  if (s.includes('\u0000')) throw new Error('a PostgreSQL text value cannot contain NUL');
  const body = s.replace(/'/g, "''");
  return s.includes('\\') ? `E'${body.replace(/\\/g, '\\\\')}'` : `'${body}'`;
}

function valueLiteral(v: SqlValue, c: ColumnInfo): string {
  if (v === null) return 'NULL';
  const text = Buffer.isBuffer(v) ? `\\x${v.toString('hex')}` : String(v);
  return `${literal(text)}::${c.columnType}`;
}

function orderOf(c: ColumnInfo): { order: string; value: string; numeric: boolean } {
  if (NUMERIC.has(c.dataType)) return { order: col(c), value: col(c), numeric: true };
  const bytes = `convert_to(${col(c)}::text, 'UTF8')`;
  return { order: bytes, value: `upper(encode(${bytes}, 'hex'))`, numeric: false };
}

function check(offset: number, limit: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new Error(`bad row page offset ${offset}`);
  if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`bad row page limit ${limit}`);
}

export function rowPage(req: RowPageRequest): Sql {
  check(req.offset, req.limit);
  const params: SqlValue[] = [];
  const where = rangeWhere(req.key, req.range, params);
  const sel: string[] = [];
  req.key.forEach((c, i) => sel.push(`${orderOf(c).value} AS o${i}`, `${col(c)}::text AS k${i}`));
  req.table.columns.forEach((c, i) => {
    const rec = `ROW(${col(c)})::text`;
    sel.push(`CASE WHEN octet_length(${rec}) > ${CELL_INLINE_BYTES} THEN 'h:' || md5(${rec}) ELSE 'v:' || ${rec} END AS c${i}`);
  });
  if (req.showValues) req.table.columns.forEach((c, i) => sel.push(`left(${col(c)}::text, ${SHOW_CHARS + 1}) AS v${i}`));
  return {
    sql: `SELECT ${sel.join(', ')} FROM ${from(req.table)}${where} ORDER BY ${req.key.map((c) => orderOf(c).order).join(', ')} LIMIT ${req.limit} OFFSET ${req.offset}`,
    params,
  };
}

export function parseRowPage(row: Row, req: RowPageRequest): import('../row-types.js').FetchedRow {
  const order: OrderValue[] = [];
  const keyValues: SqlValue[] = [];
  req.key.forEach((c, i) => {
    const o = row[`o${i}`];
    if (o === undefined || o === null) throw new Error(`row page lacks the order value of key column ${c.name}`);
    order.push(orderOf(c).numeric ? { n: typeof o === 'number' ? o : String(o) } : { b: String(o) });
    const k = row[`k${i}`];
    keyValues.push(k === null || k === undefined ? null : String(k));
  });
  const cells = req.table.columns.map((c, i) => {
    const v = row[`c${i}`];
    if (typeof v !== 'string') throw new Error(`row page lacks the cell of column ${c.name}`);
    return v;
  });
  const shown = req.showValues ? req.table.columns.map((_c, i) => (row[`v${i}`] === null ? null : String(row[`v${i}`]))) : null;
  // Small integers read as numbers; every other key stays its exact text.
  const keyDisplay = keyValues.map((v, i) => (v !== null && (req.key[i]!.dataType === 'int2' || req.key[i]!.dataType === 'int4') ? Number(v) : v === null ? null : String(v)));
  return { order, keyValues, keyDisplay, cells, shown };
}

export function hashPage(t: TableInfo, after: string | null, limit: number): Sql {
  check(0, limit);
  const inner = `SELECT md5(ROW(${t.columns.map(col).join(', ')})::text) AS h FROM ${from(t)}`;
  return {
    sql: `SELECT h, count(*) AS n FROM (${inner}) AS s${after === null ? '' : ' WHERE h COLLATE "C" > $1'} GROUP BY h ORDER BY h COLLATE "C" LIMIT ${limit}`,
    params: after === null ? [] : [after],
  };
}

export function parseHashPage(row: Row): { hash: string; count: number } {
  const n = Number(row['n']);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`bad row group count ${String(row['n'])}`);
  return { hash: String(row['h']), count: n };
}

export function insertableColumns(t: TableInfo): ColumnInfo[] {
  return t.columns.filter((c) => c.generated === 'no');
}

function keyWhere(key: readonly ColumnInfo[], keyValues: KeyValues): string {
  if (keyValues.length !== key.length) throw new Error(`key has ${key.length} column(s) but ${keyValues.length} value(s) were given`);
  return key.map((c, i) => `${col(c)} ${keyOperator([c], '=')} ${valueLiteral(keyValues[i]!, c)}`).join(' AND ');
}

/**
 * The column's value as a SQL literal, 'NULL' for NULL. Tested on the text: `x IS NULL` is also
 * true of a composite value whose fields are all NULL ('(,)'), which is not NULL.
 */
function valueLiteralExpr(c: ColumnInfo): string {
  return `CASE WHEN (${col(c)}::text) IS NULL THEN 'NULL' ELSE quote_literal(${col(c)}::text) || ${literal(`::${c.columnType}`)} END`;
}

export function rowLiterals(t: TableInfo, key: readonly ColumnInfo[], keyValues: KeyValues, lock: boolean): Sql {
  const cols = insertableColumns(t).map(
    (c, i) => `${valueLiteralExpr(c)} AS l${i}`,
  );
  return { sql: `SELECT ${cols.join(', ')} FROM ${from(t)} WHERE ${keyWhere(key, keyValues)}${lock ? ' FOR UPDATE' : ''}`, params: [] };
}

export function rowsLiterals(t: TableInfo, key: readonly ColumnInfo[], keys: readonly KeyValues[]): Sql {
  if (keys.length === 0) throw new Error('no keys to read');
  const sel = [
    ...key.map((c, i) => `${col(c)}::text AS k${i}`),
    ...insertableColumns(t).map((c, i) => `${valueLiteralExpr(c)} AS l${i}`),
  ];
  return { sql: `SELECT ${sel.join(', ')} FROM ${from(t)} WHERE ${keys.map((k) => `(${keyWhere(key, k)})`).join(' OR ')}`, params: [] };
}

export function parseKeyedLiterals(row: Row, t: TableInfo, key: readonly ColumnInfo[]): { keyValues: KeyValues; literals: string[] } {
  return { keyValues: key.map((_c, i) => (row[`k${i}`] === null ? null : String(row[`k${i}`]))), literals: parseRowLiterals(row, t) };
}

export function parseRowLiterals(row: Row, t: TableInfo): string[] {
  return insertableColumns(t).map((c, i) => {
    const v = row[`l${i}`];
    if (typeof v !== 'string') throw new Error(`no literal for column ${c.name}`);
    return v;
  });
}

function hashMatch(t: TableInfo, hash: string): string {
  if (!/^[0-9a-f]{32}$/.test(hash)) throw new Error(`not a row hash: ${JSON.stringify(hash)}`);
  return `md5(ROW(${t.columns.map(col).join(', ')})::text) = '${hash}'`;
}

export function rowLiteralsByHash(t: TableInfo, hash: string): Sql {
  const cols = insertableColumns(t).map(
    (c, i) => `${valueLiteralExpr(c)} AS l${i}`,
  );
  return { sql: `SELECT ${cols.join(', ')} FROM ${from(t)} WHERE ${hashMatch(t, hash)} LIMIT 1`, params: [] };
}

export function countByHash(t: TableInfo, hash: string): Sql {
  return { sql: `SELECT count(*) AS n FROM ${from(t)} WHERE ${hashMatch(t, hash)}`, params: [] };
}

/**
 * No DELETE ... LIMIT in PostgreSQL: the copies are picked by (tableoid, ctid). A ctid alone is
 * a place in one heap: the same ctid is a row of every partition (or inheritance child) read too.
 */
export function deleteByHash(t: TableInfo, hash: string, copies: number): string {
  if (!Number.isSafeInteger(copies) || copies < 1) throw new Error(`bad copy count ${copies}`);
  return `DELETE FROM ${from(t)} WHERE (t.tableoid, t.ctid) IN (SELECT t.tableoid, t.ctid FROM ${from(t)} WHERE ${hashMatch(t, hash)} LIMIT ${copies})`;
}

export function insert(t: TableInfo, literals: readonly string[]): string {
  const cols = insertableColumns(t);
  if (literals.length !== cols.length) throw new Error(`${cols.length} column(s) but ${literals.length} literal(s)`);
  // OVERRIDING SYSTEM VALUE: GENERATED ALWAYS identity columns take the primary's value as well.
  return `INSERT INTO ${qualifiedName(t)} (${cols.map((c) => quoteIdent(c.name)).join(', ')}) OVERRIDING SYSTEM VALUE VALUES (${literals.join(', ')})`;
}

/**
 * Every column but GENERATED ALWAYS identity ones, which an UPDATE (ON CONFLICT DO UPDATE too)
 * can set only to DEFAULT. Key columns too: under a nondeterministic collation an equal key may
 * hold other bytes. A key identity column needs nothing: equal is the same integer.
 */
function updatableColumns(t: TableInfo): ColumnInfo[] {
  return insertableColumns(t).filter((c) => !c.identityAlways);
}

export function upsert(t: TableInfo, key: readonly ColumnInfo[], literals: readonly string[]): string {
  const conflict = `ON CONFLICT (${key.map((c) => quoteIdent(c.name)).join(', ')})`;
  const set = updatableColumns(t);
  // Only identity columns, the key among them: the row with this key is already the primary's.
  if (set.length === 0) return `${insert(t, literals)} ${conflict} DO NOTHING`;
  return `${insert(t, literals)} ${conflict} DO UPDATE SET ${set.map((c) => `${quoteIdent(c.name)} = EXCLUDED.${quoteIdent(c.name)}`).join(', ')}`;
}

/** False when a GENERATED ALWAYS identity column outside the key could differ: no UPDATE can give it the primary's value. */
export function upsertRewritesRow(t: TableInfo, key: readonly ColumnInfo[]): boolean {
  const keyNames = new Set(key.map((c) => c.name));
  return !insertableColumns(t).some((c) => c.identityAlways && !keyNames.has(c.name));
}

/** The table's unique indexes other than `key`, as column lists. */
export function otherUniqueIndexes(t: TableInfo, key: readonly ColumnInfo[]): ColumnInfo[][] {
  const keyNames = key.map((c) => c.name).join('\u0000');
  const byName = new Map(t.columns.map((c) => [c.name, c]));
  return t.indexes
    .filter((ix) => ix.unique && ix.columns.join('\u0000') !== keyNames && ix.columns.every((n) => byName.has(n)))
    .map((ix) => ix.columns.map((n) => byName.get(n)!));
}

/** Rows of another key than `keyValues` holding the values `literals` has in one of the other unique indexes; null when none can. */
function heldBy(t: TableInfo, key: readonly ColumnInfo[], keyValues: KeyValues, literals: readonly string[]): string | null {
  const cols = insertableColumns(t);
  const lit = new Map(cols.map((c, i) => [c.name, literals[i]!]));
  // A NULL in a unique index (NULLS DISTINCT, the default) collides with nothing.
  const tests = otherUniqueIndexes(t, key)
    .filter((ix) => ix.every((c) => lit.has(c.name) && lit.get(c.name) !== 'NULL'))
    .map((ix) => `(${ix.map((c) => `${col(c)} = ${lit.get(c.name)!}`).join(' AND ')})`);
  if (tests.length === 0) return null;
  return `(${tests.join(' OR ')}) AND NOT (${keyWhere(key, keyValues)})`;
}

export function uniqueHolders(t: TableInfo, key: readonly ColumnInfo[], keyValues: KeyValues, literals: readonly string[]): Sql | null {
  const where = heldBy(t, key, keyValues, literals);
  return where === null ? null : { sql: `SELECT count(*) AS n FROM ${from(t)} WHERE ${where}`, params: [] };
}

/**
 * What REPLACE does before its insert: delete the rows of other keys holding one of the row's
 * unique values, so the write cannot fail on them (ON CONFLICT names one constraint only).
 */
export function deleteUniqueHolders(t: TableInfo, key: readonly ColumnInfo[], keyValues: KeyValues, literals: readonly string[]): string | null {
  const where = heldBy(t, key, keyValues, literals);
  return where === null ? null : `DELETE FROM ${from(t)} WHERE ${where}`;
}

export function deleteByKey(t: TableInfo, key: readonly ColumnInfo[], keyValues: KeyValues): string {
  return `DELETE FROM ${from(t)} WHERE ${keyWhere(key, keyValues)}`;
}

export function keyComment(key: readonly ColumnInfo[], display: readonly (string | number | null)[]): string {
  return key.map((c, i) => `${c.name}=${JSON.stringify(display[i] ?? null)}`).join(', ').replace(/\*\//g, '* /').replace(/[\r\n]/g, ' ');
}

/**
 * Primary side: an UPDATE always writes a new row version, WAL-logged and published even when
 * the values are the same, and it carries literal datums (never "unchanged TOAST"), so a changed
 * row is overwritten on standbys and subscribers. A row missing on a subscriber needs an INSERT
 * to be published: delete and re-insert in one transaction, with session_replication_role =
 * replica so foreign-key actions and triggers do not fire on the primary (the subscriber skips
 * the DELETE of a row it lacks). An extra row cannot be removed this way: the primary has no row
 * whose DELETE could be published.
 */
export function primaryRewrite(t: TableInfo, key: readonly ColumnInfo[], keyValues: KeyValues, literals: readonly string[] | null, kind: RowKind): PrimaryRewrite {
  if (!literals) {
    return { refused: 'the primary has no row with this key, so nothing it writes can remove the replica\'s row: use --apply replica (logical subscriber) or rebuild the standby' };
  }
  const cols = insertableColumns(t);
  const keyNames = new Set(key.map((c) => c.name));
  // GENERATED ALWAYS identity columns cannot be SET; the UPDATE's new row version carries their
  // value all the same (logical replication sends every column, a standby gets the whole tuple).
  const rest = cols.map((c, i) => ({ c, l: literals[i]! })).filter((x) => !keyNames.has(x.c.name) && !x.c.identityAlways);
  if (kind === 'changed' && rest.length > 0) {
    return { statements: [`UPDATE ${from(t)} SET ${rest.map((x) => `${quoteIdent(x.c.name)} = ${x.l}`).join(', ')} WHERE ${keyWhere(key, keyValues)}`] };
  }
  return { statements: ['SET LOCAL session_replication_role = replica', deleteByKey(t, key, keyValues), insert(t, literals)] };
}

export function relatedObjects(t: TableInfo): Sql {
  const rel = '$1::regclass';
  return {
    sql:
      `SELECT 'child' AS kind, c.conname::text AS name, c.conrelid::regclass::text AS detail, c.confdeltype::text AS del, c.confupdtype::text AS upd` +
      ` FROM pg_catalog.pg_constraint c WHERE c.contype = 'f' AND c.confrelid = ${rel}` +
      ` UNION ALL SELECT 'parent', c.conname::text, c.confrelid::regclass::text, c.confdeltype::text, c.confupdtype::text` +
      ` FROM pg_catalog.pg_constraint c WHERE c.contype = 'f' AND c.conrelid = ${rel}` +
      ` UNION ALL SELECT 'trigger', g.tgname::text, pg_catalog.pg_get_triggerdef(g.oid), g.tgenabled::text, ''` +
      ` FROM pg_catalog.pg_trigger g WHERE g.tgrelid = ${rel} AND NOT g.tgisinternal`,
    params: [qualifiedName(t)],
  };
}

const ACTION: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

export function parseRelated(rows: readonly Row[]): RelatedObject[] {
  return rows.map((r) => {
    const kind = String(r['kind']);
    if (kind === 'trigger') {
      const firesUnder = ({ O: 'origin', R: 'replica', A: 'always', D: 'disabled' } as const)[String(r['del']) as 'O' | 'R' | 'A' | 'D'] ?? 'origin';
      return { kind: 'trigger', name: String(r['name']), detail: String(r['detail']), cascades: false, firesUnder };
    }
    const del = ACTION[String(r['del'])] ?? String(r['del']);
    const upd = ACTION[String(r['upd'])] ?? String(r['upd']);
    return {
      kind: kind === 'child' ? 'foreign-key-child' : 'foreign-key-parent',
      name: String(r['name']),
      detail: `${String(r['detail'])} (ON DELETE ${del}, ON UPDATE ${upd})`,
      cascades: kind === 'child' && [del, upd].some((a) => a === 'CASCADE' || a === 'SET NULL' || a === 'SET DEFAULT'),
    };
  });
}

export const postgresRowSql: RowSql = Object.freeze({
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
  upsertClearsUniqueHolders: false,
  upsertRewritesRow,
  uniqueHolders,
  deleteUniqueHolders,
  deleteByKey,
  keyComment,
  // Superuser only; keeps user triggers and foreign-key actions quiet, as the apply worker does.
  replicaWriteSetup: () => ['SET session_replication_role = replica'],
  // Sessions of this tool default to read-only transactions.
  beginWrite: () => 'BEGIN READ WRITE',
  commit: () => 'COMMIT',
  rollback: () => 'ROLLBACK',
  primaryRewrite,
  primaryWriteSetup: () => [],
  relatedObjects,
  parseRelated,
  scriptPreamble: () => ["SET TimeZone = 'UTC'", "SET DateStyle = 'ISO, YMD'", "SET IntervalStyle = 'iso_8601'", 'SET extra_float_digits = 3', "SET lc_monetary = 'C'"],
});

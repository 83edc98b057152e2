/**
 * The MySQL-family SQL dialect: pure builders returning { sql, params } with `?` placeholders.
 * Shared by MySQL and MariaDB; nothing here differs between them.
 */
import type { SqlDialect } from '../engine.js';
import type { ChunkChecksum, ChunkRange, ColumnInfo, KeyValues, Row, RowHash, Sql, SqlValue, TableInfo } from '../types.js';
import { boundaryCodec, carriesText, checksumField, columnKind, fastField, isSmallLob, rowStringMaxBytes, type StringMode } from './mysql-family-column-kinds.js';
import { mysqlFamilyRowSql } from './mysql-family-row-sql.js';
import { asBigInt, parseKeyExtent } from '../types.js';

export function quoteIdent(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

export function qualifiedName(t: Pick<TableInfo, 'schema' | 'name'>): string {
  return `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;
}

/** Digest of an empty range: both sums COALESCEd to 0. */
export const EMPTY_DIGEST = '0:0';

/**
 * The index whose columns are exactly the key, in order (PRIMARY first): forced so the range
 * optimizer walks that index rather than guessing from stale statistics.
 */
export function indexForKey(t: TableInfo, key: readonly ColumnInfo[]): string | null {
  const names = key.map((c) => c.name);
  const match = [...t.indexes]
    .sort((a, b) => Number(b.primary) - Number(a.primary))
    .find((i) => i.columns.length === names.length && i.columns.every((c, k) => c === names[k]));
  return match ? match.name : null;
}

function forceIndex(t: TableInfo, key: readonly ColumnInfo[]): string {
  const name = indexForKey(t, key);
  return name ? ` FORCE INDEX (${quoteIdent(name)})` : '';
}

function checkKeyValues(key: readonly ColumnInfo[], values: KeyValues, what: string): void {
  if (values.length !== key.length) {
    throw new Error(`${what} has ${values.length} values for a ${key.length}-column key`);
  }
}

/**
 * Rows after `values` in key order, expanded the way pt-table-checksum does rather than as a row
 * constructor, so the range optimizer builds index ranges from it:
 *   (a > ?) OR (a = ? AND b > ?) OR (a = ? AND b = ? AND c > ?)
 * With `inclusive` the last comparison is >= (or <= for 'upper').
 */
export function keyRangePredicate(
  key: readonly ColumnInfo[],
  values: KeyValues,
  side: 'lower' | 'upper',
  inclusive: boolean,
): Sql {
  const strict = side === 'lower' ? '>' : '<';
  const codecs = key.map((c) => ({ q: quoteIdent(c.name), codec: boundaryCodec(c, quoteIdent(c.name)) }));
  const terms: string[] = [];
  const params: SqlValue[] = [];
  for (let i = 0; i < key.length; i++) {
    const parts: string[] = [];
    for (let j = 0; j < i; j++) {
      parts.push(`${codecs[j]!.q} = ${codecs[j]!.codec.bind}`);
      params.push(values[j]!);
    }
    const last = i === key.length - 1;
    const op = last && inclusive ? `${strict}=` : strict;
    parts.push(`${codecs[i]!.q} ${op} ${codecs[i]!.codec.bind}`);
    params.push(values[i]!);
    terms.push(parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`);
  }
  return { sql: terms.length === 1 ? terms[0]! : `(${terms.join(' OR ')})`, params };
}

/** lower < key <= upper; a null bound is open. Empty sql when both are open. */
export function chunkPredicate(key: readonly ColumnInfo[], range: ChunkRange): Sql {
  const between = integerBetween(key, range);
  if (between) return between;
  const parts: string[] = [];
  const params: SqlValue[] = [];
  if (range.lower) {
    checkKeyValues(key, range.lower, 'chunk lower bound');
    const p = keyRangePredicate(key, range.lower, 'lower', false);
    parts.push(p.sql);
    params.push(...p.params);
  }
  if (range.upper) {
    checkKeyValues(key, range.upper, 'chunk upper bound');
    const p = keyRangePredicate(key, range.upper, 'upper', true);
    parts.push(p.sql);
    params.push(...p.params);
  }
  return { sql: parts.join(' AND '), params };
}

/**
 * A one-column integer key with both bounds: `key BETWEEN lower + 1 AND upper`, the same rows.
 * The server tests a chunk's condition on every row it reads; BETWEEN is one test where
 * `> AND <=` is two (MariaDB 10.11, 1M rows: 348 -> 333 ms, 302 ms with no condition).
 */
function integerBetween(key: readonly ColumnInfo[], range: ChunkRange): Sql | null {
  if (key.length !== 1 || columnKind(key[0]!) !== 'integer' || !range.lower || !range.upper) return null;
  checkKeyValues(key, range.lower, 'chunk lower bound');
  checkKeyValues(key, range.upper, 'chunk upper bound');
  const lower = asBigInt(range.lower[0]);
  if (lower === null) return null;
  const { bind } = boundaryCodec(key[0]!, quoteIdent(key[0]!.name));
  return { sql: `${quoteIdent(key[0]!.name)} BETWEEN ${bind} AND ${bind}`, params: [(lower + 1n).toString(), range.upper[0]!] };
}

/** Per-row string: every column's self-delimiting encoding, concatenated. */
export function rowString(columns: readonly ColumnInfo[], mode: StringMode = 'raw'): string {
  if (columns.length === 0) return `''`;
  return `CONCAT(${columns.map((c) => checksumField(c, quoteIdent(c.name), mode === 'hashed')).join(', ')})`;
}

/**
 * 64 bits of the row's hash as an integer: CRC32 of two 4-byte pieces, high and low. CRC32 of a
 * 4-byte input is a bijection of those 32 bits (the message is shorter than the polynomial), so
 * the integer carries exactly the hash's bits; it replaces CONV(hex, 16, 10), which cost more CPU
 * than the SHA1 itself (MariaDB 10.11, 1M rows: whole checksum 1.63 -> 1.34 CPU s).
 */
const half = (from: number) => `COALESCE(SUM((CRC32(SUBSTRING(h, ${from}, 4)) << 32) | CRC32(SUBSTRING(h, ${from + 4}, 4))), 0)`;

/**
 * 'strong': COUNT(*) and two SUMs of 64-bit pieces of a per-row SHA1: an order-independent
 * multiset hash of 128 bits. SUM, not BIT_XOR: XOR lets duplicate rows (key-less tables) cancel
 * out. SUM over BIGINT UNSIGNED is an exact DECIMAL in both flavors: no overflow.
 * The derived table carries a LIMIT so it is materialized, not merged: merged, each SUM would
 * compute the SHA1 again (measured on MariaDB 10.11 at 100k rows: 400 ms merged vs 200 ms).
 * It holds the 20-byte binary digest, not its 40-character hex: a chunk's temporary table stays
 * in memory (a 200k-row chunk of hex went to an on-disk temporary table at the default 16 MB
 * tmp_table_size). The materialization is most of this hash's cost.
 * SHA1 rather than MD5: faster where the CPU has SHA extensions (0.7 vs 1.5 CPU s per 1M rows).
 */
function strongChecksum(columns: readonly ColumnInfo[], from: string, where: Sql, mode: StringMode): Sql {
  const inner = `SELECT UNHEX(SHA1(${rowString(columns, mode)})) AS h FROM ${from}` + (where.sql ? ` WHERE ${where.sql}` : '') + ' LIMIT 18446744073709551615';
  return {
    sql: `SELECT COUNT(*) AS row_count, ${half(1)} AS sum_hi, ${half(9)} AS sum_lo FROM (${inner}) AS syncpoint_rows`,
    params: where.params,
    refuseTruncation: true,
  };
}

/**
 * The fast row string: CONCAT_WS(',', f1, ..., fn, len_a, len_b, ...).
 * - Numbers, times and hashed long values never hold a comma and are never empty; a NULL one is
 *   'N'. Strings are raw bytes, skipped when NULL; each has a length slot in the trailer (its byte
 *   length, 'N' when NULL) but one: the anchor.
 * - Read it from both ends: the trailer's slots (a known number, comma-free) from the right, then
 *   every field before the anchor from the left and every field after it from the right, each
 *   either comma-free or of known length. What is left is the anchor; NULL leaves nothing, not
 *   even the separator an empty string gets. Two different rows never have the same string.
 * - Text goes in raw when the table's text columns share one character set (no conversion
 *   happens), as bytes otherwise (MariaDB 10.11, wide rows: 288 -> 148 ms per 300k rows).
 * - TEXT and BLOB (64 kB at most) go in raw too while a table has at most RAW_LOB_MAX of them
 *   and the longest row string the columns allow stays within max_allowed_packet (over it
 *   CONCAT_WS is NULL and the row would drop out of the hash; see fastStringMode). Past that,
 *   and for MEDIUM/LONG values and JSON, the value's CRC32 goes in; where even that could not
 *   fit, every string's CRC32 does ('hashed': no strings left, no length slots, no anchor).
 * - Each item costs 20-50 ns a row on MariaDB 10.11, most of the hash: no null flags, and no
 *   length for the anchor, keeps it at about pt-table-checksum's CRC32 expression or below
 *   (integer-keyed bench table, 1M rows: 337 -> 302 ms; pt's 323 ms).
 */
export const RAW_LOB_MAX = 15;

export function fastRowString(columns: readonly ColumnInfo[], mode: StringMode = fastStringMode(columns, Number.POSITIVE_INFINITY)): string {
  const rawLob = mode === 'raw';
  const charsets = new Set(columns.filter((c) => carriesText(c, rawLob) && c.charset).map((c) => c.charset!.toLowerCase()));
  const fields = columns.map((c) => fastField(c, quoteIdent(c.name), charsets.size > 1, rawLob, mode === 'hashed'));
  // The anchor: a NOT NULL string if there is one. A nullable anchor alone would make NULL and ''
  // the same (empty) string, so a lone string keeps its slot unless NOT NULL.
  const strings = columns.map((c, i) => ({ c, i })).filter(({ i }) => fields[i]!.length !== null);
  const anchor = strings.find(({ c }) => !c.nullable) ?? (fields.length > 1 ? strings[0] : undefined);
  const parts = [...fields.map((f) => f.field), ...fields.flatMap((f, i) => (f.length && i !== anchor?.i ? [f.length] : []))];
  return parts.length ? `CONCAT_WS(',', ${parts.join(', ')})` : `''`;
}

/** Odd, under 2^32: the product with a CRC32 fits BIGINT UNSIGNED and is a bijection of it. */
const FAST_MIX = 2654435761;

/**
 * 'fast': COUNT(*) and the XOR of CRC32(row string) x FAST_MIX over the chunk, in one pass
 * with nothing materialized (MariaDB 10.11, 2M bench rows: 0.69 s against 0.66 s for
 * pt-table-checksum's own CRC32 expression, and 1.9 s for 'strong').
 * - The multiplication makes the XOR nonlinear: CRC32 is linear, so with a plain XOR of CRCs
 *   two rows that swap equal-length values cancel out exactly (pt-table-checksum's blind spot).
 * - XOR is safe only because the rows are distinct: the key is part of the string. A key-less
 *   table gets the strong hash, whose SUM lets duplicate rows count.
 * - A changed row goes unseen with probability about 2^-32 (never for a change within 32 bits);
 *   --hash strong is the choice for 128 bits.
 */
function fastChecksum(columns: readonly ColumnInfo[], from: string, where: Sql, mode: StringMode): Sql {
  return {
    sql:
      `SELECT COUNT(*) AS row_count, BIT_XOR(CRC32(${fastRowString(columns, mode)}) * ${FAST_MIX}) AS row_xor FROM ${from}` +
      (where.sql ? ` WHERE ${where.sql}` : ''),
    params: where.params,
    refuseTruncation: true,
  };
}

/**
 * How the fast row string carries strings on servers whose max_allowed_packet is
 * `maxRowBytes` (the smallest of those compared): raw while the longest possible row fits (TEXT
 * and BLOB too while a table has at most RAW_LOB_MAX of them), TEXT/BLOB hashed when only that
 * fits (many TEXT columns under MySQL 5.5's 1 MB default), every string hashed otherwise (a
 * server set below the 64 kB a row's other columns can hold).
 */
export function fastStringMode(columns: readonly ColumnInfo[], maxRowBytes: number): StringMode {
  if (columns.filter(isSmallLob).length <= RAW_LOB_MAX && rowStringMaxBytes(columns, 'fast', 'raw') <= maxRowBytes) return 'raw';
  return rowStringMaxBytes(columns, 'fast', 'raw-hashed-lobs') <= maxRowBytes ? 'raw-hashed-lobs' : 'hashed';
}

/** The strong row string's mode: strings raw while the longest possible row fits, hashed otherwise. */
export function strongStringMode(columns: readonly ColumnInfo[], maxRowBytes: number): StringMode {
  return rowStringMaxBytes(columns, 'strong', 'raw') <= maxRowBytes ? 'raw' : 'hashed';
}

/**
 * `maxRowBytes`: the smallest max_allowed_packet of the servers compared (every server must build
 * the same row string). A table whose rows could outgrow it even with every string hashed is
 * refused rather than checked with rows missing from the hash.
 */
export function chunkChecksum(t: TableInfo, columns: readonly ColumnInfo[], key: readonly ColumnInfo[] | null, range: ChunkRange, hash: RowHash, maxRowBytes: number): Sql {
  const where = key ? chunkPredicate(key, range) : { sql: '', params: [] };
  const from = qualifiedName(t) + (key && where.sql ? forceIndex(t, key) : '');
  const fast = hash === 'fast' && key !== null;
  const mode = fast ? fastStringMode(columns, maxRowBytes) : strongStringMode(columns, maxRowBytes);
  const longest = mode === 'hashed' ? rowStringMaxBytes(columns, fast ? 'fast' : 'strong', mode) : 0;
  if (longest > maxRowBytes) {
    throw new Error(
      `${qualifiedName(t)}: a row's checksum string can reach ${longest} bytes, over max_allowed_packet (${maxRowBytes}) on a server compared; raise max_allowed_packet there`,
    );
  }
  return fast ? fastChecksum(columns, from, where, mode) : strongChecksum(columns, from, where, mode);
}

function asCount(v: unknown, what: string): number {
  const n = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : Number(String(v));
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`unexpected ${what} ${JSON.stringify(String(v))}`);
  return n;
}

function asDecimalText(v: unknown, what: string): string {
  const s = v === null || v === undefined ? '0' : String(v);
  if (!/^\d+$/.test(s)) throw new Error(`unexpected ${what} ${JSON.stringify(s)}`);
  return s;
}

export function parseChecksum(row: Row): ChunkChecksum {
  const rows = asCount(row['row_count'], 'row count');
  if ('row_xor' in row) return { rows, digest: `x:${asDecimalText(row['row_xor'], 'checksum xor')}` };
  return { rows, digest: `${asDecimalText(row['sum_hi'], 'checksum sum')}:${asDecimalText(row['sum_lo'], 'checksum sum')}` };
}

/** Boundary value aliases: k0, k1, ... in key order. */
const alias = (i: number) => `k${i}`;

export function nextBoundary(t: TableInfo, key: readonly ColumnInfo[], after: KeyValues | null, offset: number): Sql {
  if (key.length === 0) throw new Error('nextBoundary needs a key');
  if (!Number.isSafeInteger(offset) || offset < 0) throw new Error(`bad boundary offset ${offset}`);
  const cols = key.map((c, i) => `${boundaryCodec(c, quoteIdent(c.name)).select} AS ${alias(i)}`);
  let where: Sql = { sql: '', params: [] };
  if (after) {
    checkKeyValues(key, after, 'boundary start');
    where = keyRangePredicate(key, after, 'lower', false);
  }
  return {
    sql:
      `SELECT ${cols.join(', ')} FROM ${qualifiedName(t)}${forceIndex(t, key)}` +
      (where.sql ? ` WHERE ${where.sql}` : '') +
      ` ORDER BY ${key.map((c) => quoteIdent(c.name)).join(', ')} LIMIT 1 OFFSET ${offset}`,
    params: where.params,
  };
}

export function parseBoundary(row: Row, key: readonly ColumnInfo[]): KeyValues {
  return key.map((c, i) => {
    const v = row[alias(i)];
    if (v === undefined) throw new Error(`boundary row has no value for key column ${c.name}`);
    return v as SqlValue;
  });
}

export function keyExtent(t: TableInfo, key: readonly ColumnInfo[]): Sql | null {
  if (key.length !== 1 || columnKind(key[0]!) !== 'integer') return null;
  const q = quoteIdent(key[0]!.name);
  return { sql: `SELECT MIN(${q}) AS lo, MAX(${q}) AS hi FROM ${qualifiedName(t)}`, params: [] };
}

export function rowCount(t: TableInfo): Sql {
  return { sql: `SELECT COUNT(*) AS row_count FROM ${qualifiedName(t)}`, params: [] };
}

export function parseCount(row: Row): number {
  return asCount(row['row_count'], 'row count');
}

export const mysqlFamilySql: SqlDialect = Object.freeze({
  quoteIdent,
  qualifiedName,
  chunkChecksum,
  parseChecksum,
  nextBoundary,
  parseBoundary,
  keyExtent,
  parseExtent: parseKeyExtent,
  rowCount,
  parseCount,
  // A getter: the row module imports this one, so its value may not exist yet at load time.
  get rows() {
    return mysqlFamilyRowSql;
  },
});

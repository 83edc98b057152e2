/**
 * How each column type enters a row hash and a chunk boundary. Pure: column facts in, SQL
 * fragments out.
 */
import type { ColumnInfo } from '../types.js';

export type ColumnKind =
  | 'integer'
  | 'decimal'
  | 'float'
  | 'double'
  | 'bit'
  | 'year'
  | 'temporal'
  | 'text'
  | 'binary'
  /** TEXT/BLOB families: hashed on their own so the row string stays small (max_allowed_packet). */
  | 'long-text'
  | 'long-binary'
  | 'enum'
  | 'json'
  | 'spatial'
  /** uuid, inet4, inet6, vector, and types this code does not know. */
  | 'other';

const KINDS: Record<string, ColumnKind> = {
  tinyint: 'integer',
  smallint: 'integer',
  mediumint: 'integer',
  int: 'integer',
  integer: 'integer',
  bigint: 'integer',
  decimal: 'decimal',
  numeric: 'decimal',
  float: 'float',
  double: 'double',
  real: 'double',
  'double precision': 'double',
  bit: 'bit',
  year: 'year',
  date: 'temporal',
  time: 'temporal',
  datetime: 'temporal',
  timestamp: 'temporal',
  char: 'text',
  varchar: 'text',
  tinytext: 'long-text',
  text: 'long-text',
  mediumtext: 'long-text',
  longtext: 'long-text',
  binary: 'binary',
  varbinary: 'binary',
  tinyblob: 'long-binary',
  blob: 'long-binary',
  mediumblob: 'long-binary',
  longblob: 'long-binary',
  enum: 'enum',
  set: 'enum',
  json: 'json',
  geometry: 'spatial',
  point: 'spatial',
  linestring: 'spatial',
  polygon: 'spatial',
  multipoint: 'spatial',
  multilinestring: 'spatial',
  multipolygon: 'spatial',
  geometrycollection: 'spatial',
  geomcollection: 'spatial',
};

export function columnKind(c: Pick<ColumnInfo, 'dataType' | 'charset'>): ColumnKind {
  const kind = KINDS[c.dataType.toLowerCase()] ?? 'other';
  // CHAR/VARCHAR ... CHARACTER SET binary are byte strings: compare and rebuild them as bytes.
  if (kind === 'text' && c.charset?.toLowerCase() === 'binary') return 'binary';
  if (kind === 'long-text' && c.charset?.toLowerCase() === 'binary') return 'long-binary';
  return kind;
}

/**
 * The field's contribution to the row string. Every encoding is self-delimiting so the
 * concatenation is unambiguous, and NULL ('N') differs from '' ("0:") and from 'NULL' ("4:NULL"):
 * - numbers and temporal values print without ',' and are followed by ',';
 * - byte strings carry their byte length: "<len>:<bytes>";
 * - TEXT/BLOB carry the SHA1 of their bytes (40 hex digits) so a row stays far below
 *   max_allowed_packet (over it CONCAT returns NULL and the row would vanish from the hash).
 * Strings go in as raw bytes (CAST AS BINARY): a case-only change under a case-insensitive
 * collation, or trailing spaces in VARCHAR, must change the hash.
 */
/**
 * Kinds whose value the server prints as it is, never with a comma and never empty: temporal
 * values with their declared fractional digits, TIMESTAMP in the session's UTC.
 */
const PRINTED_AS_IS = new Set(['integer', 'decimal', 'double', 'year', 'temporal'] as const);
type PrintedKind = typeof PRINTED_AS_IS extends Set<infer K> ? K : never;
const printedAsIs = (k: ColumnKind): k is PrintedKind => PRINTED_AS_IS.has(k as PrintedKind);

export function checksumField(c: Pick<ColumnInfo, 'dataType' | 'charset'>, q: string): string {
  const kind = columnKind(c);
  if (printedAsIs(kind)) return `IFNULL(${q},'N'),','`;
  switch (kind) {
    case 'float':
      // FLOAT prints ~6 significant digits as a string and hides drift; widened to DOUBLE (exact) it
      // prints the shortest round-trip form. "+ 0e0" rather than CAST AS DOUBLE: MySQL < 8.0.17 lacks it.
      return `IFNULL(${q} + 0e0,'N'),','`;
    case 'bit':
      return `IFNULL(${q} + 0,'N'),','`;
    case 'text':
    case 'enum':
      return lengthPrefixed(`CAST(${q} AS BINARY)`);
    case 'binary':
      return lengthPrefixed(q);
    case 'long-text':
    case 'long-binary':
      return `IFNULL(SHA1(CAST(${q} AS BINARY)),'N')`;
    case 'json':
      // MySQL's binary JSON: its canonical text form (MariaDB JSON is LONGTEXT and never gets here).
      return `IFNULL(SHA1(CAST(CAST(${q} AS CHAR) AS BINARY)),'N')`;
    case 'spatial':
      // Well-known binary plus SRID: portable across versions, unlike the internal storage format.
      return lengthPrefixed(`CONCAT(ST_SRID(${q}),':',ST_AsBinary(${q}))`);
    case 'other':
      return lengthPrefixed(`CAST(${q} AS BINARY)`);
  }
}

function lengthPrefixed(bytes: string): string {
  return `IFNULL(CONCAT(LENGTH(${bytes}),':',${bytes}),'N')`;
}

/**
 * Boundary values must come back exactly as stored and compare in the column's own order:
 * strings travel as hex and are rebuilt in the column's charset and collation; numbers as their
 * decimal text (bigNumberStrings) and are compared as numbers, never as DOUBLE (a string compared
 * with an integer or DECIMAL column is compared as DOUBLE: beyond 2^53 that loses the boundary).
 */
export interface BoundaryCodec {
  /** Expression selected for the boundary value. */
  readonly select: string;
  /** Expression with one `?` that rebuilds a selected value for comparison with the column. */
  readonly bind: string;
}

const IDENT_WORD = /^[A-Za-z0-9_]+$/;

export function boundaryCodec(c: Pick<ColumnInfo, 'dataType' | 'columnType' | 'charset' | 'collation'>, q: string): BoundaryCodec {
  const kind = columnKind(c);
  switch (kind) {
    case 'integer':
      return { select: q, bind: /\bunsigned\b/i.test(c.columnType) ? 'CAST(? AS UNSIGNED)' : 'CAST(? AS SIGNED)' };
    case 'decimal': {
      const m = /\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)/.exec(c.columnType);
      const precision = m ? Number(m[1]) : 10;
      const scale = m?.[2] ? Number(m[2]) : 0;
      return { select: q, bind: `CAST(? AS DECIMAL(${precision},${scale}))` };
    }
    case 'float':
    case 'double':
      // Selected as DOUBLE (exact for FLOAT too) and rebuilt as DOUBLE from its round-trip text.
      return { select: `${q} + 0e0`, bind: '(? + 0e0)' };
    case 'bit':
      return { select: `${q} + 0`, bind: 'CAST(? AS UNSIGNED)' };
    case 'enum':
      // Indexes order ENUM/SET by their numeric value, not their label.
      return { select: `${q} + 0`, bind: 'CAST(? AS UNSIGNED)' };
    case 'text':
    case 'long-text': {
      const cs = c.charset && IDENT_WORD.test(c.charset) ? c.charset : null;
      const coll = c.collation && IDENT_WORD.test(c.collation) ? c.collation : null;
      if (!cs) return { select: `HEX(${q})`, bind: 'UNHEX(?)' };
      return { select: `HEX(${q})`, bind: `CONVERT(UNHEX(?) USING ${cs})${coll ? ` COLLATE ${coll}` : ''}` };
    }
    case 'binary':
    case 'long-binary':
      return { select: `HEX(${q})`, bind: 'UNHEX(?)' };
    case 'year':
    case 'temporal':
      // dateStrings: the server's own text, converted back to the column's type (TIMESTAMP in UTC).
      return { select: q, bind: '?' };
    case 'json':
    case 'spatial':
    case 'other':
      // uuid/inet6 and the like: their text form converts back to the column type on comparison.
      return { select: q, bind: '?' };
  }
}

/** One column's part of the fast row string: the value field and, for strings, its length slot. */
export interface FastField {
  /**
   * Numbers, times and hashed long values: comma-free and never empty, 'N' when NULL. Strings:
   * arbitrary bytes, skipped by CONCAT_WS when NULL.
   */
  readonly field: string;
  /** A string's byte length ('N' when NULL), which delimits it; null for comma-free fields. */
  readonly length: string | null;
}

const orN = (expr: string, nullable: boolean) => (nullable ? `IFNULL(${expr},'N')` : expr);

/**
 * The column's field in the fast row string (see fastRowString in mysql-family-sql.ts).
 * - numbers and times go in as the server prints them (never a comma, never empty, never 'N');
 * - CHAR/VARCHAR/BINARY go in raw with a length slot; `binaryText` casts text to bytes when the
 *   table mixes character sets, so no conversion can merge two values;
 * - TINYTEXT/TEXT/TINYBLOB/BLOB (64 kB at most) go in raw like strings when `rawLob` (see
 *   fastRowString: the row stays bounded);
 * - longer values and JSON go in as the CRC32 of their bytes (10 digits at most), so a row never
 *   nears max_allowed_packet (CONCAT_WS over it is NULL: a row would drop out of the hash). A
 *   change inside the value changes its CRC32 (every burst of up to 32 bits always, others but
 *   for 1 in 2^32), and so the row's string.
 * NULL costs one IFNULL on the field or its length slot, not a flag of its own (a separate
 * CONCAT(ISNULL(...), ...) cost 50 ms per 1M rows on MariaDB 10.11, IFNULL 3 ms).
 */
export function fastField(c: Pick<ColumnInfo, 'dataType' | 'charset' | 'nullable'>, q: string, binaryText: boolean, rawLob: boolean): FastField {
  const asText = binaryText ? `CAST(${q} AS BINARY)` : q;
  const length = orN(`LENGTH(${q})`, c.nullable);
  const kind = columnKind(c);
  if (rawLob && isSmallLob(c)) return { field: kind === 'long-text' ? asText : q, length };
  if (printedAsIs(kind)) return { field: orN(q, c.nullable), length: null };
  switch (kind) {
    case 'float':
      return { field: orN(`${q} + 0e0`, c.nullable), length: null };
    case 'bit':
      return { field: orN(`${q} + 0`, c.nullable), length: null };
    case 'text':
    case 'enum':
    case 'other':
      return { field: asText, length };
    case 'binary':
      return { field: q, length };
    case 'long-text':
    case 'long-binary':
      return { field: orN(`CRC32(${q})`, c.nullable), length: null };
    case 'json':
      return { field: orN(`CRC32(CAST(${q} AS CHAR))`, c.nullable), length: null };
    case 'spatial':
      return { field: orN(`CRC32(CONCAT(ST_SRID(${q}),':',ST_AsBinary(${q})))`, c.nullable), length: null };
  }
}

/** TINYTEXT, TEXT, TINYBLOB, BLOB: at most 65,535 bytes a value. */
export function isSmallLob(c: Pick<ColumnInfo, 'dataType'>): boolean {
  return SMALL_LOBS.has(c.dataType.toLowerCase());
}
const SMALL_LOBS = new Set(['tinytext', 'text', 'tinyblob', 'blob']);

/** Kinds whose field is the column's own text in its character set (charset matters to CONCAT_WS). */
export function carriesText(c: Pick<ColumnInfo, 'dataType' | 'charset'>, rawLob = false): boolean {
  const k = columnKind(c);
  return k === 'text' || k === 'enum' || k === 'other' || (rawLob && k === 'long-text' && isSmallLob(c));
}

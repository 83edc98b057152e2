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

/** One column's part of the fast row string: the value field and, for byte strings, its length. */
export interface FastField {
  /** Comma-free for numbers and times; arbitrary bytes for strings. NULL is skipped by CONCAT_WS. */
  readonly field: string;
  /** LENGTH(...) of a string field, or null when the field cannot hold a comma. */
  readonly length: string | null;
}

/**
 * The column's field in the fast row string (see fastRowString in mysql-family-sql.ts).
 * - numbers and times go in as the server prints them (never a comma, never empty);
 * - CHAR/VARCHAR/BINARY go in raw, their byte length in the trailer; `binaryText` casts text to
 *   bytes when the table mixes character sets, so no conversion can merge two values;
 * - TEXT/BLOB/JSON go in as the CRC32 of their bytes (10 digits at most), their length in the
 *   trailer, so a row never nears max_allowed_packet (CONCAT_WS over it is NULL: a row would drop
 *   out of the hash). A change inside the value changes its CRC32 (every burst of up to 32 bits
 *   always, others but for 1 in 2^32), and the outer CRC32 sees every change of those 10 digits.
 */
export function fastField(c: Pick<ColumnInfo, 'dataType' | 'charset'>, q: string, binaryText: boolean): FastField {
  const asText = binaryText ? `CAST(${q} AS BINARY)` : q;
  const kind = columnKind(c);
  if (printedAsIs(kind)) return { field: q, length: null };
  switch (kind) {
    case 'float':
      return { field: `${q} + 0e0`, length: null };
    case 'bit':
      return { field: `${q} + 0`, length: null };
    case 'text':
    case 'enum':
    case 'other':
      return { field: asText, length: `LENGTH(${q})` };
    case 'binary':
      return { field: q, length: `LENGTH(${q})` };
    case 'long-text':
    case 'long-binary':
      return { field: `CRC32(${q})`, length: `LENGTH(${q})` };
    case 'json':
      return { field: `CRC32(CAST(${q} AS CHAR))`, length: `LENGTH(CAST(${q} AS CHAR))` };
    case 'spatial': {
      const wkb = `CONCAT(ST_SRID(${q}),':',ST_AsBinary(${q}))`;
      return { field: `CRC32(${wkb})`, length: `LENGTH(${wkb})` };
    }
  }
}

/** Kinds whose field is the column's own text in its character set (charset matters to CONCAT_WS). */
export function carriesText(c: Pick<ColumnInfo, 'dataType' | 'charset'>): boolean {
  const k = columnKind(c);
  return k === 'text' || k === 'enum' || k === 'other';
}

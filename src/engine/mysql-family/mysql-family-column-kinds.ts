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
 * FLOAT(M,D) and DOUBLE(M,D) print D decimals whatever the value holds: MariaDB keeps the full
 * value through an instant ALTER to such a type, so two different values can print alike.
 */
export function roundsWhenPrinted(c: Pick<ColumnInfo, 'dataType' | 'columnType' | 'charset'>): boolean {
  const kind = columnKind(c);
  return (kind === 'double' || kind === 'float') && /\(\s*\d+\s*,\s*\d+\s*\)/.test(c.columnType);
}

/**
 * Kinds whose value the server prints as it is, never with a comma and never empty: temporal
 * values with their declared fractional digits, TIMESTAMP in the session's UTC.
 */
const PRINTED_AS_IS = new Set(['integer', 'decimal', 'year', 'temporal'] as const);
type PrintedKind = typeof PRINTED_AS_IS extends Set<infer K> ? K : never;
const printedAsIs = (k: ColumnKind): k is PrintedKind => PRINTED_AS_IS.has(k as PrintedKind);

/**
 * The field's contribution to the row string. Every encoding is self-delimiting so the
 * concatenation is unambiguous, and NULL ('N') differs from '' ("0:") and from 'NULL' ("4:NULL"):
 * - numbers and temporal values print without ',' and are followed by ','; FLOAT and
 *   DOUBLE(M,D) widened to DOUBLE; ENUM/SET as their member's number;
 * - byte strings carry their byte length: "<len>:<bytes>";
 * - TEXT/BLOB carry the SHA1 of their bytes (40 hex digits), spatial values their SRID and the
 *   SHA1 of their WKB ("<srid>:<40 hex>"), so a row stays far below max_allowed_packet (over it
 *   CONCAT and CAST return NULL and the row would vanish from the hash); with `hashStrings` (a
 *   server whose max_allowed_packet a row of raw strings could pass: strongStringMode) every
 *   string carries its SHA1.
 * Strings go in as raw bytes (CAST AS BINARY): a case-only change under a case-insensitive
 * collation, or trailing spaces in VARCHAR, must change the hash.
 */
export function checksumField(c: Pick<ColumnInfo, 'dataType' | 'columnType' | 'charset'>, q: string, hashStrings = false): string {
  const kind = columnKind(c);
  if (printedAsIs(kind)) return `IFNULL(${q},'N'),','`;
  // Rows that could outgrow max_allowed_packet: every string's SHA1, as for TEXT/BLOB.
  if (hashStrings && (kind === 'text' || kind === 'binary' || kind === 'other')) return `IFNULL(SHA1(${q}),'N')`;
  switch (kind) {
    case 'float':
    case 'double':
      // A plain DOUBLE prints its shortest round-trip form: exact.
      if (kind === 'double' && !roundsWhenPrinted(c)) return `IFNULL(${q},'N'),','`;
      // FLOAT prints ~6 significant digits as a string and hides drift, FLOAT(M,D) and DOUBLE(M,D)
      // their D decimals only (an instant ALTER to DOUBLE(10,2) keeps 1.23456, printed 1.23);
      // widened to DOUBLE (exact) each prints the shortest round-trip form. "+ 0e0" rather than
      // CAST AS DOUBLE: MySQL < 8.0.17 lacks it.
      return `IFNULL(${q} + 0e0,'N'),','`;
    case 'bit':
      return `IFNULL(${q} + 0,'N'),','`;
    case 'enum':
      // The member's number, not its label: the error value (0, stored by INSERT IGNORE) and a
      // real '' label print alike, and so do the SETs {} and {''}. The schemas compared list the
      // same members, so the number names the value.
      return `IFNULL(${q} + 0,'N'),','`;
    case 'text':
      return lengthPrefixed(`CAST(${q} AS BINARY)`);
    case 'binary':
      return lengthPrefixed(q);
    case 'long-text':
    case 'long-binary':
      // SHA1 of the value's bytes as stored (what CAST AS BINARY would give), without the CAST:
      // a CAST over max_allowed_packet is NULL, and the value would leave the hash.
      return `IFNULL(SHA1(${q}),'N')`;
    case 'json':
      // MySQL's binary JSON: its canonical text form (MariaDB JSON is LONGTEXT and never gets here).
      return `IFNULL(SHA1(CAST(CAST(${q} AS CHAR) AS BINARY)),'N')`;
    case 'spatial':
      // SRID and the SHA1 of the well-known binary: portable across versions, unlike the internal
      // storage format, and never near max_allowed_packet (a CONCAT of the WKB itself could be).
      return `IFNULL(CONCAT(ST_SRID(${q}),':',SHA1(ST_AsBinary(${q}))),'N')`;
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
 *   for 1 in 2^32), and so the row's string;
 * - with `hashStrings` (fastStringMode: a row of raw strings could pass max_allowed_packet)
 *   every string goes in as its CRC32, comma-free, so no length slots are needed.
 * NULL costs one IFNULL on the field or its length slot, not a flag of its own (a separate
 * CONCAT(ISNULL(...), ...) cost 50 ms per 1M rows on MariaDB 10.11, IFNULL 3 ms).
 */
export function fastField(c: Pick<ColumnInfo, 'dataType' | 'columnType' | 'charset' | 'nullable'>, q: string, binaryText: boolean, rawLob: boolean, hashStrings = false): FastField {
  const asText = binaryText ? `CAST(${q} AS BINARY)` : q;
  const length = orN(`LENGTH(${q})`, c.nullable);
  const kind = columnKind(c);
  // Rows that could outgrow max_allowed_packet: every string's CRC32 (of its bytes, as stored).
  if (hashStrings && (kind === 'text' || kind === 'binary' || kind === 'other' || isSmallLob(c))) {
    return { field: orN(`CRC32(${q})`, c.nullable), length: null };
  }
  if (rawLob && isSmallLob(c)) return { field: kind === 'long-text' ? asText : q, length };
  if (printedAsIs(kind)) return { field: orN(q, c.nullable), length: null };
  switch (kind) {
    case 'float':
    case 'double':
      if (kind === 'double' && !roundsWhenPrinted(c)) return { field: orN(q, c.nullable), length: null };
      // As in checksumField: widened to DOUBLE, the exact shortest form.
      return { field: orN(`${q} + 0e0`, c.nullable), length: null };
    case 'bit':
    case 'enum':
      // ENUM/SET: the member's number (see checksumField).
      return { field: orN(`${q} + 0`, c.nullable), length: null };
    case 'text':
      return { field: asText, length };
    case 'other':
      // Its length as it goes in (CAST AS BINARY of a UUID is 16 bytes, its text 36).
      return { field: asText, length: orN(`LENGTH(${asText})`, c.nullable) };
    case 'binary':
      return { field: q, length };
    case 'long-text':
    case 'long-binary':
      return { field: orN(`CRC32(${q})`, c.nullable), length: null };
    case 'json':
      return { field: orN(`CRC32(CAST(${q} AS CHAR))`, c.nullable), length: null };
    case 'spatial':
      // The CRC32 of the WKB, not of a CONCAT with it: over max_allowed_packet a CONCAT is NULL.
      return { field: orN(`CONCAT(ST_SRID(${q}),':',CRC32(ST_AsBinary(${q})))`, c.nullable), length: null };
  }
}

/**
 * Bytes a character takes at most in a character set (its mbmaxlen); 4, the widest, for one not
 * listed here.
 */
const MB_MAX: Record<string, number> = {
  binary: 1, ascii: 1, latin1: 1, latin2: 1, latin5: 1, latin7: 1, cp1250: 1, cp1251: 1, cp1256: 1, cp1257: 1,
  cp850: 1, cp852: 1, cp866: 1, dec8: 1, greek: 1, hebrew: 1, hp8: 1, keybcs2: 1, koi8r: 1, koi8u: 1,
  macce: 1, macroman: 1, swe7: 1, tis620: 1, geostd8: 1, armscii8: 1,
  big5: 2, cp932: 2, euckr: 2, gb2312: 2, gbk: 2, sjis: 2, ucs2: 2,
  ujis: 3, eucjpms: 3, utf8: 3, utf8mb3: 3,
  utf8mb4: 4, utf16: 4, utf16le: 4, utf32: 4, gb18030: 4,
};

function charBytes(charset: string | null): number {
  return charset ? (MB_MAX[charset.toLowerCase()] ?? 4) : 4;
}

/** The declared length in a column type such as varchar(40) or binary(16); null when none. */
function declaredLength(columnType: string): number | null {
  const m = /^[a-z ]+\(\s*(\d+)\s*\)/i.exec(columnType.trim());
  return m ? Number(m[1]) : null;
}

/** Text forms of types this code knows no declared length for (MariaDB's own types). */
const OTHER_TEXT_CHARS: Record<string, number> = { uuid: 36, inet4: 15, inet6: 39 };

/** Longest value of a string-like column (CHAR, VARCHAR, BINARY, TEXT/BLOB, other), in bytes. */
function stringMaxBytes(c: Pick<ColumnInfo, 'dataType' | 'columnType' | 'charset'>): number {
  const type = c.dataType.toLowerCase();
  const kind = columnKind(c);
  if (type === 'tinytext' || type === 'tinyblob') return 255;
  if (type === 'text' || type === 'blob') return 65_535;
  if (kind === 'other' && OTHER_TEXT_CHARS[type]) return OTHER_TEXT_CHARS[type]!;
  const n = declaredLength(c.columnType);
  if (n === null) return LONG_VALUE;
  return kind === 'binary' ? n : n * charBytes(c.charset);
}

/** A value with no bound short of the server's own (MEDIUM/LONG types, unknown types). */
const LONG_VALUE = 2 ** 32;

/**
 * Characters a part of a row string takes besides a string's own bytes: a number, time or hash
 * (DECIMAL(65,30) prints 67), a length slot (10) and a separator (1).
 */
const PART_CHARS = 67 + 10 + 1;

/** Character sets whose every character takes 2 or 4 bytes: a row string in one of them prints digits that wide. */
const WIDE_MIN = new Set(['ucs2', 'utf16', 'utf16le', 'utf32']);

/**
 * How a row string carries string-like values (see fastRowString and rowString in
 * mysql-family-sql.ts): 'raw', their bytes; 'raw-hashed-lobs', their bytes but for TEXT/BLOB, whose
 * hash goes in ('fast' only: 'strong' always hashes those); 'hashed', the hash of every one.
 */
export type StringMode = 'raw' | 'raw-hashed-lobs' | 'hashed';

/**
 * The longest row string `columns` can make with a row hash and a mode, in bytes, with room to
 * spare: a table's mode is one whose longest row stays within the smallest max_allowed_packet of
 * the servers compared (over it CONCAT and CONCAT_WS give NULL: the row would leave the hash).
 */
export function rowStringMaxBytes(columns: readonly Pick<ColumnInfo, 'dataType' | 'columnType' | 'charset'>[], hash: 'fast' | 'strong', mode: StringMode): number {
  const unit = columns.some((c) => c.charset && WIDE_MIN.has(c.charset.toLowerCase())) ? 4 : 1;
  let total = 0;
  for (const c of columns) {
    // Every part: a separator or length prefix, a length slot, and the value or its hash.
    total += PART_CHARS * unit;
    if (mode === 'hashed' || !rawInRowString(c, hash, mode === 'raw')) continue;
    total += stringMaxBytes(c);
  }
  return total;
}

/** Whether a column's bytes (not a hash of them) go in the row string when strings go in raw. */
function rawInRowString(c: Pick<ColumnInfo, 'dataType' | 'charset'>, hash: 'fast' | 'strong', rawLobs: boolean): boolean {
  const kind = columnKind(c);
  if (kind === 'text' || kind === 'binary' || kind === 'other') return true;
  return hash === 'fast' && rawLobs && isSmallLob(c);
}

/** TINYTEXT, TEXT, TINYBLOB, BLOB: at most 65,535 bytes a value. */
export function isSmallLob(c: Pick<ColumnInfo, 'dataType'>): boolean {
  return SMALL_LOBS.has(c.dataType.toLowerCase());
}
const SMALL_LOBS = new Set(['tinytext', 'text', 'tinyblob', 'blob']);

/** Kinds whose field is the column's own text in its character set (charset matters to CONCAT_WS). */
export function carriesText(c: Pick<ColumnInfo, 'dataType' | 'charset'>, rawLob = false): boolean {
  const k = columnKind(c);
  return k === 'text' || k === 'other' || (rawLob && k === 'long-text' && isSmallLob(c));
}

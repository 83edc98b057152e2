/**
 * Per replica: is the table there, with the same columns? A table missing on a replica, or with a
 * different column list, is drift with a reason; it is not checksummed. So is a chunk key the
 * replica could split differently: a key column NOT NULL on the primary but nullable on the
 * replica (a NULL there falls outside every chunk range, unseen), and, where the engine compares
 * chunk bounds in each server's own collation (PostgreSQL) or rows are merged in key order (diff),
 * a key column collated differently. A column stored in another character set holds other bytes
 * for the same text: a schema difference, named as one (not rows of identical text that differ).
 * utf8mb3 and utf8mb4 are one here: utf8mb4 stores any utf8mb3 text as the same bytes, and a
 * replica converted ahead of its primary (the usual way to move to utf8mb4) is compared row by row.
 */
import type { ColumnInfo, TableInfo } from '../../engine/types.js';

export type SchemaVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface KeyChecks {
  /** The primary's chunk key (null: none, the table is read whole). */
  readonly key?: readonly ColumnInfo[] | null;
  /** Chunk bounds are compared in each server's collation (PostgreSQL), or both sides' rows are merged in key order (diff). */
  readonly keyCollationMatters?: boolean;
  /**
   * Column order is a difference (default): MySQL/MariaDB row-based replication maps columns by
   * position, so a replica whose columns are in another order takes values into the wrong ones.
   * PostgreSQL logical replication maps them by name (false): the same table, checksummed as one
   * (rows are hashed by column name on every server).
   */
  readonly columnOrderMatters?: boolean;
}

export function compareTableSchema(primary: TableInfo, replica: TableInfo | undefined, checks: KeyChecks = {}): SchemaVerdict {
  if (!replica) return { ok: false, reason: 'table missing on replica' };
  const pCols = new Map(primary.columns.map((c) => [c.name, c]));
  const rCols = new Map(replica.columns.map((c) => [c.name, c]));
  const missing = [...pCols.keys()].filter((c) => !rCols.has(c));
  const extra = [...rCols.keys()].filter((c) => !pCols.has(c));
  const typeDiff = [...pCols.values()]
    .filter((c) => rCols.has(c.name) && normalizeType(rCols.get(c.name)!.columnType) !== normalizeType(c.columnType))
    .map((c) => `${c.name} ${c.columnType} vs ${rCols.get(c.name)!.columnType}`);
  const parts: string[] = [];
  if (missing.length) parts.push(`column${missing.length > 1 ? 's' : ''} missing on replica: ${missing.join(', ')}`);
  if (extra.length) parts.push(`extra column${extra.length > 1 ? 's' : ''} on replica: ${extra.join(', ')}`);
  if (typeDiff.length) parts.push(`column types differ: ${typeDiff.join('; ')}`);
  const charsetDiff = [...pCols.values()]
    .filter((c) => {
      const r = rCols.get(c.name);
      return r && c.charset && r.charset && normalizeCharset(c.charset) !== normalizeCharset(r.charset);
    })
    .map((c) => `${c.name} ${c.charset} vs ${rCols.get(c.name)!.charset}`);
  if (charsetDiff.length) parts.push(`character sets differ (the same text is stored as other bytes): ${charsetDiff.join('; ')}`);
  const key = (checks.key ?? []).filter((c) => rCols.has(c.name));
  const keyNull = key.filter((c) => !c.nullable && rCols.get(c.name)!.nullable).map((c) => c.name);
  if (keyNull.length) parts.push(`key column${keyNull.length > 1 ? 's' : ''} ${keyNull.join(', ')} NOT NULL on the primary but nullable on the replica (a NULL there would fall outside every chunk range)`);
  if (checks.keyCollationMatters) {
    const coll = key
      .filter((c) => c.collation && rCols.get(c.name)!.collation && normalizeCollation(c.collation) !== normalizeCollation(rCols.get(c.name)!.collation!))
      .map((c) => `${c.name} ${c.collation} vs ${rCols.get(c.name)!.collation}`);
    if (coll.length) parts.push(`key collation differs (chunk ranges would hold different rows on each side): ${coll.join('; ')}`);
    // An enum orders by its labels' sort order, each server by its own type's.
    const enums = key
      .filter((c) => c.enumLabels && rCols.get(c.name)!.enumLabels && c.enumLabels.join('\u0000') !== rCols.get(c.name)!.enumLabels!.join('\u0000'))
      .map((c) => `${c.name} (${c.enumLabels!.join(', ')}) vs (${rCols.get(c.name)!.enumLabels!.join(', ')})`);
    if (enums.length) parts.push(`key enum labels in another order (chunk ranges would hold different rows on each side): ${enums.join('; ')}`);
  }
  if (!parts.length && (checks.columnOrderMatters ?? true)) {
    const pOrder = primary.columns.map((c) => c.name).join('\u0000');
    const rOrder = replica.columns.map((c) => c.name).join('\u0000');
    if (pOrder !== rOrder) parts.push('column order differs');
  }
  return parts.length ? { ok: false, reason: parts.join('; ') } : { ok: true };
}

/**
 * Display widths of integer types ("int(11)" vs "int") are not a difference in stored data, nor is
 * "year(4)" (MySQL 5.7, MariaDB) vs "year" (MySQL 8.0.19+), nor the case of the type's name. The
 * case of what is quoted in it is: ENUM('A','B') and ENUM('a','b') store the same member numbers
 * (which the row hash carries) for different values.
 */
function normalizeType(t: string): string {
  const quoted = t.indexOf("'");
  const head = (quoted < 0 ? t : t.slice(0, quoted)).toLowerCase();
  const named = (head + (quoted < 0 ? '' : t.slice(quoted))).trim();
  return named.replace(/^(tinyint|smallint|mediumint|int|bigint)\(\d+\)/, '$1').replace(/^year\(4\)/, 'year');
}

/**
 * MySQL before 8.0.30 and MariaDB before 10.6 name utf8mb3 "utf8"; utf8mb3 text is stored in a
 * utf8mb4 column as the same bytes; PostgreSQL's encodings are upper case.
 */
function normalizeCharset(c: string): string {
  const l = c.toLowerCase();
  return l === 'utf8' || l === 'utf8mb3' ? 'utf8mb4' : l;
}

/**
 * The same for collations: utf8_general_ci is utf8mb3_general_ci, and a utf8mb3 collation orders
 * the text it can hold as its utf8mb4 namesake does (same weights; only utf8mb4 holds characters
 * outside the BMP). MySQL 8's utf8mb4_0900_* have no utf8mb3 namesake.
 */
function normalizeCollation(c: string): string {
  // PostgreSQL 16+ keeps an ICU locale as a language tag (en-US), 15 as typed (en_US): one order.
  if (/^icu:/i.test(c)) return c.toLowerCase().replace(/_/g, '-');
  return c.replace(/^utf8(mb3)?_/i, 'utf8mb4_');
}

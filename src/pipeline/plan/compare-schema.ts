/**
 * Per replica: is the table there, with the same columns? A table missing on a replica, or with a
 * different column list, is drift with a reason; it is not checksummed.
 */
import type { TableInfo } from '../../engine/types.js';

export type SchemaVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export function compareTableSchema(primary: TableInfo, replica: TableInfo | undefined): SchemaVerdict {
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
  if (!parts.length) {
    const pOrder = primary.columns.map((c) => c.name).join('\u0000');
    const rOrder = replica.columns.map((c) => c.name).join('\u0000');
    if (pOrder !== rOrder) parts.push('column order differs');
  }
  return parts.length ? { ok: false, reason: parts.join('; ') } : { ok: true };
}

/** Display widths of integer types ("int(11)" vs "int") are not a difference in stored data. */
function normalizeType(t: string): string {
  return t.toLowerCase().replace(/^(tinyint|smallint|mediumint|int|bigint)\(\d+\)/, '$1').trim();
}

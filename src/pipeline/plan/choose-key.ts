/**
 * The chunking key: the primary key, else the narrowest unique index whose columns are all NOT NULL.
 * A unique index over nullable columns is not a key (several NULL rows may share it), nor one
 * with a MySQL FLOAT(M,D)/DOUBLE(M,D) column: the server compares those at D decimals while
 * MariaDB keeps the full value through an instant ALTER, so a row can fall outside every chunk
 * range bound by its exact values.
 */
import type { ColumnInfo, TableInfo } from '../../engine/types.js';
import { compareText } from '../../text-order.js';

export interface ChosenKey {
  readonly index: string;
  readonly columns: readonly ColumnInfo[];
}

export function chooseKey(t: TableInfo): ChosenKey | null {
  const byName = new Map(t.columns.map((c) => [c.name, c]));
  const candidates = t.indexes
    .filter((i) => i.unique && i.allNotNull && i.columns.every((c) => byName.has(c) && !roundedFloat(byName.get(c)!)))
    .sort((a, b) => Number(b.primary) - Number(a.primary) || a.columns.length - b.columns.length || compareText(a.name, b.name));
  const best = candidates[0];
  if (!best) return null;
  return { index: best.name, columns: best.columns.map((c) => byName.get(c)!) };
}

function roundedFloat(c: ColumnInfo): boolean {
  return /^(float|double|double precision|real)\s*\(\s*\d+\s*,\s*\d+\s*\)/i.test(c.columnType);
}

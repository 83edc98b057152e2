/**
 * The chunking key: the primary key, else the narrowest unique index whose columns are all NOT NULL.
 * A unique index over nullable columns is not a key (several NULL rows may share it).
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
    .filter((i) => i.unique && i.allNotNull && i.columns.every((c) => byName.has(c)))
    .sort((a, b) => Number(b.primary) - Number(a.primary) || a.columns.length - b.columns.length || compareText(a.name, b.name));
  const best = candidates[0];
  if (!best) return null;
  return { index: best.name, columns: best.columns.map((c) => byName.get(c)!) };
}

/**
 * The merge-compare: two streams of rows, each sorted by key in the same order, walked in step.
 * A key only the primary has is `missing` on the replica, one only the replica has is `extra`,
 * and a key on both sides whose cells differ is `changed` with the differing columns. Only the
 * two current rows are held, whatever the stream length.
 */
import type { FetchedRow } from '../../engine/row-types.js';
import { compareOrder } from './order.js';

export type RowDifference =
  | { readonly kind: 'missing'; readonly primary: FetchedRow }
  | { readonly kind: 'extra'; readonly replica: FetchedRow }
  | { readonly kind: 'changed'; readonly primary: FetchedRow; readonly replica: FetchedRow; readonly columns: readonly number[] };

export interface MergeCounts {
  missing: number;
  extra: number;
  changed: number;
  /** Rows present on both sides and equal. */
  same: number;
}

/** Column indexes whose cells differ. */
export function differingColumns(a: FetchedRow, b: FetchedRow): number[] {
  if (a.cells.length !== b.cells.length) throw new Error(`rows with ${a.cells.length} and ${b.cells.length} columns cannot be compared`);
  const out: number[] = [];
  for (let i = 0; i < a.cells.length; i++) if (a.cells[i] !== b.cells[i]) out.push(i);
  return out;
}

export async function mergeRows(
  primary: AsyncIterable<FetchedRow>,
  replica: AsyncIterable<FetchedRow>,
  onDifference: (d: RowDifference) => void | Promise<void>,
): Promise<MergeCounts> {
  const counts: MergeCounts = { missing: 0, extra: 0, changed: 0, same: 0 };
  const pi = primary[Symbol.asyncIterator]();
  const ri = replica[Symbol.asyncIterator]();
  let p = await pi.next();
  let r = await ri.next();
  let lastP: FetchedRow | null = null;
  let lastR: FetchedRow | null = null;
  const ordered = (prev: FetchedRow | null, cur: FetchedRow, side: string) => {
    if (prev && compareOrder(prev.order, cur.order) >= 0) throw new Error(`${side} rows are not in strictly increasing key order: the key is not unique or the order is not reproducible`);
  };
  try {
    while (!p.done || !r.done) {
      if (!p.done) ordered(lastP, p.value, 'primary');
      if (!r.done) ordered(lastR, r.value, 'replica');
      const c = p.done ? 1 : r.done ? -1 : compareOrder(p.value.order, r.value.order);
      if (c < 0) {
        counts.missing++;
        await onDifference({ kind: 'missing', primary: p.value as FetchedRow });
        lastP = p.value as FetchedRow;
        p = await pi.next();
      } else if (c > 0) {
        counts.extra++;
        await onDifference({ kind: 'extra', replica: r.value as FetchedRow });
        lastR = r.value as FetchedRow;
        r = await ri.next();
      } else {
        const cols = differingColumns(p.value as FetchedRow, r.value as FetchedRow);
        if (cols.length) {
          counts.changed++;
          await onDifference({ kind: 'changed', primary: p.value as FetchedRow, replica: r.value as FetchedRow, columns: cols });
        } else counts.same++;
        lastP = p.value as FetchedRow;
        lastR = r.value as FetchedRow;
        [p, r] = await Promise.all([pi.next(), ri.next()]);
      }
    }
  } finally {
    await Promise.all([pi.return?.(), ri.return?.()]);
  }
  return counts;
}

/**
 * Key-less tables cannot be narrowed by key: rows are compared as multisets. Both sides give
 * groups of identical rows (content hash + count) in hash order; a hash with more copies on the
 * primary means rows missing on the replica, more on the replica means extra rows.
 */
import type { HashGroup } from '../../engine/row-types.js';

export interface HashDifference {
  readonly kind: 'missing' | 'extra';
  readonly hash: string;
  readonly copies: number;
}

export async function mergeHashGroups(
  primary: AsyncIterable<HashGroup>,
  replica: AsyncIterable<HashGroup>,
  onDifference: (d: HashDifference) => void,
): Promise<{ missing: number; extra: number }> {
  const totals = { missing: 0, extra: 0 };
  const pi = primary[Symbol.asyncIterator]();
  const ri = replica[Symbol.asyncIterator]();
  let p = await pi.next();
  let r = await ri.next();
  const emit = (kind: 'missing' | 'extra', hash: string, copies: number) => {
    totals[kind] += copies;
    onDifference({ kind, hash, copies });
  };
  try {
    while (!p.done || !r.done) {
      const c = p.done ? 1 : r.done ? -1 : p.value.hash === r.value.hash ? 0 : p.value.hash < r.value.hash ? -1 : 1;
      if (c < 0) {
        emit('missing', p.value!.hash, p.value!.count);
        p = await pi.next();
      } else if (c > 0) {
        emit('extra', r.value!.hash, r.value!.count);
        r = await ri.next();
      } else {
        const d = p.value!.count - r.value!.count;
        if (d > 0) emit('missing', p.value!.hash, d);
        if (d < 0) emit('extra', p.value!.hash, -d);
        [p, r] = await Promise.all([pi.next(), ri.next()]);
      }
    }
  } finally {
    await Promise.all([pi.return?.(), ri.return?.()]);
  }
  return totals;
}

/**
 * The order a row page is sorted in, reproduced in JS: numbers compare as numbers (exact decimal
 * text, never through a double), bytes as upper-case hex (hex order is byte order). The server
 * sorted by exactly these values, so a merge of two pages walks both in step.
 */
import type { OrderValue } from '../../engine/row-types.js';

/** -1, 0, 1 for decimal texts such as "-12.50", "3", "1e-7", "NaN", "Infinity". */
export function compareNumeric(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return nanLast(a, b);
  const sa = String(a).trim();
  const sb = String(b).trim();
  const plain = /^[+-]?\d+(\.\d+)?$/;
  if (!plain.test(sa) || !plain.test(sb)) return nanLast(Number(sa), Number(sb));
  const [na, nb] = [negative(sa), negative(sb)];
  if (na !== nb) return na ? (isZero(sa) && isZero(sb) ? 0 : -1) : isZero(sa) && isZero(sb) ? 0 : 1;
  const c = compareMagnitude(sa.replace(/^[+-]/, ''), sb.replace(/^[+-]/, ''));
  return na ? -c : c;
}

/** PostgreSQL sorts NaN above every number; here too, so its order matches the server's. */
function nanLast(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) === Number.isNaN(b) ? 0 : Number.isNaN(a) ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

const negative = (s: string) => s.startsWith('-');
const isZero = (s: string) => /^[+-]?0+(\.0+)?$/.test(s);

function compareMagnitude(a: string, b: string): number {
  const [ia = '', fa = ''] = a.split('.');
  const [ib = '', fb = ''] = b.split('.');
  const xa = ia.replace(/^0+/, '');
  const xb = ib.replace(/^0+/, '');
  if (xa.length !== xb.length) return xa.length < xb.length ? -1 : 1;
  if (xa !== xb) return xa < xb ? -1 : 1;
  const len = Math.max(fa.length, fb.length);
  const pa = fa.padEnd(len, '0');
  const pb = fb.padEnd(len, '0');
  return pa === pb ? 0 : pa < pb ? -1 : 1;
}

export function compareOrderValue(a: OrderValue, b: OrderValue): number {
  if ('n' in a && 'n' in b) return compareNumeric(a.n, b.n);
  if ('b' in a && 'b' in b) return a.b === b.b ? 0 : a.b < b.b ? -1 : 1;
  throw new Error('order values of different kinds cannot be compared');
}

export function compareOrder(a: readonly OrderValue[], b: readonly OrderValue[]): number {
  if (a.length !== b.length) throw new Error(`key tuples of different length (${a.length} and ${b.length})`);
  for (let i = 0; i < a.length; i++) {
    const c = compareOrderValue(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return 0;
}

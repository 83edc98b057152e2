import { describe, expect, it } from 'vitest';
import { byTableThenReplica, compareText } from '../../../src/text-order.js';

describe('report order', () => {
  it('orders names by code unit, whatever the locale: upper case before lower, digits before letters', () => {
    expect(['b', 'B', 'a', '10', '9', 'A_b'].sort(compareText)).toEqual(['10', '9', 'A_b', 'B', 'a', 'b']);
    expect(compareText('same', 'same')).toBe(0);
  });

  it('sorts (table, replica) records by table, then replica', () => {
    const rows = [
      { table: 'd.t2', replica: 'h:1' },
      { table: 'd.t1', replica: 'h:2' },
      { table: 'd.t1', replica: 'h:1' },
    ];
    expect(rows.sort(byTableThenReplica)).toEqual([
      { table: 'd.t1', replica: 'h:1' },
      { table: 'd.t1', replica: 'h:2' },
      { table: 'd.t2', replica: 'h:1' },
    ]);
  });
});

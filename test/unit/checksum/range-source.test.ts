import { describe, expect, it } from 'vitest';
import { RangeSource, sameKey } from '../../../src/pipeline/checksum/range-source.js';
import type { KeyValues } from '../../../src/engine/types.js';

/** A table of keys 1..n: boundary(after, offset) is the key `offset` rows after `after`. */
function keys(n: number, log: string[] = []) {
  return async (after: KeyValues | null, offset: number): Promise<KeyValues | null> => {
    log.push(`${after?.[0] ?? '-'}+${offset}`);
    await new Promise((r) => setTimeout(r, 1));
    const start = after ? Number(after[0]) + 1 : 1;
    const k = start + offset;
    return k <= n ? [k] : null;
  };
}

describe('RangeSource', () => {
  it('hands out contiguous ranges in key order, the last one open-ended', async () => {
    const src = new RangeSource({ keyed: true, lower: null, seq: 0, size: () => 10, boundary: keys(25), table: 't' });
    const got = [];
    for (let r = await src.next(); r; r = await src.next()) got.push(r);
    expect(got).toEqual([
      { seq: 0, range: { lower: null, upper: [10] } },
      { seq: 1, range: { lower: [10], upper: [20] } },
      { seq: 2, range: { lower: [20], upper: null } },
    ]);
    expect(src.done).toBe(true);
    expect(await src.next()).toBeNull();
  });
  it('computes the next boundary while the current chunk runs (one ahead, never more)', async () => {
    const log: string[] = [];
    const src = new RangeSource({ keyed: true, lower: null, seq: 0, size: () => 10, boundary: keys(100, log), table: 't' });
    await src.next();
    await new Promise((r) => setTimeout(r, 20));
    expect(log).toEqual(['-+9', '10+9']);
  });
  it('overlapping callers never get the same range', async () => {
    const src = new RangeSource({ keyed: true, lower: null, seq: 0, size: () => 7, boundary: keys(100), table: 't' });
    const all = await Promise.all(Array.from({ length: 20 }, () => src.next()));
    const ranges = all.filter((r) => r !== null);
    expect(ranges.map((r) => r!.seq)).toEqual(ranges.map((_, i) => i));
    expect(ranges.at(-1)!.range.upper).toBeNull();
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]!.range.lower).toEqual(ranges[i - 1]!.range.upper);
  });
  it('starts where a resumed run left off', async () => {
    const src = new RangeSource({ keyed: true, lower: [40], seq: 4, size: () => 50, boundary: keys(60), table: 't' });
    expect(await src.next()).toEqual({ seq: 4, range: { lower: [40], upper: null } });
  });
  it('a table without a key is one range', async () => {
    const src = new RangeSource({ keyed: false, lower: null, seq: 0, size: () => 10, boundary: async () => { throw new Error('no boundary without a key'); }, table: 't' });
    expect(await src.next()).toEqual({ seq: 0, range: { lower: null, upper: null } });
    expect(await src.next()).toBeNull();
  });
  it('a boundary error reaches whoever asks, and stop() ends the source', async () => {
    let n = 0;
    const src = new RangeSource({ keyed: true, lower: null, seq: 0, size: () => 10, boundary: async () => { if (++n === 2) throw new Error('table dropped'); return [n * 10]; }, table: 't' });
    expect(await src.next()).toEqual({ seq: 0, range: { lower: null, upper: [10] } });
    await expect(src.next()).rejects.toThrow('table dropped');
    src.stop();
    expect(src.done).toBe(true);
    expect(await src.next()).toBeNull();
  });
  it('none() hands out nothing and is done from the start', async () => {
    const src = RangeSource.none('db.t');
    expect(src.done).toBe(true);
    expect(await src.next()).toBeNull();
  });
  it('refuses a boundary that does not advance', async () => {
    const src = new RangeSource({ keyed: true, lower: [5], seq: 0, size: () => 10, boundary: async () => [5], table: 'db.t' });
    await expect(src.next()).rejects.toThrow(/did not advance/);
  });
  it('compares keys with big integers', () => {
    expect(sameKey([10n, 'a'], [10n, 'a'])).toBe(true);
    expect(sameKey([10n], [11n])).toBe(false);
    expect(sameKey(null, null)).toBe(true);
  });
});

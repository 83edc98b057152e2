import { describe, expect, it } from 'vitest';
import { MIN_DENSITY, RangeSource, sameKey } from '../../../src/pipeline/checksum/range-source.js';
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

/** Every range the source hands out, in order. */
async function drain(src: RangeSource) {
  const got = [];
  for (let r = await src.next(); r; r = await src.next()) got.push(r);
  return got;
}

const TEN_TO_25 = [
  { seq: 0, range: { lower: null, upper: [10] } },
  { seq: 1, range: { lower: [10], upper: [20] } },
  { seq: 2, range: { lower: [20], upper: null } },
];

describe('RangeSource', () => {
  it('hands out contiguous ranges in key order, the last one open-ended', async () => {
    const src = new RangeSource({ keyed: true, lower: null, seq: 0, size: () => 10, boundary: keys(25), table: 't' });
    expect(await drain(src)).toEqual(TEN_TO_25);
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
    expect(sameKey([10], ['10'])).toBe(true);
    expect(sameKey([10n], ['10'])).toBe(true);
    expect(sameKey(['a'], ['b'])).toBe(false);
  });
});

describe('RangeSource: arithmetic ranges on a dense integer key', () => {
  const noBoundary = async (): Promise<KeyValues | null> => {
    throw new Error('no boundary query expected');
  };
  const ext = (lo: bigint, hi: bigint) => async () => ({ lo, hi });

  it('cuts ranges of `size` keys with no boundary query, the first open below, the last open above', async () => {
    const src = new RangeSource({ keyed: true, lower: null, seq: 0, size: () => 10, boundary: noBoundary, extent: ext(1n, 25n), rowEstimate: 25, table: 't' });
    expect(await drain(src)).toEqual(TEN_TO_25);
    expect(src.done).toBe(true);
  });
  it('learns the density from the rows each range held: half-used keys give ranges twice as wide', async () => {
    const src = new RangeSource({ keyed: true, lower: null, seq: 0, size: () => 100, boundary: noBoundary, extent: ext(1n, 100_000n), rowEstimate: 50_000, table: 't' });
    const first = (await src.next())!;
    expect(first.range.upper).toEqual([100]); // the first guess is 1 row per key: never more rows than asked
    src.observe(first.range, 50);
    for (let i = 0; i < 12; i++) {
      const r = (await src.next())!;
      src.observe(r.range, Math.round((Number(r.range.upper![0]) - Number(r.range.lower![0])) / 2));
    }
    const r = (await src.next())!;
    const width = Number(r.range.upper![0]) - Number(r.range.lower![0]);
    expect(width).toBeGreaterThan(190);
    expect(width).toBeLessThanOrEqual(200);
  });
  it('never cuts a range wider than size / MIN_DENSITY keys, so a range holds at most 4x the rows asked for', async () => {
    const src = new RangeSource({ keyed: true, lower: null, seq: 0, size: () => 100, boundary: noBoundary, extent: ext(1n, 1_000_000n), rowEstimate: 1_000_000, table: 't' });
    let widest = 0;
    for (let i = 0; i < 3; i++) {
      const r = (await src.next())!;
      const from = r.range.lower ? Number(r.range.lower[0]) : 0;
      widest = Math.max(widest, Number(r.range.upper![0]) - from);
      src.observe(r.range, 30); // 30 rows in 100+ keys: still over MIN_DENSITY
    }
    expect(widest).toBeLessThanOrEqual(100 / MIN_DENSITY);
  });
  it('goes on with boundary queries once the keys turn sparse, from where the arithmetic stopped', async () => {
    const log: string[] = [];
    const src = new RangeSource({ keyed: true, lower: null, seq: 0, size: () => 10, boundary: keys(1000, log), extent: ext(1n, 1000n), rowEstimate: 1000, table: 't' });
    const a = (await src.next())!;
    expect(a.range.upper).toEqual([10]);
    // An empty stretch of keys: the density halves with each empty range, down past MIN_DENSITY.
    let last = a;
    for (let i = 0; i < 3; i++) {
      src.observe(last.range, 0);
      if (i < 2) last = (await src.next())!;
    }
    expect(log).toEqual([]);
    const next = (await src.next())!;
    expect(log).toEqual([`${last.range.upper![0]}+9`]);
    expect(next.range.lower).toEqual(last.range.upper);
    expect(next.range.upper).toEqual([Number(last.range.upper![0]) + 10]);
  });
  it('uses boundary queries from the start when the statistics say the keys are sparse, or there is no extent', async () => {
    const log: string[] = [];
    const sparse = new RangeSource({ keyed: true, lower: null, seq: 0, size: () => 10, boundary: keys(100, log), extent: ext(1n, 1_000_000n), rowEstimate: 100, table: 't' });
    expect((await sparse.next())!.range.upper).toEqual([10]);
    const other = new RangeSource({ keyed: true, lower: null, seq: 0, size: () => 10, boundary: keys(100), extent: async () => null, rowEstimate: 100, table: 't' });
    expect((await other.next())!.range.upper).toEqual([10]);
  });
  it('overlapping callers get contiguous ranges in order, each cut with the sizes known when asked', async () => {
    let size = 10;
    const src = new RangeSource({ keyed: true, lower: null, seq: 0, size: () => size, boundary: noBoundary, extent: ext(1n, 10_000n), rowEstimate: 10_000, table: 't' });
    const first = await Promise.all([src.next(), src.next(), src.next()]);
    size = 100;
    const next = (await src.next())!;
    expect(first.map((r) => r!.seq)).toEqual([0, 1, 2]);
    expect(first.map((r) => r!.range.upper)).toEqual([[10], [20], [30]]);
    expect(next.range).toEqual({ lower: [30], upper: [130] });
  });
  it('resumes from a checkpoint key; keys are numbers as drivers give them, exact text past 2^53', async () => {
    const lo = 2n ** 63n - 1000n;
    const src = new RangeSource({ keyed: true, lower: [(lo + 10n).toString()], seq: 7, size: () => 100, boundary: noBoundary, extent: ext(lo, lo + 999n), rowEstimate: 1000, table: 't' });
    expect(await src.next()).toEqual({ seq: 7, range: { lower: [(lo + 10n).toString()], upper: [(lo + 110n).toString()] } });
  });
});


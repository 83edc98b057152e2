import { describe, expect, it } from 'vitest';
import type { ChunkChecksum, ChunkRange, KeyValues } from '../../../src/engine/types.js';
import { bisect } from '../../../src/pipeline/diff/bisect.js';

/** A side: sorted integer keys with a value each; checksums and splits computed like a server would. */
class Side {
  constructor(readonly rows: Map<number, string>) {}
  inRange(r: ChunkRange): number[] {
    const lo = r.lower ? Number(r.lower[0]) : -Infinity;
    const hi = r.upper ? Number(r.upper[0]) : Infinity;
    return [...this.rows.keys()].filter((k) => k > lo && k <= hi).sort((a, b) => a - b);
  }
  checksum(r: ChunkRange): ChunkChecksum {
    const keys = this.inRange(r);
    return { rows: keys.length, digest: keys.map((k) => `${k}=${this.rows.get(k)}`).join(',') };
  }
}

function table(n: number): Map<number, string> {
  return new Map(Array.from({ length: n }, (_v, i) => [i + 1, `v${i + 1}`]));
}

async function narrow(p: Side, r: Side, leafRows: number) {
  const leaves: ChunkRange[] = [];
  let probes = 0;
  const all: ChunkRange = { lower: null, upper: null };
  const stats = await bisect(all, { primary: p.checksum(all), replica: r.checksum(all) }, {
    probe: async (range) => {
      probes++;
      return { primary: p.checksum(range), replica: r.checksum(range) };
    },
    splitAt: async (range, side, offset): Promise<KeyValues> => [(side === 'primary' ? p : r).inRange(range)[offset]!],
    leaf: async (range) => void leaves.push(range),
  }, leafRows);
  // What the leaves hold: every differing key must be inside one of them.
  const covered = (k: number) => leaves.some((l) => (!l.lower || k > Number(l.lower[0])) && (!l.upper || k <= Number(l.upper[0])));
  return { leaves, probes, stats, covered };
}

describe('bisect', () => {
  it('narrows sparse drift to small leaves holding every differing key, reading few rows', async () => {
    const p = new Side(table(10_000));
    const rmap = table(10_000);
    rmap.set(17, 'changed');
    rmap.delete(5000);
    rmap.set(20_000, 'extra');
    const r = new Side(rmap);
    const { leaves, stats, covered } = await narrow(p, r, 64);
    for (const k of [17, 5000, 20_000]) expect(covered(k), `key ${k}`).toBe(true);
    expect(leaves.length).toBeLessThanOrEqual(3);
    for (const l of leaves) expect(Math.max(p.checksum(l).rows, r.checksum(l).rows)).toBeLessThanOrEqual(64);
    expect(stats.leafRows).toBeLessThan(3 * 64 + 1);
    expect(stats.probes).toBeLessThan(3 * 2 * 14);
  });

  it('splits by the side that has the rows when the other side is empty', async () => {
    const p = new Side(new Map());
    const r = new Side(table(1000));
    const { leaves, covered } = await narrow(p, r, 100);
    expect(leaves.length).toBeGreaterThanOrEqual(10);
    for (const k of [1, 500, 1000]) expect(covered(k)).toBe(true);
  });

  /** Pins an endless loop: a split key past the range's end (the replica ordered keys its own way) split nothing. */
  it('a split that does not split ends in a leaf of the whole range, never another round', async () => {
    const p = new Side(table(600));
    const r = new Side(new Map([...table(600)].map(([k, v]) => [k, k === 300 ? 'changed' : v])));
    const all: ChunkRange = { lower: null, upper: null };
    const leaves: ChunkRange[] = [];
    const stats = await bisect(all, { primary: p.checksum(all), replica: r.checksum(all) }, {
      probe: async (range) => ({ primary: p.checksum(range), replica: r.checksum(range) }),
      splitAt: async () => [10_000],
      leaf: async (range) => void leaves.push(range),
    }, 50);
    expect(leaves).toEqual([all]);
    expect(stats).toMatchObject({ leaves: 1, leafRows: 600, probes: 2 });
  });
  /**
   * Pins an endless bisect (memory past 700 MB, SIGINT not heard): the replica orders keys another
   * way (a collation of the same name defined otherwise), so a range cut at the primary's key can
   * hold more replica rows than the whole. Only the splitting side was watched; now every level
   * holds fewer rows than the one above on both sides, or the range is read row by row.
   */
  it('ends when each side keeps all its rows in one half of the other side\'s split: a half as big as the whole on either side is a leaf', async () => {
    // The side that split halves its rows; the other keeps every row in the first half.
    let splitter: 'primary' | 'replica' = 'primary';
    let first = true;
    let probes = 0;
    const half = (whole: boolean) => ({ rows: whole ? 1000 : 500, digest: String(whole) });
    const all: ChunkRange = { lower: null, upper: null };
    const stats = await bisect(all, { primary: half(true), replica: { rows: 1000, digest: 'r' } }, {
      probe: async () => {
        if (++probes > 1000) throw new Error('bisect does not end');
        const other = first ? half(true) : { rows: 0, digest: '' };
        first = !first;
        const mine = { rows: 500, digest: 'x' };
        return splitter === 'primary' ? { primary: mine, replica: other } : { primary: other, replica: mine };
      },
      splitAt: async (_range, side): Promise<KeyValues> => {
        splitter = side;
        return [1];
      },
      leaf: async () => undefined,
    }, 50);
    expect(stats).toMatchObject({ probes: 2, leaves: 1, leafRows: 1000 });
  });

  it('does nothing when the checksums agree', async () => {
    const { leaves, probes } = await narrow(new Side(table(500)), new Side(table(500)), 10);
    expect(leaves).toEqual([]);
    expect(probes).toBe(0);
  });

  it('goes straight to the rows when the range is already small', async () => {
    const rmap = table(50);
    rmap.set(3, 'x');
    const { leaves, probes } = await narrow(new Side(table(50)), new Side(rmap), 64);
    expect(leaves).toEqual([{ lower: null, upper: null }]);
    expect(probes).toBe(0);
  });
});

/**
 * Narrowing a differing key range: checksum both halves on both sides, descend only into the
 * halves that still differ, and hand ranges small enough to read row by row to `leaf`. The
 * split point is a key of the side with more rows (a range can be empty on one side), found at
 * half its row count, so each half holds about half the rows. Pure: the I/O is injected.
 */
import type { ChunkChecksum, ChunkRange, KeyValues } from '../../engine/types.js';

export interface BisectIo {
  /** Checksums of `range` on the primary and on the replica (same synchronized snapshot). */
  probe(range: ChunkRange): Promise<{ primary: ChunkChecksum; replica: ChunkChecksum }>;
  /** The key of the row `offset` rows into `range` (0-based) on that side. */
  splitAt(range: ChunkRange, side: 'primary' | 'replica', offset: number): Promise<KeyValues>;
  /** Compare the rows of a small range. */
  leaf(range: ChunkRange): Promise<void>;
}

export interface BisectStats {
  probes: number;
  leaves: number;
  leafRows: number;
}

const same = (a: ChunkChecksum, b: ChunkChecksum) => a.rows === b.rows && a.digest === b.digest;

export async function bisect(
  range: ChunkRange,
  at: { primary: ChunkChecksum; replica: ChunkChecksum },
  io: BisectIo,
  leafRows: number,
  stats: BisectStats = { probes: 0, leaves: 0, leafRows: 0 },
): Promise<BisectStats> {
  if (!Number.isSafeInteger(leafRows) || leafRows < 1) throw new Error(`bad leaf size ${leafRows}`);
  if (same(at.primary, at.replica)) return stats;
  const rows = Math.max(at.primary.rows, at.replica.rows);
  if (rows <= leafRows) {
    stats.leaves++;
    stats.leafRows += rows;
    await io.leaf(range);
    return stats;
  }
  const side = at.primary.rows >= at.replica.rows ? 'primary' : 'replica';
  const mid = await io.splitAt(range, side, Math.floor(rows / 2) - 1);
  const halves: ChunkRange[] = [
    { lower: range.lower, upper: mid },
    { lower: mid, upper: range.upper },
  ];
  const sums = [];
  for (const h of halves) {
    sums.push(await io.probe(h));
    stats.probes++;
  }
  // A half as big as the whole on either side (a split key that did not split: the sides order
  // keys differently, so one side's rows all fall in one half) would be bisected again forever:
  // the range is read row by row instead.
  if (sums.some((x) => Math.max(x.primary.rows, x.replica.rows) >= rows)) {
    stats.leaves++;
    stats.leafRows += rows;
    await io.leaf(range);
    return stats;
  }
  for (let i = 0; i < halves.length; i++) await bisect(halves[i]!, sums[i]!, io, leafRows, stats);
  return stats;
}

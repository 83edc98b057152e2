/**
 * Chunk sizes from a time target: after each chunk, the next size is the observed rate times the
 * target, smoothed (EWMA) so that one slow chunk (a cold page, a busy moment) does not collapse
 * the size, and clamped so that it neither explodes nor starves.
 */
export interface ChunkSizerOptions {
  /** Target seconds per chunk on the slowest server. */
  readonly targetSeconds: number;
  readonly initialRows?: number;
  readonly minRows?: number;
  readonly maxRows?: number;
  /** Weight of the newest observation, 0..1. */
  readonly smoothing?: number;
  /** The next size grows at most by this factor per chunk. */
  readonly maxGrowth?: number;
}

/**
 * Past a few hundred thousand rows a bigger chunk saves nothing (a chunk's fixed cost is a couple
 * of round trips, under 1% of its time), and the MySQL-family checksum materializes 20 bytes per
 * row: at this cap that is 5 MB, inside the default 16 MB in-memory temporary table limit, where
 * bigger chunks would go to an on-disk temporary table.
 */
export const MAX_CHUNK_ROWS = 250_000;

export class ChunkSizer {
  private rate: number | null = null;
  private size: number;
  private readonly o: Required<ChunkSizerOptions>;

  constructor(opts: ChunkSizerOptions) {
    this.o = { initialRows: 1000, minRows: 100, maxRows: MAX_CHUNK_ROWS, smoothing: 0.5, maxGrowth: 4, ...opts };
    this.size = clamp(this.o.initialRows, this.o.minRows, this.o.maxRows);
  }

  /** Rows to put in the next chunk. */
  next(): number {
    return this.size;
  }

  /** Feed back a finished chunk: rows seen and seconds it took. */
  observe(rows: number, seconds: number): void {
    if (rows <= 0) return;
    const observed = rows / Math.max(seconds, 0.001);
    this.rate = this.rate === null ? observed : this.o.smoothing * observed + (1 - this.o.smoothing) * this.rate;
    const wanted = Math.round(this.rate * this.o.targetSeconds);
    this.size = clamp(Math.min(wanted, this.size * this.o.maxGrowth), this.o.minRows, this.o.maxRows);
  }
}

/**
 * The first chunk, before any rate is known: 1,000 to 10,000 rows (the table's estimate between
 * those), scaled down for a time target under the default 0.5 s, never under 100. Table sizes are
 * not used: right after a load InnoDB can report one page for a table of any size.
 */
export function firstChunkRows(t: { readonly rowEstimate: number }, targetSeconds = 0.5): number {
  const rows = Math.min(Math.max(t.rowEstimate, 1000), 10_000) * Math.min(1, targetSeconds / 0.5);
  return Math.max(100, Math.round(rows));
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, Math.floor(n)));
}

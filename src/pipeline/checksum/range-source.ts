/**
 * A table's chunk ranges, one after another, computed one ahead: while a lane checksums chunk k,
 * the primary already finds where chunk k+1 ends, so no server waits for a boundary query and
 * several lanes can take chunks of the same table.
 * Boundaries are read outside any snapshot: a range is only a key interval, and every server
 * checksums the same interval inside its own synchronized snapshot. The last range has an open
 * upper end, so rows inserted past the last boundary are still covered.
 */
import type { ChunkRange, KeyValues } from '../../engine/types.js';
import { SyncpointError } from '../../errors.js';

export interface NextRange {
  readonly seq: number;
  readonly range: ChunkRange;
}

export interface RangeSourceOptions {
  /** Null: the table has no usable key and is one range. */
  readonly keyed: boolean;
  readonly lower: KeyValues | null;
  readonly seq: number;
  /** Rows the next chunk should hold. */
  readonly size: () => number;
  /** The key `offset` rows after `after` in key order, or null when fewer remain. */
  readonly boundary: (after: KeyValues | null, offset: number) => Promise<KeyValues | null>;
  readonly table: string;
}

export class RangeSource {
  private lower: KeyValues | null;
  private seq: number;
  private exhausted = false;
  private stopped = false;
  private head: Promise<NextRange | null> | null = null;

  constructor(private readonly o: RangeSourceOptions) {
    this.lower = o.lower;
    this.seq = o.seq;
  }

  /** A source with nothing to hand out (a table skipped, or finished by an earlier run). */
  static none(table: string): RangeSource {
    const s = new RangeSource({ keyed: false, lower: null, seq: 0, size: () => 0, boundary: async () => null, table });
    s.stop();
    return s;
  }

  /** True once the last range is known (it may still be waiting to be handed out) or the source stopped. */
  get done(): boolean {
    return this.stopped || this.exhausted;
  }

  /** The next range, or null when there is none; calls may overlap, ranges never repeat. */
  next(): Promise<NextRange | null> {
    if (this.stopped) return Promise.resolve(null);
    const current = this.head ?? this.compute();
    // The one after is computed as soon as this one is known; an error waits for whoever asks next.
    this.head = current.then((r) => (r ? this.compute() : null));
    this.head.catch(() => undefined);
    return current;
  }

  /** No more ranges (the table is skipped or failed). */
  stop(): void {
    this.stopped = true;
    this.head = null;
  }

  private async compute(): Promise<NextRange | null> {
    if (this.exhausted || this.stopped) return null;
    const lower = this.lower;
    let upper: KeyValues | null = null;
    if (this.o.keyed) {
      upper = await this.o.boundary(lower, Math.max(1, this.o.size()) - 1);
      if (upper && lower && sameKey(upper, lower)) {
        throw new SyncpointError('server', `chunk boundary did not advance past ${JSON.stringify(lower, bigints)}`, this.o.table);
      }
    }
    if (upper === null) this.exhausted = true;
    else this.lower = upper;
    return { seq: this.seq++, range: { lower, upper } };
  }
}

const bigints = (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

export function sameKey(a: KeyValues | null, b: KeyValues | null): boolean {
  return JSON.stringify(a, bigints) === JSON.stringify(b, bigints);
}

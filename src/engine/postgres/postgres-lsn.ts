/**
 * From the WAL insert position to an LSN a replica can reach.
 *
 * The sync position is read with pg_current_wal_insert_lsn(), not pg_current_wal_lsn(): a writer
 * with synchronous_commit=off is visible (and has released its locks) as soon as its commit
 * record is inserted, possibly before the WAL writer has written it, so only the insert position
 * is sure to cover it. But when the last record ends exactly at a page boundary, the insert
 * position points past the next page's header, where no record ends: a standby's replay LSN (the
 * end of the last record replayed) and a logical sender's position would stop 24 (page) or 40
 * (segment) bytes short of it forever on an idle primary. Such a position is moved back to the
 * boundary, which is where the last record really ends.
 */
export interface WalGeometry {
  readonly blockSize: bigint;
  readonly segmentSize: bigint;
  /** MAXALIGN of the server build: the page header sizes depend on it. */
  readonly maxAlign: bigint;
}

export const DEFAULT_WAL_GEOMETRY: WalGeometry = Object.freeze({ blockSize: 8192n, segmentSize: 16n * 1024n * 1024n, maxAlign: 8n });

const align = (n: bigint, to: bigint) => ((n + to - 1n) / to) * to;

/** sizeof(XLogPageHeaderData) and sizeof(XLogLongPageHeaderData), before MAXALIGN. */
const SHORT_HEADER = 20n;
const LONG_HEADER = 36n;

export function insertLsnToRecordEnd(lsn: bigint, g: WalGeometry = DEFAULT_WAL_GEOMETRY): bigint {
  const long = align(LONG_HEADER, g.maxAlign);
  const short = align(SHORT_HEADER, g.maxAlign);
  if (lsn % g.segmentSize === long) return lsn - long;
  if (lsn % g.blockSize === short) return lsn - short;
  return lsn;
}

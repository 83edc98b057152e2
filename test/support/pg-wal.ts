/**
 * Puts an open transaction's WAL record across a WAL page boundary on a PostgreSQL primary.
 *
 * The WAL writer flushes whole pages only (a partial page only for an asynchronous commit), so
 * such a record is flushed up to the boundary and stays cut there while the transaction is open
 * and nothing commits: a standby receives the first part and replays nothing of it, its replay
 * position stops at the end of the record before. A sync point must still be reachable.
 */
import { connectDsn, type NodeClient } from '../../src/sandbox/index.js';

const PAGE = 8192n;

const lsnOf = (text: unknown): bigint => {
  const [hi, lo] = String(text).split('/');
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface CutRecord {
  /** The session holding the transaction open: ROLLBACK and close it when done. */
  readonly holder: NodeClient;
  /** Where the flushed WAL stops (a page boundary) and where the insert position is. */
  readonly flushed: bigint;
  readonly insert: bigint;
}

/**
 * Small committed writes (`step`, run with $1 = 1, 2, ...) until the insert position is 24 to 40
 * bytes before the end of a page, then `open` in a new transaction on a second session: any
 * record of 41 bytes or more it writes (a row lock is about 54) crosses the boundary. Checks that
 * the flush really stopped at the boundary, short of the insert position; tries again otherwise
 * (another backend wrote in between).
 */
export async function holdRecordAcrossPage(dsn: string, step: string, open: string, attempts = 8): Promise<CutRecord> {
  const writer = await connectDsn(dsn);
  try {
    // Pages left with dead rows (catalogs after a test's DDL) are pruned by the next reader, and
    // a transaction that only pruned has its WAL flushed like an asynchronous commit, which would
    // complete the cut record behind the test's back: clean them now.
    await writer.exec('VACUUM');
    for (let attempt = 1; attempt <= attempts; attempt++) {
      for (let i = 1; ; i++) {
        const [r] = await writer.query('SELECT pg_catalog.pg_current_wal_insert_lsn()::text AS lsn');
        const offset = lsnOf(r!['lsn']) % PAGE;
        if (offset >= PAGE - 40n && offset <= PAGE - 24n) break;
        if (i > 20_000) throw new Error('could not place the WAL insert position near a page end');
        await writer.exec(step, [i]);
      }
      const holder = await connectDsn(dsn);
      await holder.exec('BEGIN');
      await holder.exec(open);
      // Let the WAL writer run a few cycles: it flushes the page, never the record's tail.
      await sleep(700);
      const [r] = await writer.query('SELECT pg_catalog.pg_current_wal_insert_lsn()::text AS insert, pg_catalog.pg_current_wal_flush_lsn()::text AS flushed');
      const insert = lsnOf(r!['insert']);
      const flushed = lsnOf(r!['flushed']);
      if (flushed < insert && flushed % PAGE === 0n) return { holder, flushed, insert };
      await holder.exec('ROLLBACK').catch(() => undefined);
      await holder.close();
    }
    throw new Error(`no record stayed cut at a page boundary in ${attempts} attempts`);
  } finally {
    await writer.close();
  }
}

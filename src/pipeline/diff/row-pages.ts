/**
 * Rows of a key range as a stream, one page at a time (LIMIT/OFFSET inside one snapshot, so pages
 * neither skip nor repeat rows). Ranges reaching here are bisect leaves, a few hundred rows at
 * most, so the re-sorting per page stays cheap; memory is one page per side.
 */
import type { Engine, Session } from '../../engine/engine.js';
import type { FetchedRow, HashGroup, RowPageRequest } from '../../engine/row-types.js';
import type { ChunkRange, ColumnInfo, TableInfo } from '../../engine/types.js';

export const PAGE_ROWS = 200;

export async function* rowStream(
  engine: Engine,
  session: Session,
  table: TableInfo,
  key: readonly ColumnInfo[],
  range: ChunkRange,
  showValues: boolean,
  pageRows = PAGE_ROWS,
): AsyncGenerator<FetchedRow> {
  for (let offset = 0; ; offset += pageRows) {
    const req: RowPageRequest = { table, key, range, offset, limit: pageRows, showValues };
    const rows = await session.query(engine.sql.rows.rowPage(req));
    for (const r of rows) yield engine.sql.rows.parseRowPage(r, req);
    if (rows.length < pageRows) return;
  }
}

/** Key-less tables: groups of identical rows in hash order, a page of groups at a time (each page scans the table once: pages are large). */
export async function* hashStream(engine: Engine, session: Session, table: TableInfo, pageRows = 20_000): AsyncGenerator<HashGroup> {
  let after: string | null = null;
  for (;;) {
    const rows = await session.query(engine.sql.rows.hashPage(table, after, pageRows));
    for (const r of rows) {
      const g = engine.sql.rows.parseHashPage(r);
      after = g.hash;
      yield g;
    }
    if (rows.length < pageRows) return;
  }
}

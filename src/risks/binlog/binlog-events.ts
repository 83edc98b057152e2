/**
 * Binary-log events, from `SHOW BINLOG EVENTS` rows or a binlog file, to the workload's stream.
 * Only what the statement rules need: transaction groups, statement text with its default
 * database, and the tables row events write.
 *
 * MariaDB: a group opens with a Gtid event "BEGIN GTID d-s-n" (a standalone DDL shows "GTID
 * d-s-n") and ends with Xid "COMMIT /* xid=.. *\/" or a Query "COMMIT". MySQL: Gtid/Anonymous_Gtid,
 * then Query "BEGIN" ... Xid. Query events print "use `db`; <statement>" when a database is set.
 */
import type { StreamItem } from '../sql-analysis/workload.js';

/** One event, as SHOW BINLOG EVENTS shows it (the file reader produces the same). */
export interface BinlogEventRow {
  readonly file: string;
  readonly pos: number;
  /** Event_type: Query, Gtid, Xid, Table_map, Annotate_rows, Write_rows_v1, ... */
  readonly type: string;
  readonly info: string;
}

/** "use `shop`; INSERT ..." -> db and statement. The database name may contain doubled backticks. */
export function splitUsePrefix(info: string): { db: string | null; sql: string } {
  const m = /^use `((?:[^`]|``)*)`; ([\s\S]*)$/.exec(info);
  if (!m) return { db: null, sql: info };
  return { db: m[1]!.replace(/``/g, '`'), sql: m[2]! };
}

/** "table_id: 33 (shop.orders)" -> db and table (names cannot be told apart if a name holds a dot). */
export function tableMapTable(info: string): { db: string; table: string } | null {
  const m = /\(([^.()]+)\.(.+)\)\s*$/.exec(info);
  return m ? { db: m[1]!, table: m[2]! } : null;
}

export function binlogEventsToStream(rows: readonly BinlogEventRow[]): StreamItem[] {
  const out: StreamItem[] = [];
  for (const r of rows) {
    const at = `binlog ${r.file}:${r.pos}`;
    const type = r.type.toLowerCase();
    const info = r.info.trim();
    if (type === 'gtid') {
      if (/^BEGIN GTID/i.test(info)) out.push({ type: 'begin', at });
      continue;
    }
    if (type === 'xid' || type === 'xa_prepare') {
      out.push({ type: 'commit', at });
      continue;
    }
    if (type === 'table_map') {
      const t = tableMapTable(info);
      if (t) out.push({ type: 'rows', table: t, at });
      continue;
    }
    if (type === 'annotate_rows') {
      out.push({ type: 'annotate', text: info, at });
      continue;
    }
    if (type === 'query' || type === 'query_compressed') {
      const { db, sql } = splitUsePrefix(info);
      const word = sql.trim().toUpperCase();
      if (word === 'BEGIN' || word.startsWith('XA START')) out.push({ type: 'begin', at });
      else if (word === 'COMMIT' || word.startsWith('XA COMMIT') || word.startsWith('XA PREPARE')) out.push({ type: 'commit', at });
      else if (word.startsWith('XA END')) continue;
      else if (word === 'ROLLBACK' || word.startsWith('XA ROLLBACK')) out.push({ type: 'rollback', at });
      else out.push({ type: 'statement', sql, db, at });
    }
  }
  return out;
}

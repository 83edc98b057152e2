/**
 * Reads a MySQL/MariaDB binary log file (format v4) into the same event rows SHOW BINLOG EVENTS
 * gives, without mysqlbinlog: Query, Gtid, Xid, Table_map and Annotate_rows events are decoded,
 * every other event is passed by. A text file (mysqlbinlog output, a SQL dump) is not a binlog:
 * the caller reads it as SQL.
 *
 * Layout (both flavors): 4 magic bytes, then events of a 19-byte header (timestamp u32, type u8,
 * server_id u32, event_size u32, next_pos u32, flags u16) and a body. The Format_description event
 * gives the post-header length of every type and, at its end, the checksum algorithm: with CRC32,
 * every event ends with 4 checksum bytes.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { usageError } from '../../errors.js';
import type { BinlogEventRow } from './binlog-events.js';

export const BINLOG_MAGIC = Buffer.from([0xfe, 0x62, 0x69, 0x6e]);

const T = {
  QUERY: 2,
  FORMAT_DESCRIPTION: 15,
  XID: 16,
  TABLE_MAP: 19,
  MYSQL_GTID: 33,
  MYSQL_ANONYMOUS_GTID: 34,
  MYSQL_TRANSACTION_PAYLOAD: 40,
  MARIADB_ANNOTATE_ROWS: 160,
  MARIADB_GTID: 162,
  MARIADB_START_ENCRYPTION: 164,
  MARIADB_QUERY_COMPRESSED: 165,
} as const;

const HEADER = 19;

export function isBinlogFile(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(4);
    return readSync(fd, b, 0, 4, 0) === 4 && b.equals(BINLOG_MAGIC);
  } finally {
    closeSync(fd);
  }
}

export interface BinlogFileResult {
  readonly events: BinlogEventRow[];
  /** Events that were seen but cannot be read here (compressed, encrypted): counted for a note. */
  readonly unreadable: number;
  readonly truncated: boolean;
}

/** Decodes events of one buffer holding a whole binlog file. */
export function decodeBinlog(buf: Buffer, file: string, maxEvents = Number.POSITIVE_INFINITY): BinlogFileResult {
  if (buf.length < 4 || !buf.subarray(0, 4).equals(BINLOG_MAGIC)) throw usageError(`${file} is not a binary log (no binlog magic number)`);
  const events: BinlogEventRow[] = [];
  let postHeader: number[] = [];
  let checksum = 0;
  let unreadable = 0;
  let pos = 4;
  let count = 0;
  while (pos + HEADER <= buf.length) {
    const type = buf.readUInt8(pos + 4);
    const size = buf.readUInt32LE(pos + 9);
    if (size < HEADER || pos + size > buf.length) break;
    if (++count > maxEvents) return { events, unreadable, truncated: true };
    const bodyStart = pos + HEADER;
    const bodyEnd = pos + size - (type === T.FORMAT_DESCRIPTION ? 0 : checksum);
    const body = buf.subarray(bodyStart, bodyEnd);
    const row = (t: string, info: string) => events.push({ file, pos, type: t, info });
    switch (type) {
      case T.FORMAT_DESCRIPTION: {
        // binlog_version u16, server_version[50], create_timestamp u32, header_length u8, post-header lengths...
        const lengths = body.subarray(2 + 50 + 4 + 1);
        // The last 5 bytes are the checksum algorithm (1) and this event's own CRC (4) on servers
        // that know checksums (MySQL 5.6.1+, MariaDB 5.3+); the algorithm is 0 (off) or 1 (CRC32).
        const alg = lengths.length >= 5 ? lengths[lengths.length - 5]! : 0;
        checksum = alg === 1 ? 4 : 0;
        postHeader = [...lengths.subarray(0, Math.max(0, lengths.length - (lengths.length >= 5 ? 5 : 0)))];
        break;
      }
      case T.QUERY: {
        const ph = postHeader[T.QUERY - 1] ?? 13;
        if (body.length < ph) break;
        const dbLen = body.readUInt8(8);
        const statusLen = body.readUInt16LE(11);
        const dbStart = ph + statusLen;
        const db = body.subarray(dbStart, dbStart + dbLen).toString('utf8');
        const sql = body.subarray(dbStart + dbLen + 1).toString('utf8');
        row('Query', db ? `use \`${db.replace(/`/g, '``')}\`; ${sql}` : sql);
        break;
      }
      case T.XID:
        row('Xid', 'COMMIT');
        break;
      case T.TABLE_MAP: {
        const ph = postHeader[T.TABLE_MAP - 1] ?? 8;
        let p = ph;
        const dbLen = body.readUInt8(p);
        const db = body.subarray(p + 1, p + 1 + dbLen).toString('utf8');
        p += 1 + dbLen + 1;
        const tLen = body.readUInt8(p);
        const table = body.subarray(p + 1, p + 1 + tLen).toString('utf8');
        row('Table_map', `(${db}.${table})`);
        break;
      }
      case T.MARIADB_ANNOTATE_ROWS:
        row('Annotate_rows', body.toString('utf8'));
        break;
      case T.MARIADB_GTID: {
        // seq_no u64, domain_id u32, flags u8: FL_STANDALONE (1) marks a group without BEGIN (DDL).
        const flags = body.length >= 13 ? body.readUInt8(12) : 1;
        const seq = body.length >= 8 ? body.readBigUInt64LE(0) : 0n;
        const domain = body.length >= 12 ? body.readUInt32LE(8) : 0;
        const serverId = buf.readUInt32LE(pos + 5);
        row('Gtid', `${flags & 1 ? '' : 'BEGIN '}GTID ${domain}-${serverId}-${seq}`);
        break;
      }
      case T.MYSQL_GTID:
      case T.MYSQL_ANONYMOUS_GTID:
        row('Gtid', 'SET @@SESSION.GTID_NEXT');
        break;
      case T.MARIADB_START_ENCRYPTION:
        throw usageError(`${file} is encrypted (encrypt_binlog): read it through the server with --from-binlog instead`);
      case T.MARIADB_QUERY_COMPRESSED:
      case T.MYSQL_TRANSACTION_PAYLOAD:
        unreadable++;
        break;
      default:
        break;
    }
    pos += size;
  }
  return { events, unreadable, truncated: false };
}

/** Reads a binlog file from disk (whole: binlog files are bounded by max_binlog_size, 1 GiB at most). */
export function readBinlogFile(path: string, maxEvents?: number): BinlogFileResult {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    throw usageError(`cannot read binlog file ${JSON.stringify(path)}: ${(err as Error).message}`);
  }
  const buf = Buffer.alloc(size);
  const fd = openSync(path, 'r');
  try {
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n <= 0) break;
      off += n;
    }
  } finally {
    closeSync(fd);
  }
  return decodeBinlog(buf, basename(path), maxEvents);
}

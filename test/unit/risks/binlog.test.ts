import { describe, expect, it } from 'vitest';
import { binlogEventsToStream, splitUsePrefix, tableMapTable, type BinlogEventRow } from '../../../src/risks/binlog/binlog-events.js';
import { BINLOG_MAGIC, decodeBinlog } from '../../../src/risks/binlog/binlog-file.js';

// Captured from MariaDB 10.11 SHOW BINLOG EVENTS under binlog_format=STATEMENT.
const CAPTURED: BinlogEventRow[] = [
  { file: 'mariadb-bin.000001', pos: 2422, type: 'Query', info: 'CREATE TABLE shop.mem (id INT PRIMARY KEY) ENGINE=MEMORY' },
  { file: 'mariadb-bin.000001', pos: 2550, type: 'Gtid', info: 'BEGIN GTID 0-1-14' },
  { file: 'mariadb-bin.000001', pos: 2592, type: 'Intvar', info: 'INSERT_ID=1' },
  { file: 'mariadb-bin.000001', pos: 2624, type: 'Query', info: 'use `shop`; INSERT INTO inno (v) VALUES (1)' },
  { file: 'mariadb-bin.000001', pos: 2722, type: 'Query', info: 'use `shop`; INSERT INTO my VALUES (1,1)' },
  { file: 'mariadb-bin.000001', pos: 2816, type: 'Xid', info: 'COMMIT /* xid=48 */' },
  { file: 'mariadb-bin.000001', pos: 4913, type: 'Gtid', info: 'GTID 0-1-25' },
  { file: 'mariadb-bin.000001', pos: 4955, type: 'Query', info: 'use `shop`; CREATE TEMPORARY TABLE tt (id int)' },
  { file: 'mariadb-bin.000001', pos: 5065, type: 'Gtid', info: 'BEGIN GTID 0-1-26' },
  { file: 'mariadb-bin.000001', pos: 5107, type: 'Query', info: 'use `shop`; INSERT INTO tt VALUES (1)' },
  { file: 'mariadb-bin.000001', pos: 5199, type: 'Query', info: 'COMMIT' },
  { file: 'mariadb-bin.000002', pos: 600, type: 'Gtid', info: 'BEGIN GTID 0-1-30' },
  { file: 'mariadb-bin.000002', pos: 642, type: 'Annotate_rows', info: 'INSERT INTO shop.inno (v) VALUES (3)' },
  { file: 'mariadb-bin.000002', pos: 700, type: 'Table_map', info: 'table_id: 33 (shop.inno)' },
  { file: 'mariadb-bin.000002', pos: 760, type: 'Write_rows_v1', info: 'table_id: 33 flags: STMT_END_F' },
  { file: 'mariadb-bin.000002', pos: 800, type: 'Xid', info: 'COMMIT /* xid=90 */' },
];

describe('binlog events to the workload stream', () => {
  it('reads transaction groups, default databases and row-event tables', () => {
    const s = binlogEventsToStream(CAPTURED);
    expect(s.map((i) => i.type)).toEqual(['statement', 'begin', 'statement', 'statement', 'commit', 'statement', 'begin', 'statement', 'commit', 'begin', 'annotate', 'rows', 'commit']);
    expect(s[2]).toMatchObject({ type: 'statement', db: 'shop', sql: 'INSERT INTO inno (v) VALUES (1)', at: 'binlog mariadb-bin.000001:2624' });
    expect(s[11]).toMatchObject({ type: 'rows', table: { db: 'shop', table: 'inno' } });
  });

  it('parses the use prefix and table maps, odd names included', () => {
    expect(splitUsePrefix('use `we``ird`; DELETE FROM t')).toEqual({ db: 'we`ird', sql: 'DELETE FROM t' });
    expect(splitUsePrefix('BEGIN')).toEqual({ db: null, sql: 'BEGIN' });
    expect(tableMapTable('table_id: 33 (shop.order.items)')).toEqual({ db: 'shop', table: 'order.items' });
  });
});

/** A minimal v4 binlog: format description (CRC32), then the events given, each with a dummy checksum. */
function binlog(events: { type: number; body: Buffer }[]): Buffer {
  const header = (type: number, size: number, serverId = 1) => {
    const h = Buffer.alloc(19);
    h.writeUInt8(type, 4);
    h.writeUInt32LE(serverId, 5);
    h.writeUInt32LE(size, 9);
    return h;
  };
  const post = Buffer.alloc(40, 0);
  post[1] = 13; // QUERY post-header length
  post[18] = 8; // TABLE_MAP
  const fdeBody = Buffer.concat([Buffer.from([4, 0]), Buffer.alloc(50), Buffer.alloc(4), Buffer.from([19]), post, Buffer.from([1]), Buffer.alloc(4)]);
  const parts = [BINLOG_MAGIC, header(15, 19 + fdeBody.length), fdeBody];
  for (const e of events) parts.push(header(e.type, 19 + e.body.length + 4), e.body, Buffer.alloc(4));
  return Buffer.concat(parts);
}

function query(db: string, sql: string): Buffer {
  const ph = Buffer.alloc(13);
  ph.writeUInt8(Buffer.byteLength(db), 8);
  ph.writeUInt16LE(0, 11);
  return Buffer.concat([ph, Buffer.from(db), Buffer.from([0]), Buffer.from(sql)]);
}

describe('binlog files', () => {
  it('decodes Query, MariaDB Gtid, Table_map and Xid events and skips the checksum', () => {
    const gtid = Buffer.alloc(13);
    gtid.writeBigUInt64LE(7n, 0);
    gtid.writeUInt32LE(0, 8);
    gtid.writeUInt8(0, 12);
    const tm = Buffer.concat([Buffer.alloc(8), Buffer.from([4]), Buffer.from('shop'), Buffer.from([0]), Buffer.from([3]), Buffer.from('t_a'), Buffer.from([0]), Buffer.alloc(6)]);
    const buf = binlog([
      { type: 162, body: gtid },
      { type: 2, body: query('shop', 'UPDATE t SET v = 1 LIMIT 1') },
      { type: 19, body: tm },
      { type: 16, body: Buffer.alloc(8) },
    ]);
    const r = decodeBinlog(buf, 'x-bin.000001');
    expect(r.events.map((e) => [e.type, e.info])).toEqual([
      ['Gtid', 'BEGIN GTID 0-1-7'],
      ['Query', 'use `shop`; UPDATE t SET v = 1 LIMIT 1'],
      ['Table_map', '(shop.t_a)'],
      ['Xid', 'COMMIT'],
    ]);
  });

  it('refuses what is not a binlog', () => {
    expect(() => decodeBinlog(Buffer.from('SELECT 1;'), 'x.sql')).toThrow(/not a binary log/);
  });
});

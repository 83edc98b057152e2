import { describe, expect, it } from 'vitest';
import { insertLsnToRecordEnd } from '../../../../src/engine/postgres/postgres-lsn.js';
import { parsePgLsn } from '../../../../src/engine/position.js';

const lsn = (text: string) => (parsePgLsn(text) as { lsn: bigint }).lsn;

describe('insert LSN to a reachable record end', () => {
  it('moves a position just past a segment header back to the segment boundary (seen after pg_switch_wal on an idle primary)', () => {
    // PostgreSQL 15 on x86-64: pg_current_wal_insert_lsn() = 0/4000028 while a standby replays up to 0/4000000.
    expect(insertLsnToRecordEnd(lsn('0/4000028'))).toBe(lsn('0/4000000'));
  });
  it('moves a position just past a page header back to the page boundary', () => {
    expect(insertLsnToRecordEnd(lsn('0/3782018'))).toBe(lsn('0/3782000'));
  });
  it('leaves positions inside a page alone', () => {
    expect(insertLsnToRecordEnd(lsn('0/3783918'))).toBe(lsn('0/3783918'));
    // 40 bytes into a page that does not start a segment is a record end, not a long header.
    expect(insertLsnToRecordEnd(lsn('0/3782028'))).toBe(lsn('0/3782028'));
  });
  it('uses the server MAXALIGN and WAL geometry', () => {
    const g = { blockSize: 8192n, segmentSize: 16n * 1024n * 1024n, maxAlign: 4n };
    expect(insertLsnToRecordEnd(lsn('0/4000024'), g)).toBe(lsn('0/4000000'));
    expect(insertLsnToRecordEnd(lsn('0/3782014'), g)).toBe(lsn('0/3782000'));
    expect(insertLsnToRecordEnd(lsn('0/3782018'), g)).toBe(lsn('0/3782018'));
    const big = { blockSize: 32768n, segmentSize: 64n * 1024n * 1024n, maxAlign: 8n };
    expect(insertLsnToRecordEnd(lsn('0/4008018'), big)).toBe(lsn('0/4008000'));
    expect(insertLsnToRecordEnd(lsn('0/4000028'), big)).toBe(lsn('0/4000000'));
  });
});

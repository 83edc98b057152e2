import { describe, expect, it } from 'vitest';
import {
  comparePositions,
  formatPosition,
  hasReached,
  matchesOnDomains,
  parseBinlogFilePos,
  compareBinlogFiles,
  parseMariadbGtid,
  parseMysqlGtidSet,
  parsePgLsn,
  PositionParseError,
} from '../../../src/engine/position.js';

describe('MariaDB GTID positions', () => {
  it('parses and formats domain-server-seq lists in domain order', () => {
    const p = parseMariadbGtid('1-2-7, 0-1-100');
    expect(formatPosition(p)).toBe('0-1-100,1-2-7');
  });
  it('parses the empty position', () => {
    expect(formatPosition(parseMariadbGtid(''))).toBe('');
  });
  it('rejects malformed and duplicate domains', () => {
    expect(() => parseMariadbGtid('0-1')).toThrow(PositionParseError);
    expect(() => parseMariadbGtid('0-1-5,0-2-6')).toThrow(PositionParseError);
  });
  it('compares per domain, absent domain as 0', () => {
    expect(comparePositions(parseMariadbGtid('0-1-5'), parseMariadbGtid('0-1-6'))).toBe('before');
    expect(comparePositions(parseMariadbGtid('0-1-6,1-1-1'), parseMariadbGtid('0-1-6'))).toBe('after');
    expect(comparePositions(parseMariadbGtid('0-1-7,1-1-1'), parseMariadbGtid('0-1-8'))).toBe('incomparable');
    expect(comparePositions(parseMariadbGtid('0-1-8'), parseMariadbGtid('0-2-8'))).toBe('equal');
  });
  it('matchesOnDomains ignores domains the target does not name', () => {
    expect(matchesOnDomains(parseMariadbGtid('0-1-8,5-9-3'), parseMariadbGtid('0-1-8'))).toBe(true);
    expect(matchesOnDomains(parseMariadbGtid('0-1-9'), parseMariadbGtid('0-1-8'))).toBe(false);
    expect(matchesOnDomains(parseMariadbGtid('5-9-3'), parseMariadbGtid('0-1-8'))).toBe(false);
  });
});

describe('binlog coordinates', () => {
  it('orders files by their number, past six digits too', () => {
    expect(comparePositions(parseBinlogFilePos('binlog.999999:500'), parseBinlogFilePos('binlog.1000000:4'))).toBe('before');
    expect(comparePositions(parseBinlogFilePos('binlog.000010:4'), parseBinlogFilePos('binlog.000009:900'))).toBe('after');
    expect(comparePositions(parseBinlogFilePos('binlog.000010:4'), parseBinlogFilePos('binlog.000010:4'))).toBe('equal');
    expect(compareBinlogFiles('mysql-bin.000002', 'mysql-bin.000010')).toBe(-1);
  });
});

describe('MySQL GTID sets', () => {
  const u1 = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
  const u2 = '4d22fb58-82db-22f2-af44-d91bb9530673';
  it('parses gtid_executed output with newlines and merges intervals', () => {
    const p = parseMysqlGtidSet(`${u2}:1-5,\n${u1.toUpperCase()}:1-3:4-10:12`);
    expect(formatPosition(p)).toBe(`${u1}:1-10:12,${u2}:1-5`);
  });
  it('contains / contained / errant', () => {
    const a = parseMysqlGtidSet(`${u1}:1-10`);
    const b = parseMysqlGtidSet(`${u1}:1-12`);
    const errant = parseMysqlGtidSet(`${u1}:1-10,${u2}:1`);
    expect(comparePositions(a, b)).toBe('before');
    expect(comparePositions(b, a)).toBe('after');
    expect(comparePositions(errant, b)).toBe('incomparable');
    expect(hasReached(b, a)).toBe(true);
    expect(hasReached(a, b)).toBe(false);
  });
  it('MySQL 8.3+ tagged GTIDs: a tag names the intervals after it, kept apart from the untagged ones', () => {
    // As gtid_executed prints a set with tagged transactions (SET gtid_next = 'AUTOMATIC:etl').
    const p = parseMysqlGtidSet(`${u1}:1-100:ETL:1-5:7,\n${u2}:1-3`);
    expect(formatPosition(p)).toBe(`${u1}:1-100,${u1}:etl:1-5:7,${u2}:1-3`);
    // The printed form reads back the same (it goes to WAIT_FOR_EXECUTED_GTID_SET as it is).
    expect(comparePositions(parseMysqlGtidSet(formatPosition(p)), p)).toBe('equal');
    const moreTagged = parseMysqlGtidSet(`${u1}:1-100:etl:1-7,${u2}:1-3`);
    expect(comparePositions(p, moreTagged)).toBe('before');
    // A tagged transaction is a different one from the untagged number: not contained.
    expect(comparePositions(parseMysqlGtidSet(`${u1}:1-100:etl:101`), parseMysqlGtidSet(`${u1}:1-101`))).toBe('incomparable');
    expect(parseMysqlGtidSet(`${u1}:etl:1-2`).kind).toBe('mysql-gtid');
    // A tag with nothing after it, or not a tag at all.
    expect(() => parseMysqlGtidSet(`${u1}:1-2:etl`)).toThrow(PositionParseError);
    expect(() => parseMysqlGtidSet(`${u1}:1-2:9tag:3`)).toThrow(PositionParseError);
  });
  it('rejects bad uuids and reversed intervals', () => {
    expect(() => parseMysqlGtidSet('nope:1-2')).toThrow(PositionParseError);
    expect(() => parseMysqlGtidSet(`${u1}:5-2`)).toThrow(PositionParseError);
  });
});

describe('file positions and LSNs', () => {
  it('orders binlog file positions by file then offset', () => {
    expect(comparePositions(parseBinlogFilePos('mysql-bin.000002:4'), parseBinlogFilePos('mysql-bin.000001:999'))).toBe('after');
    expect(formatPosition(parseBinlogFilePos('mysql-bin.000002:4'))).toBe('mysql-bin.000002:4');
  });
  it('parses, formats and orders LSNs as 64-bit numbers', () => {
    const a = parsePgLsn('16/B374D848');
    expect(a.kind === 'pg-lsn' && a.lsn).toBe((0x16n << 32n) | 0xb374d848n);
    expect(formatPosition(a)).toBe('16/B374D848');
    expect(comparePositions(parsePgLsn('0/FFFFFFFF'), parsePgLsn('1/0'))).toBe('before');
    expect(() => parsePgLsn('16-B3')).toThrow(PositionParseError);
  });
  it('refuses to compare different kinds', () => {
    expect(() => comparePositions(parsePgLsn('0/1'), parseMariadbGtid('0-1-1'))).toThrow();
  });
});

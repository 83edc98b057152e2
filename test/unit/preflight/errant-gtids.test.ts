/** Errant GTID computation on GTID strings captured from MariaDB 10.11 and MySQL 8.0 servers. */
import { describe, expect, it } from 'vitest';
import { mariadbErrantGtids, mysqlErrantGtids, parseMariadbGtidState } from '../../../src/preflight/errant-gtids.js';

describe('parseMariadbGtidState', () => {
  it('keeps several entries per domain (one per server_id)', () => {
    expect(parseMariadbGtidState('0-1-26,0-3-27, 1-2-5')).toEqual([
      { domain: 0, serverId: 1, seq: 26n },
      { domain: 0, serverId: 3, seq: 27n },
      { domain: 1, serverId: 2, seq: 5n },
    ]);
    expect(parseMariadbGtidState('')).toEqual([]);
  });
  it('refuses text that is not a GTID list', () => {
    expect(() => parseMariadbGtidState('0-1')).toThrow(/cannot parse/);
  });
});

describe('mariadbErrantGtids', () => {
  it('a healthy replica holds nothing the primary lacks', () => {
    expect(mariadbErrantGtids('0-1-26', '0-1-26')).toEqual([]);
  });
  it('a lagging replica is not errant', () => {
    expect(mariadbErrantGtids('0-1-20', '0-1-26')).toEqual([]);
  });
  it('a write on the replica with binlog on (captured: replica 0-1-26,0-3-27, primary 0-1-26)', () => {
    expect(mariadbErrantGtids('0-1-26,0-3-27', '0-1-26')).toEqual(['0-3-27']);
  });
  it('history of a former primary that the current primary also has is not errant', () => {
    expect(mariadbErrantGtids('0-1-40,0-2-30', '0-2-30,0-1-50')).toEqual([]);
  });
  it('a sequence number beyond the primary for the same server is errant', () => {
    expect(mariadbErrantGtids('0-1-27', '0-1-26')).toEqual(['0-1-27']);
  });
  it('a domain the primary never had is errant', () => {
    expect(mariadbErrantGtids('0-1-26,5-3-2', '0-1-26')).toEqual(['5-3-2']);
  });
  it("a domain whose highest sequence is beyond the primary's, even from a server the primary knows", () => {
    // Primary saw server 3 up to 10 in domain 0, then itself to 26; the replica has server 3 at 30.
    expect(mariadbErrantGtids('0-1-26,0-3-30', '0-3-10,0-1-26')).toEqual(['0-3-30']);
  });
  it('an empty replica state (binlog off or fresh) has nothing errant', () => {
    expect(mariadbErrantGtids('', '0-1-26')).toEqual([]);
  });
});

describe('mysqlErrantGtids', () => {
  const P = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
  const R = '8a94f357-aab4-11df-86ab-c80aa9429562';
  it('nothing when the replica set is contained in the primary set', () => {
    expect(mysqlErrantGtids(`${P}:1-90`, `${P}:1-100`)).toBe('');
    expect(mysqlErrantGtids(`${P}:1-100`, `${P}:1-100,\n${R}:1-3`)).toBe('');
  });
  it("the replica's own server uuid (captured gtid_executed with a newline)", () => {
    expect(mysqlErrantGtids(`${P}:1-100,\n${R}:1-2`, `${P}:1-105`)).toBe(`${R}:1-2`);
  });
  it('gaps inside an interval: only the missing numbers', () => {
    expect(mysqlErrantGtids(`${P}:1-20`, `${P}:1-5:8-10:15-30`)).toBe(`${P}:6-7:11-14`);
  });
  it('numbers beyond the primary on the same uuid', () => {
    expect(mysqlErrantGtids(`${P}:1-12`, `${P}:1-10`)).toBe(`${P}:11-12`);
  });
});

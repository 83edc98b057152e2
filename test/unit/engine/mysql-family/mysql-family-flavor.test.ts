import { describe, expect, it } from 'vitest';
import { mariadbFlavor } from '../../../../src/engine/mariadb/mariadb-flavor.js';
import { parseBinlogSnapshot } from '../../../../src/engine/mariadb/mariadb-replication.js';
import { flavorFor } from '../../../../src/engine/mysql-family/mysql-family-engine.js';
import { baseCapabilities, isMariadbVersion, parseServerVersion, versionAtLeast, type ServerFacts } from '../../../../src/engine/mysql-family/mysql-family-flavor.js';
import { mysqlFlavor, mysqlStatements } from '../../../../src/engine/mysql/mysql-flavor.js';
import { mysqlExecutedPosition, parseBinlogStatus } from '../../../../src/engine/mysql/mysql-replication.js';
import { parseReplicaStatusRow } from '../../../../src/engine/mysql-family/mysql-family-replica-status.js';
import { formatPosition, parseBinlogFilePos, parseMariadbGtid, parseMysqlGtidSet, parsePgLsn } from '../../../../src/engine/position.js';
import { mysql57SlaveStatus, mysqlReplicaStatus } from './fixtures.js';

const facts = (version: string, gtidMode = false): ServerFacts => ({ version: parseServerVersion(version), gtidMode });

describe('server versions', () => {
  it('parses MariaDB, MySQL and Percona version strings', () => {
    expect(parseServerVersion('10.11.19-MariaDB-0+deb12u1-log')).toMatchObject({ major: 10, minor: 11, patch: 19 });
    expect(parseServerVersion('5.5.5-10.3.39-MariaDB')).toMatchObject({ major: 10, minor: 3, patch: 39 });
    expect(parseServerVersion('8.0.36-28')).toMatchObject({ major: 8, minor: 0, patch: 36 });
    expect(isMariadbVersion('11.4.2-MariaDB-ubu2404')).toBe(true);
    expect(isMariadbVersion('8.4.0')).toBe(false);
  });
  it('compares versions', () => {
    const v = parseServerVersion('8.0.22');
    expect(versionAtLeast(v, 8, 0, 22)).toBe(true);
    expect(versionAtLeast(v, 8, 0, 23)).toBe(false);
    expect(versionAtLeast(v, 5, 7)).toBe(true);
    expect(versionAtLeast(v, 8, 1)).toBe(false);
  });
});

describe('capabilities', () => {
  it('MariaDB: replica-until first, snapshot positions, GTIDs, discovery', () => {
    const f = flavorFor(facts('10.11.19-MariaDB'));
    expect(f.flavor).toBe('mariadb');
    expect(f.caps).toEqual({ ...baseCapabilities, syncMethods: ['replica-until', 'primary-lock'], snapshotPosition: true, gtid: true, replicaDiscovery: true });
  });
  it('MySQL: primary-lock only, GTID when gtid_mode=ON', () => {
    const off = flavorFor(facts('8.0.36'));
    expect(off.flavor).toBe('mysql');
    expect(off.caps).toMatchObject({ syncMethods: ['primary-lock'], snapshotPosition: false, sharedSnapshots: false, gtid: false, replicaDiscovery: true });
    expect(flavorFor(facts('8.0.36', true)).caps.gtid).toBe(true);
  });
});

describe('MySQL spellings by version', () => {
  it('5.7 uses SLAVE words and SHOW MASTER STATUS', () => {
    const s = mysqlStatements(facts('5.7.44-log'));
    expect(s).toMatchObject({ replicaStatus: 'SHOW SLAVE STATUS', replicaHosts: 'SHOW SLAVE HOSTS', stopApply: 'STOP SLAVE SQL_THREAD', binlogStatus: 'SHOW MASTER STATUS', posWaitFunction: 'MASTER_POS_WAIT' });
    expect(s.noStatementTimeout).toBe('max_execution_time = 0');
  });
  it('8.0.22+ uses REPLICA words with a SLAVE fallback', () => {
    const s = mysqlStatements(facts('8.0.22'));
    expect(s).toMatchObject({ replicaStatus: 'SHOW REPLICA STATUS', replicaStatusFallback: 'SHOW SLAVE STATUS', replicaHosts: 'SHOW REPLICAS', startApply: 'START REPLICA SQL_THREAD' });
    expect(s.posWaitFunction).toBe('MASTER_POS_WAIT');
    expect(mysqlStatements(facts('8.0.26')).posWaitFunction).toBe('SOURCE_POS_WAIT');
  });
  it('8.2+ reads the binlog position with SHOW BINARY LOG STATUS (SHOW MASTER STATUS is gone in 8.4)', () => {
    expect(mysqlStatements(facts('8.4.3')).binlogStatus).toBe('SHOW BINARY LOG STATUS');
    expect(mysqlStatements(facts('8.0.40')).binlogStatus).toBe('SHOW MASTER STATUS');
  });
  it('MariaDB keeps the SLAVE words and switches off max_statement_time', () => {
    const m = mariadbFlavor(facts('11.4.2-MariaDB'));
    expect(m.statements).toMatchObject({ replicaStatus: 'SHOW SLAVE STATUS', stopApply: 'STOP SLAVE', startApply: 'START SLAVE', noStatementTimeout: 'max_statement_time = 0' });
  });
});

describe('apply-until and wait statements', () => {
  const maria = mariadbFlavor(facts('10.11.19-MariaDB'));
  const mysql8 = mysqlFlavor(facts('8.0.36', true));
  const mysql57 = mysqlFlavor(facts('5.7.44'));
  it('MariaDB: UNTIL master_gtid_pos with every domain', () => {
    expect(maria.startApplyUntil(parseMariadbGtid('1-2-7,0-1-100'))).toEqual({ sql: 'START SLAVE UNTIL master_gtid_pos = ?', params: ['0-1-100,1-2-7'] });
    // File coordinates are a direct replica's: the SQL thread alone, receiving goes on.
    expect(maria.startApplyUntil(parseBinlogFilePos('bin.000002:4567'))).toEqual({ sql: 'START SLAVE SQL_THREAD UNTIL MASTER_LOG_FILE = ?, MASTER_LOG_POS = 4567', params: ['bin.000002'] });
    expect(() => maria.startApplyUntil(parsePgLsn('0/16B3748'))).toThrow();
  });
  it('MariaDB: MASTER_GTID_WAIT with fractional seconds, MASTER_POS_WAIT for files', () => {
    expect(maria.waitApplied(parseMariadbGtid('0-1-100'), 2500)).toEqual({ sql: 'SELECT MASTER_GTID_WAIT(?, ?) = 0 AS reached', params: ['0-1-100', 2.5] });
    expect(maria.waitApplied(parseMariadbGtid('0-1-100'), 0).params[1]).toBeGreaterThan(0);
    expect(maria.waitApplied(parseBinlogFilePos('bin.000002:4567'), 1500)).toEqual({ sql: 'SELECT MASTER_POS_WAIT(?, ?, ?) >= 0 AS reached', params: ['bin.000002', 4567n, 2] });
  });
  it('MySQL: SQL_AFTER_GTIDS / WAIT_FOR_EXECUTED_GTID_SET; SOURCE_ words on 8.0.26+', () => {
    const set = parseMysqlGtidSet('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-40');
    expect(mysql8.startApplyUntil(set)).toEqual({ sql: 'START REPLICA SQL_THREAD UNTIL SQL_AFTER_GTIDS = ?', params: ['3e11fa47-71ca-11e1-9e33-c80aa9429562:1-40'] });
    expect(mysql8.waitApplied(set, 200).sql).toBe('SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?) = 0 AS reached');
    expect(mysql8.waitApplied(parseBinlogFilePos('binlog.000001:9'), 200).sql).toBe('SELECT SOURCE_POS_WAIT(?, ?, ?) >= 0 AS reached');
    expect(mysql8.startApplyUntil(parseBinlogFilePos('binlog.000001:9')).sql).toBe('START REPLICA SQL_THREAD UNTIL SOURCE_LOG_FILE = ?, SOURCE_LOG_POS = 9');
    expect(mysql57.waitApplied(parseBinlogFilePos('mysql-bin.000001:9'), 200).sql).toBe('SELECT MASTER_POS_WAIT(?, ?, ?) >= 0 AS reached');
  });
});

describe('position rows', () => {
  it('MariaDB snapshot status (captured) -> file and position', () => {
    expect(
      parseBinlogSnapshot([
        { Variable_name: 'Binlog_snapshot_file', Value: 'bin.000003' },
        { Variable_name: 'Binlog_snapshot_position', Value: '2801638' },
      ]),
    ).toEqual({ file: 'bin.000003', pos: '2801638' });
    // binlog off: the file is empty
    expect(
      parseBinlogSnapshot([
        { Variable_name: 'Binlog_snapshot_file', Value: '' },
        { Variable_name: 'Binlog_snapshot_position', Value: '0' },
      ]),
    ).toBeNull();
  });
  it('SHOW MASTER STATUS / SHOW BINARY LOG STATUS', () => {
    expect(formatPosition(parseBinlogStatus([{ File: 'bin.000003', Position: '2801638', Binlog_Do_DB: '', Binlog_Ignore_DB: '' }])!)).toBe('bin.000003:2801638');
    expect(parseBinlogStatus([])).toBeNull();
  });
  it('MySQL executed: the GTID set with gtid_mode=ON, else file coordinates', () => {
    expect(formatPosition(mysqlExecutedPosition(parseReplicaStatusRow(mysqlReplicaStatus), true)!)).toBe(
      '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-40,9a511b7b-7059-11e1-9e33-c80aa9429562:1-3',
    );
    expect(formatPosition(mysqlExecutedPosition(parseReplicaStatusRow(mysql57SlaveStatus), false)!)).toBe('mysql-bin.000002:73');
  });
});

import { describe, expect, it } from 'vitest';
import {
  discoveredReplicas,
  parseOpenTempTables,
  parseReplicaStatusRow,
  processlistHost,
  sqlThreadRunning,
} from '../../../../src/engine/mysql-family/mysql-family-replica-status.js';
import { formatPosition } from '../../../../src/engine/position.js';
import { mariadbSlaveStatus, mariadbSlaveStatusBroken, mysql57SlaveStatus, mysqlReplicaStatus } from './fixtures.js';

describe('SHOW SLAVE STATUS (MariaDB 10.11 capture)', () => {
  const f = parseReplicaStatusRow(mariadbSlaveStatus);
  it('reads running threads, lag and source', () => {
    expect(f).toMatchObject({ receiving: true, applying: true, lastError: null, lagSeconds: 417, sourceHost: '127.0.0.1', sourcePort: 23310, sourceServerId: 1, usingGtid: 'Slave_Pos' });
  });
  it('executed file coordinates are Relay_Master_Log_File + Exec_Master_Log_Pos, not the read position', () => {
    expect(formatPosition(f.executedFilePos!)).toBe('bin.000002:234315129');
  });
  it('a stopped SQL thread with an error', () => {
    const b = parseReplicaStatusRow(mariadbSlaveStatusBroken);
    expect(b.applying).toBe(false);
    expect(b.lagSeconds).toBeNull();
    expect(b.lastError).toBe("SQL thread error 1062: Could not execute Write_rows_v1 event on table d1.t; Duplicate entry '3' for key 'PRIMARY'");
    expect(b.usingGtid).toBe('No');
    expect(sqlThreadRunning(mariadbSlaveStatusBroken)).toBe(false);
    expect(sqlThreadRunning(mariadbSlaveStatus)).toBe(true);
  });
});

describe('SHOW REPLICA STATUS (MySQL 8.0.22+ spellings)', () => {
  const f = parseReplicaStatusRow(mysqlReplicaStatus);
  it('reads Source/Replica columns', () => {
    expect(f).toMatchObject({ receiving: true, applying: true, lagSeconds: 0, sourceHost: '10.0.0.5', sourcePort: 3306, sourceServerId: 1 });
    expect(formatPosition(f.executedFilePos!)).toBe('binlog.000012:8911');
    expect(sqlThreadRunning(mysqlReplicaStatus)).toBe(true);
  });
  it('keeps the raw Executed_Gtid_Set (multi-line as the server prints it)', () => {
    expect(f.executedGtidSet).toContain('\n');
  });
  it('falls back to the IO error when the SQL thread has none', () => {
    expect(f.lastError).toMatch(/^IO thread error 2003: error connecting to source/);
  });
});

describe('SHOW SLAVE STATUS (MySQL 5.7)', () => {
  it('Connecting is not receiving; NULL lag is unknown', () => {
    const f = parseReplicaStatusRow(mysql57SlaveStatus);
    expect(f.receiving).toBe(false);
    expect(f.lagSeconds).toBeNull();
    expect(formatPosition(f.executedFilePos!)).toBe('mysql-bin.000002:73');
  });
});

describe('open temporary tables', () => {
  it('reads either spelling', () => {
    expect(parseOpenTempTables([{ Variable_name: 'Slave_open_temp_tables', Value: '0' }])).toBe(0);
    expect(parseOpenTempTables([{ Variable_name: 'Replica_open_temp_tables', Value: '3' }])).toBe(3);
    expect(parseOpenTempTables([])).toBeNull();
  });
});

describe('replica discovery', () => {
  it('strips the client port from PROCESSLIST hosts', () => {
    expect(processlistHost('localhost:36782')).toBe('localhost');
    expect(processlistHost('10.1.2.3:5000')).toBe('10.1.2.3');
    expect(processlistHost('[fe80::1]:5000')).toBe('fe80::1');
    expect(processlistHost('fe80::1')).toBe('fe80::1');
    expect(processlistHost('db7')).toBe('db7');
  });
  it('a reported replica (captured SHOW SLAVE HOSTS) matches its dump thread', () => {
    const found = discoveredReplicas([{ Server_id: 2, Host: '127.0.0.1', Port: 23311, Master_id: 1 }], 'SHOW SLAVE HOSTS', [{ id: '5', host: 'localhost:36782' }]);
    expect(found).toEqual([{ host: '127.0.0.1', port: 23311, via: 'SHOW SLAVE HOSTS', problem: null }]);
  });
  it('dump threads beyond the reported replicas come back with a problem saying how to fix it', () => {
    const found = discoveredReplicas(
      [{ Server_Id: 2, Host: 'db2', Port: 3306, Source_Id: 1, Replica_UUID: 'x' }],
      'SHOW REPLICAS',
      [
        { id: '5', host: 'db2:41000' },
        { id: '9', host: '10.0.0.9:52000' },
      ],
    );
    expect(found).toHaveLength(2);
    expect(found[1]).toMatchObject({ host: '10.0.0.9', port: null, via: 'PROCESSLIST binlog dump thread' });
    expect(found[1]!.problem).toMatch(/report_port/);
    expect(found[1]!.problem).toMatch(/--replica/);
  });
  it('a replica that reports a name while PROCESSLIST shows its address is not counted twice', () => {
    const found = discoveredReplicas([{ Server_id: 2, Host: 'db2.example', Port: 3306 }], 'SHOW SLAVE HOSTS', [{ id: '5', host: '10.0.0.2:41000' }]);
    expect(found).toHaveLength(1);
  });
  it('a registration without host or port is reported as unusable', () => {
    const found = discoveredReplicas(
      [
        { Server_id: 3, Host: '', Port: 3306 },
        { Server_id: 4, Host: 'db4', Port: 0 },
      ],
      'SHOW SLAVE HOSTS',
      [],
    );
    expect(found[0]).toMatchObject({ host: 'server_id 3', port: null });
    expect(found[0]!.problem).toMatch(/report_host/);
    expect(found[1]).toMatchObject({ host: 'db4', port: null });
    expect(found[1]!.problem).toMatch(/report_port/);
  });
});

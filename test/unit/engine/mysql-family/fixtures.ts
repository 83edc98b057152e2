/**
 * Server rows as mysql2 returned them (supportBigNumbers, bigNumberStrings, dateStrings).
 * MariaDB rows were captured from MariaDB 10.11.19; MySQL 8 rows follow the 8.0.22+ column
 * names of SHOW REPLICA STATUS / SHOW REPLICAS.
 */
import type { ColumnInfo, IndexInfo, Row, TableInfo } from '../../../../src/engine/types.js';

/** MariaDB 10.11 SHOW SLAVE STATUS on a lagging GTID replica (captured). */
export const mariadbSlaveStatus: Row = {
  Slave_IO_State: 'Waiting for master to send event',
  Master_Host: '127.0.0.1',
  Master_User: 'root',
  Master_Port: 23310,
  Connect_Retry: 60,
  Master_Log_File: 'bin.000003',
  Read_Master_Log_Pos: '2801638',
  Relay_Log_File: 'r-relay-bin.000005',
  Relay_Log_Pos: '234315422',
  Relay_Master_Log_File: 'bin.000002',
  Slave_IO_Running: 'Yes',
  Slave_SQL_Running: 'Yes',
  Replicate_Do_DB: '',
  Replicate_Ignore_DB: '',
  Replicate_Do_Table: '',
  Replicate_Ignore_Table: '',
  Replicate_Wild_Do_Table: '',
  Replicate_Wild_Ignore_Table: '',
  Last_Errno: 0,
  Last_Error: '',
  Skip_Counter: 0,
  Exec_Master_Log_Pos: '234315129',
  Relay_Log_Space: '1067699480',
  Until_Condition: 'None',
  Until_Log_File: '',
  Until_Log_Pos: '0',
  Master_SSL_Allowed: 'No',
  Seconds_Behind_Master: '417',
  Master_SSL_Verify_Server_Cert: 'No',
  Last_IO_Errno: 0,
  Last_IO_Error: '',
  Last_SQL_Errno: 0,
  Last_SQL_Error: '',
  Replicate_Ignore_Server_Ids: '',
  Master_Server_Id: 1,
  Using_Gtid: 'Slave_Pos',
  Gtid_IO_Pos: '0-1-5324195',
  Parallel_Mode: 'optimistic',
  SQL_Delay: 0,
  SQL_Remaining_Delay: null,
  Slave_SQL_Running_State: 'Commit',
};

/** The same replica stopped on a duplicate-key error, connected with MASTER_USE_GTID=no. */
export const mariadbSlaveStatusBroken: Row = {
  ...mariadbSlaveStatus,
  Slave_SQL_Running: 'No',
  Seconds_Behind_Master: null,
  Using_Gtid: 'No',
  Last_Errno: 1062,
  Last_Error: "Could not execute Write_rows_v1 event on table d1.t; Duplicate entry '3' for key 'PRIMARY'",
  Last_SQL_Errno: 1062,
  Last_SQL_Error: "Could not execute Write_rows_v1 event on table d1.t; Duplicate entry '3' for key 'PRIMARY'",
};

/** MySQL 8.0.22+ SHOW REPLICA STATUS, GTID replica. */
export const mysqlReplicaStatus: Row = {
  Replica_IO_State: 'Waiting for source to send event',
  Source_Host: '10.0.0.5',
  Source_User: 'repl',
  Source_Port: 3306,
  Connect_Retry: 60,
  Source_Log_File: 'binlog.000012',
  Read_Source_Log_Pos: '9235',
  Relay_Log_File: 'replica-relay-bin.000004',
  Relay_Log_Pos: '1145',
  Relay_Source_Log_File: 'binlog.000012',
  Replica_IO_Running: 'Yes',
  Replica_SQL_Running: 'Yes',
  Last_Errno: 0,
  Last_Error: '',
  Skip_Counter: 0,
  Exec_Source_Log_Pos: '8911',
  Relay_Log_Space: '2051',
  Until_Condition: 'None',
  Seconds_Behind_Source: '0',
  Last_IO_Errno: 2003,
  Last_IO_Error: "error connecting to source 'repl@10.0.0.5:3306' - retry-time: 60 retries: 1 message: Can't connect",
  Last_SQL_Errno: 0,
  Last_SQL_Error: '',
  Source_Server_Id: 1,
  Source_UUID: '3e11fa47-71ca-11e1-9e33-c80aa9429562',
  Replica_SQL_Running_State: 'Replica has read all relay log; waiting for more updates',
  Retrieved_Gtid_Set: '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-42',
  Executed_Gtid_Set: '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-40,\n9a511b7b-7059-11e1-9e33-c80aa9429562:1-3',
  Auto_Position: 1,
  Channel_Name: '',
};

/** MySQL 5.7 SHOW SLAVE STATUS, file coordinates. */
export const mysql57SlaveStatus: Row = {
  Slave_IO_State: 'Waiting for master to send event',
  Master_Host: 'db1',
  Master_Port: 3306,
  Master_Log_File: 'mysql-bin.000003',
  Read_Master_Log_Pos: '1000',
  Relay_Master_Log_File: 'mysql-bin.000002',
  Slave_IO_Running: 'Connecting',
  Slave_SQL_Running: 'Yes',
  Exec_Master_Log_Pos: '73',
  Seconds_Behind_Master: null,
  Last_IO_Errno: 0,
  Last_IO_Error: '',
  Last_SQL_Errno: 0,
  Last_SQL_Error: '',
  Executed_Gtid_Set: '',
};

export function col(name: string, columnType: string, extra: Partial<ColumnInfo> = {}): ColumnInfo {
  return {
    name,
    ordinal: 1,
    dataType: columnType.replace(/\(.*$/, '').replace(/ .*$/, '').toLowerCase(),
    columnType,
    nullable: false,
    generated: 'no',
    charset: null,
    collation: null,
    ...extra,
  };
}

export function table(name: string, columns: ColumnInfo[], indexes: IndexInfo[] = [], schema = 'shop'): TableInfo {
  return {
    schema,
    name,
    qualified: `${schema}.${name}`,
    engine: 'InnoDB',
    transactional: true,
    unlogged: false,
    columns: columns.map((c, i) => ({ ...c, ordinal: i + 1 })),
    indexes,
    rowEstimate: 100,
    dataBytes: 16384,
    collation: 'utf8mb4_general_ci',
  };
}

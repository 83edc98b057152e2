/** The clone SQL builders and parsers of both engine families, on captured server output. */
import { describe, expect, it } from 'vitest';
import {
  cloneStatements,
  mariadbErrantGtids,
  parseExecutedCoordinates,
  parseMasterInfo,
  parseReplicationSettings,
  parseServerFacts,
  pointTargetSql,
} from '../../../src/engine/mysql-family/mysql-family-clone.js';
import { autoConfLines, conninfoWith, formatConninfo, parseConninfo, validSlotName } from '../../../src/engine/postgres/postgres-clone.js';
import { formatPosition } from '../../../src/engine/position.js';

// SHOW SLAVE STATUS of a MariaDB 10.11 sandbox replica (GTID, running), trimmed to what is read.
const MARIADB_STATUS = {
  Slave_IO_Running: 'Yes',
  Slave_SQL_Running: 'Yes',
  Master_Host: '127.0.0.1',
  Master_User: 'repl',
  Master_Port: '27050',
  Connect_Retry: '2',
  Relay_Master_Log_File: 'mariadb-bin.000001',
  Exec_Master_Log_Pos: '2525',
  Replicate_Do_DB: '',
  Replicate_Ignore_DB: 'scratch',
  Master_SSL_Allowed: 'No',
  Master_SSL_CA_File: '',
  Master_SSL_Verify_Server_Cert: 'No',
  Using_Gtid: 'Slave_Pos',
  Last_SQL_Error: '',
  Last_IO_Error: '',
};

// master.info as MariaDB 10.11 writes it (33 lines; the password on line 6).
const MASTER_INFO = ['33', '', '4', '127.0.0.1', 'repl', 'd879fed2eb47e9eb3587a0ec', '27050', '2', '0', '', '', '', '', '', '0', '30.000', '', '0', '', '0', '', '', '', '', '', '', '', '', '', '', '', '', '', 'using_gtid=2', 'do_domain_ids=0', 'ignore_domain_ids=0', 'END_MARKER', ''].join('\n');

describe('MySQL-family clone statements', () => {
  it('spells SLAVE/MASTER for MariaDB and MySQL before 8.0.23, REPLICA/SOURCE after', () => {
    expect(cloneStatements('mariadb', '10.11.19-MariaDB-log')).toMatchObject({ stopSqlThread: 'STOP SLAVE SQL_THREAD', changeSource: 'CHANGE MASTER TO', resetReplicaAll: 'RESET SLAVE ALL' });
    expect(cloneStatements('mysql', '8.0.22')).toMatchObject({ changeSource: 'CHANGE MASTER TO' });
    expect(cloneStatements('mysql', '8.0.36')).toMatchObject({ stopSqlThread: 'STOP REPLICA SQL_THREAD', changeSource: 'CHANGE REPLICATION SOURCE TO', optionPrefix: 'SOURCE_', binlogStatus: 'SHOW MASTER STATUS' });
    expect(cloneStatements('mysql', '8.4.0').binlogStatus).toBe('SHOW BINARY LOG STATUS');
  });

  it('points a MariaDB copy at the recorded gtid_slave_pos, the password bound, never inlined', () => {
    const st = cloneStatements('mariadb', '10.11.19-MariaDB');
    const sql = pointTargetSql('mariadb', st, { host: '127.0.0.1', port: 27050, user: 'repl', password: "p'w", connectRetry: 2, ssl: null, start: { mode: 'gtid', gtid: '0-1-13' } });
    expect(sql).toEqual([
      { sql: 'SET GLOBAL gtid_slave_pos = ?', params: ['0-1-13'] },
      { sql: 'CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = 27050, MASTER_USER = ?, MASTER_PASSWORD = ?, MASTER_CONNECT_RETRY = 2, MASTER_USE_GTID = slave_pos', params: ['127.0.0.1', 'repl', "p'w"] },
    ]);
  });

  it('points a copy at file coordinates, and MySQL 8 at auto-position with SOURCE_ words and TLS kept', () => {
    const m = cloneStatements('mariadb', '10.6.1-MariaDB');
    const file = pointTargetSql('mariadb', m, { host: 'db1', port: 3306, user: 'r', password: 'x', connectRetry: null, ssl: null, start: { mode: 'file', file: 'mariadb-bin.000007', pos: 1234n } });
    expect(file).toEqual([{ sql: 'CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = 3306, MASTER_USER = ?, MASTER_PASSWORD = ?, MASTER_LOG_FILE = ?, MASTER_LOG_POS = 1234, MASTER_USE_GTID = no', params: ['db1', 'r', 'x', 'mariadb-bin.000007'] }]);
    const my = cloneStatements('mysql', '8.0.36');
    const ssl = { enabled: true, ca: '/etc/ca.pem', caPath: '', cert: '', cipher: '', key: '', verifyServerCert: true };
    const gtid = pointTargetSql('mysql', my, { host: 'db1', port: 3306, user: 'r', password: 'x', connectRetry: 60, ssl, start: { mode: 'gtid', gtid: 'x' } });
    expect(gtid).toHaveLength(1);
    expect(gtid[0]!.sql).toBe('CHANGE REPLICATION SOURCE TO SOURCE_HOST = ?, SOURCE_PORT = 3306, SOURCE_USER = ?, SOURCE_PASSWORD = ?, SOURCE_CONNECT_RETRY = 60, SOURCE_SSL = 1, SOURCE_SSL_CA = ?, SOURCE_SSL_VERIFY_SERVER_CERT = 1, SOURCE_AUTO_POSITION = 1');
    expect(gtid[0]!.params).toEqual(['db1', 'r', 'x', '/etc/ca.pem']);
  });

  it("repeats the source connection's ignored server ids and (MariaDB) domain ids", () => {
    const st = cloneStatements('mariadb', '10.11.19-MariaDB');
    const sql = pointTargetSql('mariadb', st, { host: 'h', port: 3306, user: 'r', password: 'x', connectRetry: null, ssl: null, start: { mode: 'gtid', gtid: '0-1-13' }, ignoreServerIds: [98, 99], doDomainIds: [], ignoreDomainIds: [5] });
    expect(sql[1]!.sql).toBe('CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = 3306, MASTER_USER = ?, MASTER_PASSWORD = ?, IGNORE_SERVER_IDS = (98, 99), IGNORE_DOMAIN_IDS = (5), MASTER_USE_GTID = slave_pos');
    const my = pointTargetSql('mysql', cloneStatements('mysql', '8.0.36'), { host: 'h', port: 3306, user: 'r', password: 'x', connectRetry: null, ssl: null, start: { mode: 'gtid', gtid: 'x' }, ignoreServerIds: [7], doDomainIds: [1], ignoreDomainIds: [2] });
    expect(my[0]!.sql).toBe('CHANGE REPLICATION SOURCE TO SOURCE_HOST = ?, SOURCE_PORT = 3306, SOURCE_USER = ?, SOURCE_PASSWORD = ?, IGNORE_SERVER_IDS = (7), SOURCE_AUTO_POSITION = 1');
    // As SHOW SLAVE STATUS shows them (MariaDB 10.11: "98, 99"); the domain ids are no longer a config filter.
    const s = parseReplicationSettings([{ ...MARIADB_STATUS, Replicate_Ignore_Server_Ids: '98, 99', Replicate_Do_Domain_Ids: '1,2', Replicate_Ignore_Domain_Ids: '', SQL_Delay: '3600' }])!;
    expect(s).toMatchObject({ ignoreServerIds: [98, 99], doDomainIds: [1, 2], ignoreDomainIds: [], delaySeconds: 3600 });
    expect(s.filters.some((f) => /Domain_Ids/.test(f))).toBe(false);
  });

  it('reads master.info: host, user, password, port', () => {
    expect(parseMasterInfo(MASTER_INFO)).toEqual({ host: '127.0.0.1', user: 'repl', password: 'd879fed2eb47e9eb3587a0ec', port: 27050 });
    expect(parseMasterInfo('garbage')).toBeNull();
  });

  it('reads the replication settings and filters from SHOW SLAVE STATUS', () => {
    const s = parseReplicationSettings([MARIADB_STATUS])!;
    expect(s).toMatchObject({ host: '127.0.0.1', port: 27050, user: 'repl', connectRetry: 2, usingGtid: true, connections: 1 });
    expect(s.ssl.enabled).toBe(false);
    expect(s.filters).toEqual(['Replicate_Ignore_DB=scratch']);
    expect(parseReplicationSettings([{ ...MARIADB_STATUS, Using_Gtid: 'No' }])!.usingGtid).toBe(false);
    expect(parseReplicationSettings([{ Source_Host: 'h', Source_Port: '3306', Source_User: 'u', Auto_Position: '1' }])!.usingGtid).toBe(true);
    expect(parseReplicationSettings([])).toBeNull();
  });

  it('reads the server the source replicates from (Master_Server_Id / Source_Server_Id), null when not shown', () => {
    expect(parseReplicationSettings([{ ...MARIADB_STATUS, Master_Server_Id: '7' }])!.sourceServerId).toBe(7);
    expect(parseReplicationSettings([{ Source_Host: 'h', Source_Port: '3306', Source_User: 'u', Source_Server_Id: 12 }])!.sourceServerId).toBe(12);
    expect(parseReplicationSettings([{ Source_Host: 'h', Source_Port: '3306', Source_User: 'u' }])!.sourceServerId).toBeNull();
  });

  it('records executed (not read) coordinates and the GTID position', () => {
    const c = parseExecutedCoordinates([{ ...MARIADB_STATUS, Read_Master_Log_Pos: '9999' }], '0-1-13', 'mariadb', true)!;
    expect(c.file).toBe('mariadb-bin.000001');
    expect(c.pos).toBe(2525n);
    expect(formatPosition(c.gtidPosition!)).toBe('0-1-13');
    const mysql = parseExecutedCoordinates([{ Relay_Source_Log_File: 'binlog.000003', Exec_Source_Log_Pos: '157', Executed_Gtid_Set: '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,\n' }], '', 'mysql', true)!;
    expect(mysql.gtid).toBe('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,');
    expect(parseExecutedCoordinates([{ Relay_Master_Log_File: '', Exec_Master_Log_Pos: '0' }], '', 'mariadb', true)).toBeNull();
  });

  it('finds errant GTIDs: pairs of the source the primary never had, or had fewer of', () => {
    expect(mariadbErrantGtids('0-1-13', '0-1-20')).toEqual([]);
    expect(mariadbErrantGtids('0-1-13,0-2-14', '0-1-20')).toEqual(['0-2-14']);
    expect(mariadbErrantGtids('0-1-25', '0-1-20')).toEqual(['0-1-25']);
    expect(mariadbErrantGtids('0-1-5,1-3-9', '1-3-9,0-1-5,0-4-2')).toEqual([]);
    expect(mariadbErrantGtids('', '0-1-5')).toEqual([]);
  });

  it('maps SHOW GLOBAL VARIABLES into facts, resolving what each flavor lacks', () => {
    const rows = Object.entries({ server_id: '2', datadir: '/var/lib/mysql/', pid_file: '/run/mysqld/mysqld.pid', read_only: 'ON', innodb_data_home_dir: '', innodb_log_group_home_dir: './', gtid_binlog_state: '0-1-13', gtid_slave_pos: '0-1-13', version: '10.11.19-MariaDB-log' }).map(([Variable_name, Value]) => ({ Variable_name, Value }));
    const f = parseServerFacts(rows, 'mariadb');
    expect(f).toMatchObject({ serverId: 2, datadir: '/var/lib/mysql', readOnly: true, gtidMode: true, gtidBinlogState: '0-1-13' });
    expect(f.dirs.innodbDataHome).toBeNull();
    expect(f.dirs.innodbLogGroupHome).toBe('./');
    expect(f.version.major).toBe(10);
  });
});

describe('PostgreSQL clone helpers', () => {
  const SOURCE = "user=replicator password='p w\\'x' channel_binding=prefer host=10.0.0.5 port=5432 sslmode=prefer application_name=standby1";

  it('parses libpq conninfo with quotes and escapes, and writes it back', () => {
    const kv = parseConninfo(SOURCE);
    expect(new Map(kv).get('password')).toBe("p w'x");
    expect(new Map(kv).get('host')).toBe('10.0.0.5');
    expect(parseConninfo(formatConninfo(kv))).toEqual(kv);
  });

  it('gives the new standby its own application_name (and host/port when overridden), keeping the rest', () => {
    const next = new Map(parseConninfo(conninfoWith(SOURCE, { application_name: 'standby2', host: '10.0.0.9', port: '6432' })));
    expect(next.get('application_name')).toBe('standby2');
    expect(next.get('host')).toBe('10.0.0.9');
    expect(next.get('port')).toBe('6432');
    expect(next.get('password')).toBe("p w'x");
    expect(next.get('sslmode')).toBe('prefer');
    const added = new Map(parseConninfo(conninfoWith('host=h user=u', { application_name: 'x' })));
    expect(added.get('application_name')).toBe('x');
  });

  it("quotes postgresql.auto.conf values as ALTER SYSTEM does and refuses odd names", () => {
    expect(autoConfLines([['primary_conninfo', "password='x' host=h"], ['port', '5433']])).toBe("primary_conninfo = 'password=''x'' host=h'\nport = '5433'\n");
    expect(() => autoConfLines([['bad name', 'x']])).toThrow(/invalid PostgreSQL setting name/);
  });

  it('validates slot names', () => {
    expect(validSlotName('syncpoint_clone_5433')).toBe(true);
    expect(validSlotName('Bad-Name')).toBe(false);
    expect(validSlotName('x'.repeat(64))).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { parseAddressEntries, lookupAddress } from '../../../src/pipeline/topology/address-map.js';
import { conninfoApplicationName, mapPgDownstream, mapPgNodeFacts } from '../../../src/engine/postgres/postgres-topology.js';
import { mapNodeFacts } from '../../../src/engine/mysql-family/mysql-family-topology.js';

describe('--address NAME=HOST:PORT', () => {
  it('parses names, hosts, IPv6 and looks up by any of a node\'s names', () => {
    const m = parseAddressEntries(['standby1=10.0.0.5:5432', 'db-2.internal=[::1]:3307']);
    expect(m.get('standby1')).toEqual({ host: '10.0.0.5', port: 5432 });
    expect(m.get('db-2.internal')).toEqual({ host: '::1', port: 3307 });
    expect(lookupAddress(m, ['walreceiver', 'standby1'])).toEqual({ host: '10.0.0.5', port: 5432, key: 'standby1' });
    expect(lookupAddress(m, ['other'])).toBeNull();
  });
  it('rejects what is not NAME=HOST:PORT', () => {
    expect(() => parseAddressEntries(['standby1'])).toThrow(/--address: expected NAME=HOST:PORT, got "standby1"/);
    expect(() => parseAddressEntries(['s=host'])).toThrow(/expected HOST:PORT/);
    expect(() => parseAddressEntries(['s=host:99999'])).toThrow(/expected HOST:PORT/);
  });
});

describe('PostgreSQL topology rows', () => {
  it('reads application_name from keyword and URI conninfo', () => {
    expect(conninfoApplicationName("user=repl password=******** host=10.0.0.1 port=5432 application_name=standby1 sslmode=prefer")).toBe('standby1');
    expect(conninfoApplicationName("host=h application_name='my app'")).toBe('my app');
    expect(conninfoApplicationName('postgresql://repl@h:5432/?application_name=127.0.0.1%3A5433')).toBe('127.0.0.1:5433');
    expect(conninfoApplicationName('host=h')).toBeNull();
  });
  it('a standby without application_name is named by cluster_name, then walreceiver', () => {
    expect(mapPgNodeFacts({ standby: true, default_read_only: 'off', wal_level: 'replica', cluster_name: 'pg2', receiver_conninfo: 'host=h' }, []).receiverName).toBe('pg2');
    expect(mapPgNodeFacts({ standby: true, default_read_only: 'off', wal_level: 'replica', cluster_name: '', receiver_conninfo: 'host=h' }, []).receiverName).toBe('walreceiver');
    const primary = mapPgNodeFacts({ standby: false, default_read_only: 'off', wal_level: 'logical', cluster_name: '' }, [{ slot: 'sub_a' }]);
    expect(primary).toMatchObject({ standby: false, readOnly: false, receiverName: null, subscriptionSlots: ['sub_a'] });
  });
  it('maps senders and idle slots', () => {
    const rows = mapPgDownstream([
      { application_name: 'standby1', client_host: '10.0.0.2', slot_name: 'standby1', slot_type: 'physical', database: null, state: 'streaming', replay_lsn: '0/3000060', replay_lag: '0.25' },
      { application_name: null, client_host: null, slot_name: 'old_sub', slot_type: 'logical', database: 'app', state: null, replay_lsn: null, replay_lag: null },
    ]);
    expect(rows[0]).toMatchObject({ applicationName: 'standby1', slotType: 'physical', state: 'streaming', replayLagSeconds: 0.25 });
    expect(rows[1]).toMatchObject({ slotName: 'old_sub', slotType: 'logical', database: 'app', state: null });
  });
});

describe('MySQL-family node facts', () => {
  const vars = (o: Record<string, string>) => Object.entries(o).map(([Variable_name, Value]) => ({ Variable_name, Value }));
  it('MySQL: gtid_mode with how the replica positions itself', () => {
    const f = mapNodeFacts('mysql', vars({ read_only: 'ON', super_read_only: 'OFF', log_bin: 'ON', binlog_format: 'row', gtid_mode: 'ON', server_id: '3', log_replica_updates: 'ON' }), { Auto_Position: '1' });
    expect(f).toMatchObject({ readOnly: true, superReadOnly: false, logBin: true, binlogFormat: 'ROW', gtidMode: 'ON (auto-position)', serverId: 3, logReplicaUpdates: true });
  });
  it('MariaDB: Using_Gtid of a replica, strict mode', () => {
    expect(mapNodeFacts('mariadb', vars({ read_only: 'OFF', log_bin: 'ON', binlog_format: 'MIXED', gtid_strict_mode: 'ON', server_id: '1' }), null).gtidMode).toBe('always, strict');
    expect(mapNodeFacts('mariadb', vars({ read_only: '1', log_bin: 'OFF' }), { Using_Gtid: 'No' })).toMatchObject({ readOnly: true, logBin: false, gtidMode: 'Using_Gtid=No' });
  });
});

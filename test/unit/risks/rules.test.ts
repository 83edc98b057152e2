import { describe, expect, it } from 'vitest';
import type { ReplicaStatus, TableInfo } from '../../../src/engine/types.js';
import { runRules, sortFindings, verdictOf } from '../../../src/risks/run-risks.js';
import { RULES } from '../../../src/risks/rules/index.js';
import { Catalog } from '../../../src/risks/sql-analysis/catalog.js';
import { buildWorkload } from '../../../src/risks/sql-analysis/workload.js';
import { splitStatements } from '../../../src/risks/sql-analysis/split.js';
import type { PgFacts, ReplicaChannel, RiskContext, ServerFacts } from '../../../src/risks/types.js';

const col = (name: string, ordinal: number, columnType = 'int(11)', nullable = false) => ({ name, ordinal, dataType: columnType.replace(/\(.*/, ''), columnType, nullable, generated: 'no' as const, charset: null, collation: null });
function tbl(qualified: string, engine = 'InnoDB', o: Partial<TableInfo> = {}): TableInfo {
  const [schema, name] = qualified.split('.') as [string, string];
  return {
    schema, name, qualified, engine, transactional: engine === 'InnoDB' || engine === 'heap', unlogged: false,
    columns: [col('id', 1), col('v', 2, 'varchar(10)', true)],
    indexes: [{ name: 'PRIMARY', columns: ['id'], unique: true, primary: true, allNotNull: true }],
    rowEstimate: 0, dataBytes: 0, collation: 'utf8mb4_general_ci', ...o,
  };
}

const CLEAN_VARS = { log_bin: 'ON', log_slave_updates: 'ON', binlog_format: 'ROW', binlog_row_image: 'FULL', sync_binlog: '1', innodb_flush_log_at_trx_commit: '1', relay_log_recovery: 'ON', binlog_checksum: 'CRC32', slave_sql_verify_checksum: 'ON', slave_skip_errors: 'OFF', slave_exec_mode: 'STRICT', slave_load_tmpdir: '/var/lib/mysql-tmp', read_only: 'ON', default_tmp_storage_engine: 'NULL', default_storage_engine: 'InnoDB' };
const channel = (o: Partial<ReplicaChannel> = {}): ReplicaChannel => ({ name: '', ioRunning: true, sqlRunning: true, ioError: null, sqlError: null, lagSeconds: 0, sourceHost: '127.0.0.1', sourcePort: 3306, filters: { replicate_do_db: '', replicate_ignore_db: '' }, skipCounter: 0, ...o });

function my(label: string, role: 'primary' | 'replica', o: Partial<ServerFacts> = {}, vars: Record<string, string> = {}): ServerFacts {
  return {
    label, role, family: 'mysql-family', flavor: 'mariadb', version: '10.11.19-MariaDB',
    variables: { ...CLEAN_VARS, ...(role === 'primary' ? { read_only: 'OFF' } : {}), ...vars },
    status: role === 'replica' ? { slave_open_temp_tables: '0' } : {},
    replication: null, channels: role === 'replica' ? [channel()] : [],
    binlog: role === 'primary' ? { file: 'b.000001', position: 4, doDb: '', ignoreDb: '' } : null,
    tables: [tbl('shop.orders'), tbl('shop.items')], autoIncrement: ['shop.orders'],
    accounts: [{ name: 'root@localhost', admin: true, privileges: [{ scope: '*.*', privilege: 'SUPER' }, { scope: '*.*', privilege: 'INSERT' }] }, { name: 'app@%', admin: false, privileges: [{ scope: 'shop.*', privilege: 'INSERT' }] }],
    routines: [], pg: null, gaps: [], ...o,
  };
}

const ctx = (primary: ServerFacts | null, replicas: ServerFacts[], o: Partial<RiskContext> = {}): RiskContext => ({ primary, replicas, unreachable: [], workload: null, options: { maxLagSeconds: 300 }, ...o });
const rulesOf = (c: RiskContext, family: 'mysql-family' | 'postgres' = 'mysql-family') => runRules(c, family);
const find = (c: RiskContext, rule: string, family: 'mysql-family' | 'postgres' = 'mysql-family') => rulesOf(c, family).filter((f) => f.rule === rule);

describe('rules on captured MySQL-family facts', () => {
  it('a clean topology raises nothing', () => {
    expect(rulesOf(ctx(my('p:1', 'primary'), [my('r:2', 'replica')]))).toEqual([]);
  });

  it('every rule has a unique id, a description and engines, and lives in the list once', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of RULES) expect(r.description.length).toBeGreaterThan(10);
  });

  it('temp-tables-open: a replica holding temporary tables', () => {
    const f = find(ctx(my('p:1', 'primary'), [my('r:2', 'replica', { status: { slave_open_temp_tables: '3' } })]), 'temp-tables-open');
    expect(f).toEqual([expect.objectContaining({ server: 'r:2', severity: 'warning', evidence: 'Slave_open_temp_tables=3' })]);
  });

  it('writable-replica: read_only off, and the accounts that can then write', () => {
    const f = find(ctx(my('p:1', 'primary'), [my('r:2', 'replica', {}, { read_only: 'OFF' })]), 'writable-replica');
    expect(f.map((x) => [x.severity, x.object])).toEqual([['error', 'read_only'], ['warning', 'account app@%']]);
    // Who writes despite read_only=ON depends on the server (MariaDB 10.11 refuses SUPER: checked
    // on 10.11.19, ERROR 1290; READ_ONLY ADMIN passes).
    const ops = (privilege: string, o: Partial<ServerFacts> = {}, vars: Record<string, string> = {}) =>
      find(ctx(my('p:1', 'primary'), [my('r:3', 'replica', { accounts: [{ name: 'ops@%', admin: false, privileges: [{ scope: '*.*', privilege }, { scope: '*.*', privilege: 'UPDATE' }] }], ...o }, vars)]), 'writable-replica').map((x) => x.object);
    expect(ops('READ_ONLY ADMIN')).toEqual(['account ops@%']);
    expect(ops('SUPER')).toEqual([]);
    expect(ops('SUPER', { version: '10.6.16-MariaDB' })).toEqual(['account ops@%']);
    const mysql8 = { flavor: 'mysql' as const, version: '8.0.36' };
    expect(ops('CONNECTION_ADMIN', mysql8, { super_read_only: 'OFF' })).toEqual(['super_read_only', 'account ops@%']);
    expect(ops('SUPER', mysql8, { super_read_only: 'ON' })).toEqual([]);
  });

  it('replication-filter: replicate filters and binlog filters', () => {
    const r = my('r:2', 'replica', { channels: [channel({ filters: { replicate_ignore_db: 'audit', replicate_do_table: '' } })] });
    const p = my('p:1', 'primary', { binlog: { file: 'b', position: 4, doDb: '', ignoreDb: 'scratch' } });
    const f = find(ctx(p, [r]), 'replication-filter');
    expect(f.map((x) => [x.server, x.object])).toEqual([['r:2', 'replicate_ignore_db'], ['p:1', 'binlog_ignore_db']]);
  });

  it('unsafe-durability: flush settings, skipped errors, temporary load dir', () => {
    const r = my('r:2', 'replica', {}, { sync_binlog: '0', innodb_flush_log_at_trx_commit: '2', relay_log_recovery: 'OFF', slave_skip_errors: '1062', slave_load_tmpdir: '/tmp', binlog_checksum: 'NONE' });
    const stmt = my('p:1', 'primary', {}, { binlog_format: 'STATEMENT' });
    const f = find(ctx(stmt, [r]), 'unsafe-durability');
    expect(f.map((x) => x.object).sort()).toEqual(['binlog_checksum', 'innodb_flush_log_at_trx_commit', 'relay_log_recovery', 'slave_load_tmpdir', 'slave_skip_errors', 'sync_binlog']);
    expect(f.find((x) => x.object === 'slave_skip_errors')?.severity).toBe('error');
    // LOAD DATA reaches a replica as rows under ROW (and MySQL's MIXED): its temporary directory is never used.
    const objects = (primary: ReturnType<typeof my>, replica: ReturnType<typeof my>) => find(ctx(primary, [replica]), 'unsafe-durability').map((x) => x.object);
    const rowReplica = my('r:2', 'replica', {}, { slave_load_tmpdir: '/tmp', binlog_format: 'ROW' });
    expect(objects(my('p:1', 'primary'), rowReplica)).not.toContain('slave_load_tmpdir');
    expect(objects(my('p:1', 'primary', {}, { binlog_format: 'MIXED' }), rowReplica)).toContain('slave_load_tmpdir');
    expect(objects(my('p:1', 'primary', { flavor: 'mysql', version: '8.0.36' }, { binlog_format: 'MIXED' }), { ...rowReplica, flavor: 'mysql', version: '8.0.36' })).not.toContain('slave_load_tmpdir');
    // MariaDB's innodb_flush_log_at_trx_commit=3 is as durable as 1; MySQL has no 3.
    expect(objects(my('p:1', 'primary'), my('r:2', 'replica', {}, { innodb_flush_log_at_trx_commit: '3' }))).not.toContain('innodb_flush_log_at_trx_commit');
    expect(objects(my('p:1', 'primary'), my('r:2', 'replica', {}, { innodb_flush_log_at_trx_commit: '2' }))).toContain('innodb_flush_log_at_trx_commit');
  });

  it('binlog-format: STATEMENT on the primary, MIXED on an intermediate, row images differing', () => {
    const f = find(ctx(my('p:1', 'primary', {}, { binlog_format: 'STATEMENT' }), [my('r:2', 'replica', {}, { binlog_format: 'MIXED', binlog_row_image: 'MINIMAL' })]), 'binlog-format');
    expect(f.map((x) => [x.server, x.object, x.severity])).toEqual([['p:1', 'binlog_format', 'warning'], ['r:2', 'binlog_format', 'info'], ['r:2', 'binlog_row_image', 'warning']]);
    // A replica that does not log what it applies feeds nobody.
    expect(find(ctx(my('p:1', 'primary'), [my('r:2', 'replica', {}, { binlog_format: 'STATEMENT', log_slave_updates: 'OFF' })]), 'binlog-format')).toEqual([]);
  });

  it('non-transactional-table, engine-mismatch and schema-drift', () => {
    const p = my('p:1', 'primary', { tables: [tbl('shop.orders'), tbl('shop.items'), tbl('shop.cache', 'MEMORY'), tbl('shop.audit', 'MyISAM')] });
    const r = my('r:2', 'replica', {
      tables: [
        tbl('shop.orders', 'MyISAM'),
        tbl('shop.items', 'InnoDB', { columns: [col('id', 1), col('v', 2, 'varchar(20)', true)] }),
        tbl('shop.cache', 'MEMORY'),
        tbl('shop.extra'),
      ],
    });
    const c = ctx(p, [r]);
    expect(find(c, 'non-transactional-table').map((x) => x.object)).toEqual(['shop.cache', 'shop.audit']);
    expect(find(c, 'engine-mismatch')).toEqual([expect.objectContaining({ object: 'shop.orders', severity: 'error', server: 'r:2' })]);
    const drift = find(c, 'schema-drift');
    expect(drift.map((x) => [x.object, x.severity])).toEqual([['shop.orders', 'warning'], ['shop.items', 'error'], ['shop.audit', 'error'], ['shop.extra', 'warning']]);
    expect(drift[1]!.evidence).toMatch(/v: type varchar\(10\) vs varchar\(20\)/);
  });

  it('no-primary-key', () => {
    const p = my('p:1', 'primary', { tables: [tbl('shop.orders'), tbl('shop.events', 'InnoDB', { indexes: [{ name: 'u', columns: ['v'], unique: true, primary: false, allNotNull: false }] })] });
    expect(find(ctx(p, []), 'no-primary-key').map((x) => x.object)).toEqual(['shop.events']);
  });

  it('trx-precise-versioning: only transaction-precise system-versioned tables', () => {
    const p = my('p:1', 'primary', { tables: [tbl('shop.orders'), tbl('shop.ledger', 'InnoDB', { systemVersioned: 'transaction' }), tbl('shop.prices', 'InnoDB', { systemVersioned: 'timestamp' })] });
    const f = find(ctx(p, []), 'trx-precise-versioning');
    expect(f.map((x) => [x.object, x.severity])).toEqual([['shop.ledger', 'warning']]);
    expect(f[0]!.evidence).toMatch(/INSERT \.\.\. SELECT into it not at all/);
  });

  it('replication-health: stopped threads, errors, lag, not a replica', () => {
    const r = my('r:2', 'replica', { channels: [channel({ sqlRunning: false, sqlError: "error 1062: Duplicate entry '5'", lagSeconds: null }), channel({ name: 'b', lagSeconds: 900 })] });
    const none = my('r:3', 'replica', { channels: [] });
    const f = find(ctx(my('p:1', 'primary'), [r, none]), 'replication-health');
    expect(f.map((x) => [x.server, x.severity])).toEqual([['r:2', 'error'], ['r:2', 'warning'], ['r:3', 'error']]);
    expect(f[0]!.evidence).toMatch(/Duplicate entry/);
  });

  it('statement rules on a workload: severity follows how it was logged', () => {
    const p = my('p:1', 'primary', { tables: [tbl('shop.orders'), tbl('shop.log', 'MyISAM')] }, { binlog_format: 'MIXED' });
    const items = splitStatements('USE shop; BEGIN; INSERT INTO orders (v) VALUES (UUID()); INSERT INTO log VALUES (1, 2); COMMIT; CREATE TEMPORARY TABLE t (a int); DELETE FROM orders LIMIT 10;').map((s) => ({ type: 'statement' as const, sql: s.tokens, at: `a.sql:${s.line}` }));
    const workload = buildWorkload([{ name: 'a.sql', kind: 'sql', loggedAs: 'unknown', items }], { catalog: new Catalog(p.tables, p.autoIncrement), dialect: 'mysql', tmpEngine: 'InnoDB' });
    const c = ctx(p, [], { workload });
    // Under MIXED the server logs UUID() as rows itself (info); row order behind a LIMIT stays a warning.
    expect(find(c, 'unsafe-statement').map((x) => [x.severity, x.evidence.slice(0, 24)])).toEqual([['info', 'INSERT INTO orders (v) VA'.slice(0, 24)], ['warning', 'DELETE FROM orders LIMIT 10'.slice(0, 24)]]);
    expect(find(c, 'mixed-engine-transaction')).toEqual([expect.objectContaining({ severity: 'error', object: 'shop.log' })]);
    expect(find(c, 'temp-tables-in-stream')).toEqual([expect.objectContaining({ severity: 'warning', object: 'shop.t' })]);
    const row = ctx({ ...p, variables: { ...p.variables, binlog_format: 'ROW' } }, [], { workload });
    expect(find(row, 'unsafe-statement')[0]!.severity).toBe('info');
    // MySQL 8.0.4+ does not log temporary tables under MIXED either; MariaDB's MIXED does (above).
    const mysqlMixed = ctx({ ...p, flavor: 'mysql', version: '8.0.36' }, [], { workload });
    expect(find(mysqlMixed, 'temp-tables-in-stream')).toEqual([]);
    expect(find(row, 'temp-tables-in-stream')).toEqual([]);
  });

  it('unsafe-statement on server routines: a DETERMINISTIC function that is not', () => {
    const p = my('p:1', 'primary', { routines: [{ schema: 'shop', name: 'mkid', kind: 'FUNCTION', deterministic: true, body: 'RETURN UUID()', table: null }, { schema: 'shop', name: 'fine', kind: 'FUNCTION', deterministic: true, body: 'RETURN x * 2', table: null }] });
    const f = find(ctx({ ...p, variables: { ...p.variables, binlog_format: 'MIXED' } }, []), 'unsafe-statement');
    expect(f).toEqual([expect.objectContaining({ object: 'shop.mkid()', severity: 'warning' })]);
    expect(f[0]!.evidence).toMatch(/declared DETERMINISTIC/);
    // Under ROW the replicas get row images whatever the function returns.
    expect(find(ctx(p, []), 'unsafe-statement')).toEqual([expect.objectContaining({ object: 'shop.mkid()', severity: 'info' })]);
  });
});

const NO_PG: PgFacts = { standby: false, replayPaused: false, publications: [], publishedTables: [], replicaIdentity: {}, sequences: [], subscriptions: [], subscribedTables: [], localWrites: null, localWritesNote: null };
function pgFacts(label: string, role: 'primary' | 'replica', pg: Partial<PgFacts>, o: Partial<ServerFacts> = {}): ServerFacts {
  return {
    label, role, family: 'postgres', flavor: 'postgres', version: '15', variables: { fsync: 'on', full_page_writes: 'on', data_checksums: 'on', track_commit_timestamp: 'on' }, status: {},
    replication: null, channels: [], binlog: null, tables: [tbl('app.t', 'heap')], autoIncrement: [], accounts: [], routines: [], pg: { ...NO_PG, ...pg }, gaps: [], ...o,
  };
}
const logical: ReplicaStatus = { kind: 'logical', receiving: true, applying: true, lastError: null, lagSeconds: null, executed: null, sourceHost: null, sourcePort: null, openTempTables: null, paused: false, subscriptions: ['s1'] };
const sub = { name: 's1', enabled: true, workerRunning: true, skipLsn: null, disableOnError: false, applyErrors: 0, syncErrors: 0, publications: ['pub'] };

describe('rules on captured PostgreSQL facts', () => {
  const primary = pgFacts('p:1', 'primary', { publications: [{ name: 'pub', allTables: true, insert: true, update: true, delete: true, truncate: true }], publishedTables: [{ publication: 'pub', table: 'app.t', rowFilter: null, columns: null }] });
  const subscriber = (pg: Partial<PgFacts>, o: Partial<ServerFacts> = {}) => pgFacts('s:2', 'replica', { subscriptions: [sub], subscribedTables: [{ subscription: 's1', table: 'app.t', state: 'r' }], localWrites: [], ...pg }, { replication: logical, ...o });

  it('a clean publisher and subscriber raise nothing', () => {
    expect(rulesOf(ctx(primary, [subscriber({})]), 'postgres')).toEqual([]);
  });

  it('writable-subscriber, subscription-disabled/conflict, publication-gap, unlogged-table, standby-paused', () => {
    const s = subscriber(
      { localWrites: [{ table: 'app.t', rows: 2 }], sequences: [{ name: 'app.t_id_seq', lastValue: '7', ownedBy: 'app.t' }], subscriptions: [{ ...sub, enabled: false, applyErrors: 3, skipLsn: '0/16B3748' }], subscribedTables: [{ subscription: 's1', table: 'app.t', state: 'd' }] },
      { accounts: [{ name: 'app', admin: false, privileges: [{ scope: 'app.t', privilege: 'INSERT' }] }] },
    );
    const p = { ...primary, tables: [tbl('app.t', 'heap'), tbl('app.u', 'heap', { unlogged: true }), tbl('app.v', 'heap')], pg: { ...primary.pg!, publishedTables: [...primary.pg!.publishedTables, { publication: 'pub', table: 'app.v', rowFilter: 'id > 0', columns: null }] } };
    const standby = pgFacts('sb:3', 'replica', { standby: true, replayPaused: true });
    const c = ctx(p, [s, standby]);
    const by = (rule: string) => find(c, rule, 'postgres').map((x) => [x.server, x.object, x.severity]);
    expect(by('writable-subscriber')).toEqual([['s:2', 'app.t', 'error'], ['s:2', 'app.t_id_seq', 'warning'], ['s:2', 'role app', 'warning']]);
    expect(by('subscription-disabled')).toEqual([['s:2', 'subscription s1', 'error']]);
    expect(by('subscription-conflict').map((x) => x[1])).toEqual(['subscription s1', 'subscription s1', 'app.t']);
    expect(by('publication-gap')).toEqual([['s:2', 'app.v', 'error']]);
    expect(by('unlogged-table')).toEqual([['p:1', 'app.u', 'error']]);
    expect(by('standby-paused')).toEqual([['sb:3', 'replication', 'warning']]);
    expect(by('replication-filter')).toEqual([['p:1', 'app.v', 'warning']]);
  });

  it('no-primary-key is an error when a published table cannot replicate its UPDATEs', () => {
    const p = { ...primary, tables: [tbl('app.t', 'heap', { indexes: [] })], pg: { ...primary.pg!, replicaIdentity: { 'app.t': 'd' } } };
    expect(find(ctx(p, []), 'no-primary-key', 'postgres')).toEqual([expect.objectContaining({ severity: 'error', object: 'app.t' })]);
    // DEFAULT is the primary key: a unique NOT NULL index alone is no replica identity, nor is NOTHING with a key.
    const unique = { name: 'u', columns: ['id'], unique: true, primary: false, allNotNull: true };
    const pk = { ...unique, name: 'pk', primary: true };
    const withKey = (indexes: (typeof unique)[], ri: string) => find(ctx({ ...primary, tables: [tbl('app.t', 'heap', { indexes })], pg: { ...primary.pg!, replicaIdentity: { 'app.t': ri } } }, []), 'no-primary-key', 'postgres');
    expect(withKey([unique], 'd')).toEqual([expect.objectContaining({ severity: 'error', object: 'app.t', evidence: expect.stringMatching(/unique NOT NULL index but no primary key.*DEFAULT is the primary key/) })]);
    expect(withKey([pk], 'n')).toEqual([expect.objectContaining({ severity: 'error', object: 'app.t' })]);
    expect(withKey([unique], 'i')).toEqual([]);
    expect(withKey([pk], 'd')).toEqual([]);
  });
});

describe('verdict', () => {
  const f = (severity: 'info' | 'warning' | 'error') => ({ rule: 'x', severity, server: 's', object: 'o', evidence: 'e', remedy: 'r' });
  it('--fail-on decides; an unaudited server without findings is incomplete', () => {
    expect(verdictOf([f('warning')], 'error', false)).toBe('clean');
    expect(verdictOf([f('warning')], 'warning', false)).toBe('findings');
    expect(verdictOf([f('info')], 'warning', true)).toBe('incomplete');
    expect(verdictOf([f('error')], 'error', true)).toBe('findings');
    expect(sortFindings([f('info'), f('error'), f('warning')]).map((x) => x.severity)).toEqual(['error', 'warning', 'info']);
  });
});

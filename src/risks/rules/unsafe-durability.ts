/**
 * unsafe-durability: settings that let a crash or a corrupted event leave servers different
 * without any error: sync_binlog and innodb_flush_log_at_trx_commit other than 1, relay_log_recovery
 * off, binlog checksums off, skipped replication errors (slave_skip_errors, a skip counter,
 * IDEMPOTENT mode), LOAD DATA temporary files in a directory cleared on reboot; PostgreSQL fsync
 * and full_page_writes off, data checksums off.
 */
import { allServers, binlogSources, finding, isOn, variable } from '../facts.js';
import type { Finding, RiskContext, RiskRule, ServerFacts, Severity } from '../types.js';

const ID = 'unsafe-durability';

const TEMP_DIRS = /^(\/tmp|\/var\/tmp|\/dev\/shm|\/run)(\/|$)/;

export const unsafeDurability: RiskRule = {
  id: ID,
  description: 'non-durable flush settings, relay_log_recovery off, checksums off, skipped errors, slave_load_tmpdir on a temporary filesystem',
  engines: ['mysql-family', 'postgres'],
  run(ctx) {
    const out: Finding[] = [];
    const add = (f: ServerFacts, severity: Severity, object: string, evidence: string, remedy: string) =>
      out.push(finding({ rule: ID, severity, server: f.label, object, evidence, remedy }));
    const sources = new Set(binlogSources(ctx).map((f) => f.label));
    for (const f of allServers(ctx)) {
      if (f.family === 'postgres') {
        if (f.variables['fsync'] === 'off') add(f, 'error', 'fsync', 'fsync=off: a crash can corrupt the cluster and its WAL stream', 'SET fsync = on (postgresql.conf) and restart');
        if (f.variables['full_page_writes'] === 'off') add(f, 'error', 'full_page_writes', 'full_page_writes=off: torn pages after a crash are not repaired from WAL', 'SET full_page_writes = on');
        if (f.variables['data_checksums'] === 'off') add(f, 'info', 'data_checksums', 'data checksums are off: silent page corruption is not detected', 'enable checksums (pg_checksums --enable on a stopped cluster) when convenient');
        continue;
      }
      const replica = f.role === 'replica' || f.channels.length > 0;
      const syncBinlog = variable(f, 'sync_binlog');
      if (sources.has(f.label) && syncBinlog !== undefined && syncBinlog !== '1') {
        add(f, 'warning', 'sync_binlog', `sync_binlog=${syncBinlog}: a crash can lose binlog events the storage engine committed, so replicas miss them`, 'SET GLOBAL sync_binlog=1');
      }
      const flush = variable(f, 'innodb_flush_log_at_trx_commit');
      // MariaDB's 3 is as durable as 1 (it syncs at commit, in the binlog group commit).
      if (flush !== undefined && flush !== '1' && !(flush === '3' && f.flavor === 'mariadb')) {
        add(f, 'warning', 'innodb_flush_log_at_trx_commit', `innodb_flush_log_at_trx_commit=${flush}: a crash loses the last second of commits${sources.has(f.label) ? ' that the binlog (and the replicas) may already have' : ''}`, 'SET GLOBAL innodb_flush_log_at_trx_commit=1');
      }
      if (replica) {
        const rr = variable(f, 'relay_log_recovery');
        if (rr !== undefined && !isOn(rr)) add(f, 'warning', 'relay_log_recovery', 'relay_log_recovery=OFF: after a crash the replica resumes from relay logs that may be partly written', 'set relay_log_recovery=ON in the configuration (it needs a restart)');
        const verify = variable(f, 'slave_sql_verify_checksum', 'replica_sql_verify_checksum');
        if (verify !== undefined && !isOn(verify)) add(f, 'warning', 'slave_sql_verify_checksum', `${'slave_sql_verify_checksum' in f.variables ? 'slave_sql_verify_checksum' : 'replica_sql_verify_checksum'}=OFF: corrupted relay log events are applied without error`, 'SET GLOBAL slave_sql_verify_checksum=ON');
        const skip = variable(f, 'slave_skip_errors', 'replica_skip_errors');
        if (skip !== undefined && skip.trim() !== '' && skip.toUpperCase() !== 'OFF') add(f, 'error', 'slave_skip_errors', `slave_skip_errors=${skip}: replication errors are skipped silently, and each one is drift`, 'remove slave_skip_errors from the configuration (restart), then check and repair the replica');
        const mode = variable(f, 'slave_exec_mode', 'replica_exec_mode');
        if (mode !== undefined && mode.toUpperCase() === 'IDEMPOTENT') add(f, 'error', 'slave_exec_mode', 'slave_exec_mode=IDEMPOTENT: duplicate-key and missing-row errors are ignored, so drift goes unnoticed', 'SET GLOBAL slave_exec_mode=STRICT');
        for (const ch of f.channels) {
          if (ch.skipCounter > 0) add(f, 'warning', 'sql_slave_skip_counter', `sql_slave_skip_counter=${ch.skipCounter}${ch.name ? ` on connection '${ch.name}'` : ''}: the next events will be skipped`, 'SET GLOBAL sql_slave_skip_counter=0 unless skipping is intended, then verify the replica');
        }
        const dir = variable(f, 'slave_load_tmpdir', 'replica_load_tmpdir');
        if (dir && TEMP_DIRS.test(dir) && loadDataAsStatement(ctx)) add(f, 'warning', 'slave_load_tmpdir', `slave_load_tmpdir=${dir}: a temporary directory, cleared on reboot, so a replica restarted during LOAD DATA cannot continue`, 'set slave_load_tmpdir to a persistent directory (and copy it when cloning)');
      }
      if (sources.has(f.label)) {
        const cs = variable(f, 'binlog_checksum');
        if (cs !== undefined && cs.toUpperCase() === 'NONE') add(f, 'warning', 'binlog_checksum', 'binlog_checksum=NONE: corrupted events reach the replicas undetected', 'SET GLOBAL binlog_checksum=CRC32');
      }
    }
    return out;
  },
};

/**
 * A replica writes LOAD DATA's file to slave_load_tmpdir only when the statement reaches it as a
 * statement: a source logging STATEMENT, or MIXED on MariaDB (MySQL logs LOAD DATA as rows under
 * MIXED). With every binlog source at ROW (or MySQL's MIXED) the directory is never used. No
 * source known: it may be.
 */
function loadDataAsStatement(ctx: RiskContext): boolean {
  const sources = binlogSources(ctx);
  if (sources.length === 0) return true;
  return sources.some((f) => {
    const fmt = (variable(f, 'binlog_format') ?? '').toUpperCase();
    return fmt === '' || fmt === 'STATEMENT' || (fmt === 'MIXED' && f.flavor !== 'mysql');
  });
}

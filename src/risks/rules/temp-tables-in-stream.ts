/**
 * temp-tables-in-stream: temporary tables created by the replicated workload under statement or
 * mixed logging (the replica must hold them open, see temp-tables-open), and temporary tables on
 * a non-transactional engine (default_tmp_storage_engine), which a rollback cannot undo.
 */
import { parseServerVersion, versionAtLeast } from '../../engine/mysql-family/mysql-family-flavor.js';
import { finding, isOn, loggedWords, primaryBinlogFormat, serverOf, times, variable } from '../facts.js';
import { engineIsTransactional } from '../sql-analysis/catalog.js';
import type { Finding, RiskRule } from '../types.js';

const ID = 'temp-tables-in-stream';

export const tempTablesInStream: RiskRule = {
  id: ID,
  description: 'temporary tables in the replicated workload under statement/mixed logging; non-transactional temporary tables',
  engines: ['mysql-family'],
  run(ctx) {
    const out: Finding[] = [];
    const fmt = primaryBinlogFormat(ctx);
    // Row-based logging does not replicate temporary tables at all (MySQL 8.0.4+, MariaDB), and
    // MySQL 8.0.4+ does not log them under MIXED either ("statements that exclusively use
    // temporary tables are not logged"); MariaDB's MIXED does.
    const p0 = ctx.primary;
    const mysqlMixedSkips = fmt === 'MIXED' && p0?.flavor === 'mysql' && versionAtLeast(parseServerVersion(p0.version), 8, 0, 4);
    for (const t of ctx.workload?.tempTables ?? []) {
      const replicated = t.loggedAs === 'statement' || (t.loggedAs === 'unknown' && fmt !== 'ROW' && !mysqlMixedSkips);
      const nonTrans = t.transactional === false;
      if (!replicated && !nonTrans) continue;
      const why = [replicated ? `created in the replicated workload (${loggedWords(ctx, t.loggedAs)})` : null, nonTrans ? `on ${t.engine}, which cannot roll back` : null].filter(Boolean).join('; ');
      out.push(finding({
        rule: ID,
        severity: replicated ? 'warning' : 'info',
        server: serverOf(ctx),
        object: t.table,
        evidence: `${t.text}${times(t.count)}: ${why}`,
        remedy: replicated
          ? 'use binlog_format=ROW, or replace temporary tables by real tables named per connection (reaped when the connection is gone)'
          : 'set default_tmp_storage_engine=InnoDB and drop ENGINE=MyISAM/Aria/MEMORY from CREATE TEMPORARY TABLE',
        source: t.at,
      }));
    }
    const p = ctx.primary;
    if (p && p.family === 'mysql-family') {
      // NULL means "same as default_storage_engine" (MariaDB).
      const tmp = variable(p, 'default_tmp_storage_engine');
      const engine = tmp && tmp.toUpperCase() !== 'NULL' ? tmp : variable(p, 'default_storage_engine', 'storage_engine');
      if (engine && engineIsTransactional(engine) === false && isOn(variable(p, 'log_bin'))) {
        out.push(finding({
          rule: ID,
          severity: fmt === 'ROW' ? 'info' : 'warning',
          server: p.label,
          object: 'default_tmp_storage_engine',
          evidence: `default_tmp_storage_engine=${tmp ?? 'NULL'} (temporary tables on ${engine}, non-transactional), binlog_format=${fmt ?? '?'}`,
          remedy: 'SET GLOBAL default_tmp_storage_engine=InnoDB (and in the server configuration)',
        }));
      }
    }
    return out;
  },
};

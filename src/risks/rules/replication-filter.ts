/**
 * replication-filter: replicate-do/ignore-db/table filters on replicas and binlog-do/ignore-db on
 * the primary (MySQL family), and row filters / column lists of publications (PostgreSQL). A
 * replica then holds a subset by design, and db-level filters act on the default database, not on
 * the tables a statement touches: cross-database statements are silently skipped or applied.
 */
import { finding } from '../facts.js';
import type { Finding, RiskRule } from '../types.js';

const ID = 'replication-filter';

export const replicationFilter: RiskRule = {
  id: ID,
  description: 'replicate-do/ignore filters on replicas, binlog-do/ignore-db on the primary, publication row filters and column lists',
  engines: ['mysql-family', 'postgres'],
  run(ctx) {
    const out: Finding[] = [];
    for (const r of ctx.replicas) {
      if (r.family !== 'mysql-family') continue;
      const seen = new Set<string>();
      for (const ch of r.channels) {
        for (const [name, value] of Object.entries(ch.filters)) {
          if (!value.trim() || seen.has(`${name}=${value}`)) continue;
          seen.add(`${name}=${value}`);
          const dbLevel = /_db$/.test(name);
          out.push(finding({
            rule: ID,
            severity: 'warning',
            server: r.label,
            object: name,
            evidence: `${name}=${value}${ch.name ? ` (connection '${ch.name}')` : ''}${dbLevel ? ': acts on the default database of each statement, not on the tables it writes' : ': this replica holds a subset of the primary'}`,
            remedy: 'remove the filter (scope what is replicated on the primary instead), or exclude the filtered tables from checks and failover plans',
          }));
        }
      }
    }
    const p = ctx.primary;
    if (p?.binlog) {
      for (const [name, value] of [['binlog_do_db', p.binlog.doDb], ['binlog_ignore_db', p.binlog.ignoreDb]] as const) {
        if (!value.trim()) continue;
        out.push(finding({
          rule: ID,
          severity: 'warning',
          server: p.label,
          object: name,
          evidence: `${name}=${value}: changes ${name === 'binlog_do_db' ? 'outside these databases' : 'in these databases'} never reach any replica, and statement-logged changes are judged by their default database`,
          remedy: `remove ${name.replace(/_/g, '-')} from the primary's configuration`,
        }));
      }
    }
    if (p?.pg) {
      for (const t of p.pg.publishedTables) {
        if (!t.rowFilter && !t.columns) continue;
        out.push(finding({
          rule: ID,
          severity: 'warning',
          server: p.label,
          object: t.table,
          evidence: `publication ${t.publication} carries ${[t.rowFilter ? `only rows WHERE ${t.rowFilter}` : null, t.columns ? `only columns (${t.columns.join(', ')})` : null].filter(Boolean).join(' and ')}`,
          remedy: 'subscribers hold a subset by design: exclude this table from checks and failover plans, or publish it whole',
        }));
      }
    }
    return out;
  },
};

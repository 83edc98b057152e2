/**
 * temp-tables-open: a replica holds temporary tables replicated from the primary (statement-based
 * logging). They live only in that server's memory: restarted, it cannot apply the statements that
 * use them; stopped or cloned now, the copy is not consistent.
 */
import { finding } from '../facts.js';
import type { Finding, RiskRule } from '../types.js';

const ID = 'temp-tables-open';

export const tempTablesOpen: RiskRule = {
  id: ID,
  description: 'a replica holds open temporary tables: unsafe to stop, restart or clone',
  engines: ['mysql-family'],
  run(ctx) {
    const out: Finding[] = [];
    for (const r of ctx.replicas) {
      const name = 'slave_open_temp_tables' in r.status ? 'Slave_open_temp_tables' : 'Replica_open_temp_tables';
      const raw = r.status[name.toLowerCase()] ?? (r.replication?.openTempTables != null ? String(r.replication.openTempTables) : undefined);
      const n = raw === undefined ? 0 : Number(raw);
      if (n > 0) {
        out.push(finding({
          rule: ID,
          severity: 'warning',
          server: r.label,
          object: 'replication',
          evidence: `${name}=${n}`,
          remedy: 'before stopping, restarting or cloning: STOP SLAVE SQL_THREAD, wait for 0 open temp tables (restart and retry if not); avoid temporary tables in replicated workloads or use binlog_format=ROW',
        }));
      }
    }
    return out;
  },
};

/**
 * engine-mismatch: the same table on a different storage engine on the primary and a replica. The
 * same change stream then behaves differently: one side rolls back, the other cannot; one side
 * survives a restart, the other (MEMORY) is emptied.
 */
import { finding } from '../facts.js';
import { engineIsTransactional } from '../sql-analysis/catalog.js';
import type { Finding, RiskRule } from '../types.js';

const ID = 'engine-mismatch';

export const engineMismatch: RiskRule = {
  id: ID,
  description: 'the same table with a different engine on the primary and a replica',
  engines: ['mysql-family'],
  run(ctx) {
    const p = ctx.primary;
    if (!p || p.family !== 'mysql-family') return [];
    const out: Finding[] = [];
    const primaryTables = new Map(p.tables.map((t) => [t.qualified, t]));
    for (const r of ctx.replicas) {
      if (r.family !== 'mysql-family') continue;
      for (const rt of r.tables) {
        const pt = primaryTables.get(rt.qualified);
        if (!pt || !pt.engine || !rt.engine || pt.engine.toLowerCase() === rt.engine.toLowerCase()) continue;
        const differs = engineIsTransactional(pt.engine) !== engineIsTransactional(rt.engine);
        out.push(finding({
          rule: ID,
          severity: differs ? 'error' : 'warning',
          server: r.label,
          object: rt.qualified,
          evidence: `ENGINE=${pt.engine} on the primary ${p.label}, ENGINE=${rt.engine} on this replica${differs ? ' (one transactional, the other not)' : ''}`,
          remedy: `ALTER TABLE ${rt.qualified} ENGINE=${pt.engine} on ${r.label} (with sql_log_bin=0)`,
        }));
      }
    }
    return out;
  },
};

/**
 * non-transactional-table: MyISAM/Aria/MEMORY/CSV/... tables in replicated schemas. A statement
 * that fails half-way, or a transaction that rolls back, leaves them changed on one server and not
 * the other; a crash can leave them behind the binlog. MEMORY tables are emptied by a restart.
 */
import { finding } from '../facts.js';
import { engineIsTransactional } from '../sql-analysis/catalog.js';
import type { Finding, RiskRule } from '../types.js';

const ID = 'non-transactional-table';

export const nonTransactionalTable: RiskRule = {
  id: ID,
  description: 'MyISAM/Aria/MEMORY/CSV tables beside InnoDB ones; MEMORY tables (emptied on restart)',
  engines: ['mysql-family'],
  run(ctx) {
    const p = ctx.primary;
    if (!p || p.family !== 'mysql-family') return [];
    const out: Finding[] = [];
    const transactionalSchemas = new Set(p.tables.filter((t) => engineIsTransactional(t.engine) === true).map((t) => t.schema));
    for (const t of p.tables) {
      if (!t.engine || engineIsTransactional(t.engine) !== false) continue;
      const memory = /^(memory|heap)$/i.test(t.engine);
      const beside = transactionalSchemas.has(t.schema);
      out.push(finding({
        rule: ID,
        severity: memory || beside ? 'warning' : 'info',
        server: p.label,
        object: t.qualified,
        evidence: memory
          ? `ENGINE=${t.engine}: emptied when a server restarts (the primary then logs a DELETE; a restarted replica is simply empty)`
          : `ENGINE=${t.engine}${beside ? ` beside transactional tables in ${t.schema}` : ''}: writes cannot be rolled back and are not crash-safe`,
        remedy: `ALTER TABLE ${t.qualified} ENGINE=InnoDB`,
      }));
    }
    return out;
  },
};

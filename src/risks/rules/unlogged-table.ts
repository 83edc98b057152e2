/** unlogged-table: a PostgreSQL UNLOGGED table on the primary writes no WAL: empty on standbys, absent from publications. */
import { finding } from '../facts.js';
import type { Finding, RiskRule } from '../types.js';

const ID = 'unlogged-table';

export const unloggedTable: RiskRule = {
  id: ID,
  description: 'UNLOGGED tables are not replicated (and are emptied after a crash)',
  engines: ['postgres'],
  run(ctx) {
    const p = ctx.primary;
    if (!p || p.family !== 'postgres') return [];
    const out: Finding[] = [];
    for (const t of p.tables) {
      if (!t.unlogged) continue;
      out.push(finding({
        rule: ID,
        severity: 'error',
        server: p.label,
        object: t.qualified,
        evidence: 'UNLOGGED: writes no WAL, so standbys and subscribers never receive its rows, and a crash empties it',
        remedy: `ALTER TABLE ${t.qualified} SET LOGGED (if its content matters after a failover)`,
      }));
    }
    return out;
  },
};

/**
 * mixed-engine-transaction: one transaction writes transactional and non-transactional tables.
 * The non-transactional part cannot roll back: an error, deadlock or kill on one server and not
 * the other leaves them different ("different error on master and slave").
 */
import { finding, serverOf } from '../facts.js';
import type { Finding, RiskRule } from '../types.js';

const ID = 'mixed-engine-transaction';

export const mixedEngineTransaction: RiskRule = {
  id: ID,
  description: 'a transaction in the binlog or SQL given writes transactional and non-transactional tables',
  engines: ['mysql-family'],
  run(ctx) {
    const out: Finding[] = [];
    const seen = new Set<string>();
    for (const m of ctx.workload?.mixedTransactions ?? []) {
      const trans = m.writes.filter((w) => w.transactional === true);
      const non = m.writes.filter((w) => w.transactional === false);
      const key = [...non.map((w) => w.table), '|', ...trans.map((w) => w.table)].join(',');
      if (seen.has(key)) continue;
      seen.add(key);
      const describe = (ws: typeof m.writes) => ws.map((w) => `${w.table} (${w.engine ?? '?'}${w.temporary ? ', temporary' : ''}): ${w.text}`).join('; ');
      out.push(finding({
        rule: ID,
        severity: 'error',
        server: serverOf(ctx),
        object: non.map((w) => w.table).join(', '),
        evidence: `one transaction writes non-transactional ${describe(non)} and transactional ${describe(trans)}`,
        remedy: `convert ${non.map((w) => w.table).join(', ')} to InnoDB, or write them outside the transaction`,
        source: m.at,
      }));
    }
    return out;
  },
};

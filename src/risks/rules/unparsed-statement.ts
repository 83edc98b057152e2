/**
 * unparsed-statement: a write or DDL statement the SQL parser could not read. Its functions and
 * variables were still checked on tokens, but LIMIT/ORDER BY and INSERT ... SELECT were not.
 */
import { finding, serverOf, times } from '../facts.js';
import type { Finding, RiskRule } from '../types.js';

const ID = 'unparsed-statement';

export const unparsedStatement: RiskRule = {
  id: ID,
  description: 'a statement the parser could not read (checked on tokens only)',
  engines: ['mysql-family', 'postgres'],
  run(ctx) {
    const out: Finding[] = [];
    for (const u of ctx.workload?.unparsed ?? []) {
      out.push(finding({
        rule: ID,
        severity: 'info',
        server: serverOf(ctx),
        object: 'statement',
        evidence: `${u.text}${times(u.count)}: ${u.error}`,
        remedy: 'review this statement by hand for LIMIT without ORDER BY and INSERT ... SELECT order',
        source: u.at,
      }));
    }
    return out;
  },
};

/**
 * read_only on the candidate. Before promotion it should be on (nothing but replication writes
 * to it); a writable candidate is a warning: a write there now is an errant transaction later.
 * The promotion itself must switch it off.
 */
import { couldNotRun, isOn, result } from '../result.js';
import type { PreflightCheck } from '../types.js';

const ID = 'read-only';

export const readOnly: PreflightCheck = {
  id: ID,
  description: 'read_only state of the candidate (on is expected before the promotion)',
  families: ['mysql-family'],
  run(ctx) {
    const c = ctx.candidate;
    if (!c.mysql) return [couldNotRun(ID, c.label, 'variables not read')];
    const v = c.mysql.variables;
    const evidence = { read_only: v['read_only'] ?? null, super_read_only: v['super_read_only'] ?? null };
    if (isOn(v['read_only'])) {
      return [result(ID, 'pass', c.label, 'read_only=ON, as expected before the promotion (switch it off when promoting)', evidence)];
    }
    return [result(ID, 'warn', c.label, 'the candidate is writable (read_only=OFF): any write to it now becomes an errant transaction; set read_only=ON until the promotion', evidence)];
  },
};

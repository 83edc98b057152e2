/** subscription-disabled: a PostgreSQL subscription that is disabled (by hand, or by disable_on_error after a conflict). */
import { finding } from '../facts.js';
import type { Finding, RiskRule } from '../types.js';

const ID = 'subscription-disabled';

export const subscriptionDisabled: RiskRule = {
  id: ID,
  description: 'a disabled subscription: the subscriber falls further behind every minute',
  engines: ['postgres'],
  run(ctx) {
    const out: Finding[] = [];
    for (const r of ctx.replicas) {
      for (const s of r.pg?.subscriptions ?? []) {
        if (s.enabled) continue;
        out.push(finding({
          rule: ID,
          severity: 'error',
          server: r.label,
          object: `subscription ${s.name}`,
          evidence: `subscription ${s.name} is disabled${s.disableOnError ? ' (disable_on_error is set: probably after an apply error)' : ''}${s.applyErrors ? `; ${s.applyErrors} apply error(s) since statistics reset` : ''}`,
          remedy: `find the cause in the subscriber log, then ALTER SUBSCRIPTION ${s.name} ENABLE`,
        }));
      }
    }
    return out;
  },
};

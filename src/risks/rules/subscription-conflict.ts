/**
 * subscription-conflict: a PostgreSQL subscription that has hit apply or table-sync errors
 * (conflicts: duplicate keys, missing rows, permissions), has a pending ALTER SUBSCRIPTION ... SKIP
 * (a transaction will be thrown away), or has tables not yet, or no longer, in sync.
 */
import { finding } from '../facts.js';
import type { Finding, RiskRule } from '../types.js';

const ID = 'subscription-conflict';

const STATES: Record<string, string> = { i: 'initializing', d: 'copying data', f: 'finished copy', s: 'synchronized, catching up' };

export const subscriptionConflict: RiskRule = {
  id: ID,
  description: 'apply/sync errors, a pending SKIP, tables not in sync',
  engines: ['postgres'],
  run(ctx) {
    const out: Finding[] = [];
    for (const r of ctx.replicas) {
      const pg = r.pg;
      if (!pg) continue;
      const add = (severity: Finding['severity'], object: string, evidence: string, remedy: string) => out.push(finding({ rule: ID, severity, server: r.label, object, evidence, remedy }));
      for (const s of pg.subscriptions) {
        const errors = (s.applyErrors ?? 0) + (s.syncErrors ?? 0);
        if (errors > 0) {
          add(s.enabled && !s.workerRunning ? 'error' : 'warning', `subscription ${s.name}`, `${s.applyErrors ?? 0} apply and ${s.syncErrors ?? 0} table-sync error(s) since statistics were reset${s.workerRunning ? '' : '; apply worker not running now'}`, 'read the subscriber log for each conflict; verify the tables with a check run, then pg_stat_reset_subscription_stats()');
        }
        if (s.skipLsn) add('warning', `subscription ${s.name}`, `ALTER SUBSCRIPTION ... SKIP is pending at LSN ${s.skipLsn}: that transaction will not be applied`, 'repair the rows that transaction changed after it is skipped, and verify with a check run');
      }
      for (const t of pg.subscribedTables) {
        if (t.state === 'r') continue;
        add('warning', t.table, `table sync state ${t.state} (${STATES[t.state] ?? 'unknown'}), not ready`, 'wait for the initial copy; if it does not finish, read the subscriber log');
      }
    }
    return out;
  },
};

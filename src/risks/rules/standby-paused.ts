/** standby-paused: WAL replay paused on a PostgreSQL standby (pg_wal_replay_pause()): it receives but does not apply. */
import { finding } from '../facts.js';
import type { Finding, RiskRule } from '../types.js';

const ID = 'standby-paused';

export const standbyPaused: RiskRule = {
  id: ID,
  description: 'WAL replay paused on a standby',
  engines: ['postgres'],
  run(ctx) {
    const out: Finding[] = [];
    for (const r of ctx.replicas) {
      if (!r.pg?.replayPaused) continue;
      out.push(finding({
        rule: ID,
        severity: 'warning',
        server: r.label,
        object: 'replication',
        evidence: 'pg_is_wal_replay_paused() = true: WAL is received but not applied, so this standby falls behind',
        remedy: `SELECT pg_wal_replay_resume() on ${r.label} once whatever needed the pause is done`,
      }));
    }
    return out;
  },
};

/**
 * PostgreSQL: WAL replay on the candidate is not paused (pg_wal_replay_pause). A paused standby
 * keeps receiving but applies nothing; promoting it first replays what it holds, so the paused
 * state usually means someone is inspecting it, and its data is behind. Other paused standbys
 * are warnings: they will not be current after the failover either.
 */
import { couldNotRun, result } from '../result.js';
import type { PreflightCheck, PreflightCheckResult, PreflightNode } from '../types.js';

const ID = 'replay-not-paused';

function judge(n: PreflightNode): PreflightCheckResult {
  if (!n.pg) return couldNotRun(ID, n.label, n.gaps.find((g) => g.startsWith('standby state')) ?? 'standby state not read');
  const evidence = { inRecovery: n.pg.inRecovery, replayPaused: n.pg.replayPaused, replayLsn: n.pg.replayLsn, receiveLsn: n.pg.receiveLsn };
  if (!n.pg.inRecovery) return result(ID, 'skip', n.label, 'not a physical standby: no WAL replay to pause', evidence);
  if (n.pg.replayPaused) {
    return result(ID, n.role === 'candidate' ? 'fail' : 'warn', n.label, 'WAL replay is paused: resume it (SELECT pg_wal_replay_resume()) and let it catch up', evidence);
  }
  return result(ID, 'pass', n.label, 'WAL replay is running', evidence);
}

export const replayNotPaused: PreflightCheck = {
  id: ID,
  description: 'WAL replay is not paused on the candidate (pg_is_wal_replay_paused)',
  families: ['postgres'],
  run: (ctx) => [ctx.candidate, ...ctx.replicas].map(judge),
};

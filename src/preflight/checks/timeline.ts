/**
 * PostgreSQL: the candidate follows the primary's current timeline. A standby on an older
 * timeline has not followed a past promotion (its WAL diverged or it never received the history
 * file): promoting it forks history again.
 */
import { couldNotRun, result } from '../result.js';
import type { PreflightCheck } from '../types.js';

const ID = 'timeline';

export const timeline: PreflightCheck = {
  id: ID,
  description: "the candidate is on the primary's timeline",
  families: ['postgres'],
  run(ctx) {
    const c = ctx.candidate;
    const p = ctx.primary;
    if (!c.pg?.inRecovery) return [result(ID, 'skip', c.label, 'not a physical standby: timelines do not apply')];
    const evidence = { candidateTimeline: c.pg.timeline, primaryTimeline: p.pg?.timeline ?? null };
    if (c.pg.timeline === null || evidence.primaryTimeline === null) {
      return [couldNotRun(ID, c.label, 'timeline not readable (no WAL receiver on the standby and no EXECUTE on pg_control_checkpoint())', evidence)];
    }
    if (c.pg.timeline !== evidence.primaryTimeline) {
      return [result(ID, 'fail', c.label, `on timeline ${c.pg.timeline}, the primary is on ${evidence.primaryTimeline}: the standby has not followed the primary's history (set recovery_target_timeline=latest, or rebuild it)`, evidence)];
    }
    return [result(ID, 'pass', c.label, `on the primary's timeline ${c.pg.timeline}`, evidence)];
  },
};

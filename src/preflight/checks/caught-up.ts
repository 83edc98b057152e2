/**
 * The candidate has applied everything the primary has: the primary's position is read now and
 * the candidate is given up to --wait seconds to reach it. Under a steady write load the primary
 * moves on meanwhile; what must hold is that the candidate reaches where the primary stood when
 * the check began (its lag is then bounded by the wait). A candidate that is not applying
 * (stopped SQL thread, paused replay) is not waited for: it cannot get there.
 *
 * --max-lag is measured the same way, never read from the lag the replica reports: a replica
 * whose receiving side stalls (a slow link, a stuck IO thread or WAL receiver) has applied all
 * it received and reports a lag of 0 however far behind it is. A candidate that reaches the
 * primary's position of the check's start within --max-lag seconds (waited for past --wait when
 * needed) is at most that far behind: a warning; later, or never, is a failure.
 */
import { formatPosition, hasReached } from '../../engine/position.js';
import { result } from '../result.js';
import type { PreflightCheck } from '../types.js';

const ID = 'caught-up';

export const caughtUp: PreflightCheck = {
  id: ID,
  description: "the candidate's executed position equals the primary's (after waiting up to --wait seconds)",
  families: ['mysql-family', 'postgres'],
  async run(ctx) {
    const c = ctx.candidate;
    if (!c.status) return [result(ID, 'skip', c.label, 'not a replica: nothing to catch up (see replication-running)')];
    const target = await ctx.primary.engine.replication.currentPosition(ctx.primary.session);
    const applying = c.status.applying && !c.status.paused;
    const waitMs = applying ? Math.round(ctx.opts.waitSeconds * 1000) : 0;
    const started = Date.now();
    let reached = false;
    if (waitMs > 0) reached = await c.engine.replication.waitApplied(c.session, target, waitMs);
    let after = await c.engine.replication.replicaStatus(c.session);
    let executed = after?.executed ?? null;
    if (!reached && executed && executed.kind === target.kind) reached = hasReached(executed, target);
    const lagBoundMs = Math.round(ctx.opts.maxLagSeconds * 1000);
    let withinLag = false;
    if (!reached && applying && lagBoundMs > 0) {
      const left = lagBoundMs - (Date.now() - started);
      withinLag = left <= 0 ? false : await c.engine.replication.waitApplied(c.session, target, left);
      after = await c.engine.replication.replicaStatus(c.session);
      executed = after?.executed ?? null;
      if (!withinLag && executed && executed.kind === target.kind) withinLag = hasReached(executed, target) && Date.now() - started <= lagBoundMs;
    }
    const evidence = {
      primaryPosition: formatPosition(target),
      candidateExecuted: executed ? formatPosition(executed) : null,
      lagSeconds: after?.lagSeconds ?? null,
      waitedMs: Date.now() - started,
      waitBoundSeconds: ctx.opts.waitSeconds,
    };
    if (reached) return [result(ID, 'pass', c.label, `applied the primary's position ${evidence.primaryPosition}`, evidence)];
    const why = !applying ? (c.status.paused ? 'replay is paused' : 'it is not applying') : `not reached within --wait ${ctx.opts.waitSeconds}s${lagBoundMs > 0 ? ` nor --max-lag ${ctx.opts.maxLagSeconds}s` : ''}`;
    if (withinLag) {
      return [result(ID, 'warn', c.label, `behind the primary: it reached the primary's position of the check's start ${((Date.now() - started) / 1000).toFixed(1)}s after it, past --wait ${ctx.opts.waitSeconds}s but within --max-lag ${ctx.opts.maxLagSeconds}s`, { ...evidence, waitedMs: Date.now() - started })];
    }
    return [
      result(ID, 'fail', c.label, `behind the primary: executed ${evidence.candidateExecuted ?? 'unknown'}, primary at ${evidence.primaryPosition} (${why}); promoting now loses those transactions`, evidence),
    ];
  },
};

/**
 * The candidate has applied everything the primary has: the primary's position is read now and
 * the candidate is given up to --wait seconds to reach it. Under a steady write load the primary
 * moves on meanwhile; what must hold is that the candidate reaches where the primary stood when
 * the check began (its lag is then bounded by the wait). A candidate that is not applying
 * (stopped SQL thread, paused replay) is not waited for: it cannot get there.
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
    const after = await c.engine.replication.replicaStatus(c.session);
    const executed = after?.executed ?? null;
    if (!reached && executed && executed.kind === target.kind) reached = hasReached(executed, target);
    const evidence = {
      primaryPosition: formatPosition(target),
      candidateExecuted: executed ? formatPosition(executed) : null,
      lagSeconds: after?.lagSeconds ?? null,
      waitedMs: Date.now() - started,
      waitBoundSeconds: ctx.opts.waitSeconds,
    };
    if (reached) return [result(ID, 'pass', c.label, `applied the primary's position ${evidence.primaryPosition}`, evidence)];
    const why = !applying ? (c.status.paused ? 'replay is paused' : 'it is not applying') : `not reached within --wait ${ctx.opts.waitSeconds}s`;
    const lag = after?.lagSeconds ?? null;
    if (ctx.opts.maxLagSeconds > 0 && applying && lag !== null && lag <= ctx.opts.maxLagSeconds) {
      return [result(ID, 'warn', c.label, `behind the primary (${why}) but its lag ${lag}s is within --max-lag ${ctx.opts.maxLagSeconds}s`, evidence)];
    }
    return [
      result(ID, 'fail', c.label, `behind the primary: executed ${evidence.candidateExecuted ?? 'unknown'}, primary at ${evidence.primaryPosition} (${why}); promoting now loses those transactions`, evidence),
    ];
  },
};

/**
 * Step 2, quiesce: the source stops applying at a point a copy can restart from (MySQL family: no
 * temporary tables open on the SQL thread; PostgreSQL: replay paused), stops replicating, the
 * executed position is recorded, and the server is shut down cleanly and waited for.
 * Interrupted anywhere, the `finally` of run-clone brings the source back from the state reached.
 */
import { formatRecorded } from '../manifest-build.js';
import type { CloneContext } from '../context.js';

export async function quiesce(ctx: CloneContext): Promise<string> {
  const adapter = ctx.requireAdapter();
  ctx.checkAborted();
  await adapter.pauseApply(ctx);
  ctx.checkAborted();
  ctx.recorded = await adapter.stopReplicationAndRecord(ctx);
  ctx.log.info({ position: ctx.recorded }, 'position recorded');
  ctx.checkAborted();
  await adapter.shutdownSource(ctx);
  await adapter.afterSourceStopped(ctx);
  const shutdownMs = (ctx.times.sourceGoneAt ?? Date.now()) - (ctx.times.shutdownRequestedAt ?? Date.now());
  const waits = ctx.tempTableRetries ? `; waited for open temporary tables (${ctx.tempTableRetries} retr${ctx.tempTableRetries === 1 ? 'y' : 'ies'})` : '';
  return `recorded ${formatRecorded(ctx.recorded)}; source stopped in ${(shutdownMs / 1000).toFixed(1)} s${waits}`;
}

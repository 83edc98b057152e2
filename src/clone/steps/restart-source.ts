/**
 * Step 4, restart the source and resume its replication. Runs in run-clone's `finally`, from
 * whatever state the source was left in: stopped (start command, then replication), or still
 * running with replication paused (replication only). It ignores Ctrl-C: bringing the source
 * back is what an interrupted clone must still do.
 */
import { SyncpointError } from '../../errors.js';
import type { CloneContext } from '../context.js';
import { startWithCommand } from '../server-control.js';
import { processAlive, waitProcessGone } from '../server-process.js';

export async function restartSource(ctx: CloneContext): Promise<string> {
  const adapter = ctx.requireAdapter();
  const o = ctx.opts;
  const was = ctx.sourceState;
  let how = 'replication resumed';
  if (was === 'stopping' || was === 'stopped') {
    // A shutdown that timed out may still be running: a second server on the same files must not start.
    if (ctx.sourcePid !== null && processAlive(ctx.sourcePid)) await waitProcessGone(ctx.sourcePid, o.stopTimeoutMs);
    if (await adapter.sourceAnswers()) {
      ctx.sourceRestartedBy = 'not-needed';
      how = 'the source was still answering';
    } else {
      if (!o.sourceStart) {
        ctx.sourceRestartedBy = 'failed';
        throw new SyncpointError('config', `the source ${adapter.sourceLabel} is stopped and no --source-start was given: start it by hand`);
      }
      ctx.times.sourceStartRequestedAt = Date.now();
      try {
        await startWithCommand(ctx, {
          what: 'starting the source',
          command: o.sourceStart,
          env: ctx.commandEnv(),
          timeoutMs: o.startTimeoutMs,
          answers: () => adapter.sourceAnswers(),
          hint: '',
          abortable: false,
        });
      } catch (err) {
        ctx.sourceRestartedBy = 'failed';
        throw new SyncpointError((err as SyncpointError).kind ?? 'server', `the source ${adapter.sourceLabel} is NOT running: ${(err as Error).message}`);
      }
      ctx.sourceRestartedBy = 'clone';
      how = `restarted in ${((Date.now() - ctx.times.sourceStartRequestedAt) / 1000).toFixed(1)} s`;
    }
    ctx.setSourceState('replication-stopped');
  }
  const replicating = await adapter.resumeSourceReplication(ctx);
  ctx.sourceReplicating = replicating;
  ctx.times.sourceBackAt = Date.now();
  ctx.times.replicationResumedAt = Date.now();
  ctx.setSourceState('running');
  if (!replicating) throw new SyncpointError('server', `the source ${adapter.sourceLabel} runs again but its replication did not resume (see the notes and its error log)`);
  return `${how}; replicating`;
}

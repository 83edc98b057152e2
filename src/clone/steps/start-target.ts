/**
 * Step 6, start the target: its start command (detached: it may daemonize or run in the
 * foreground), until it answers; then its identity and the recorded position (MySQL family:
 * server_id, RESET SLAVE ALL, CHANGE MASTER TO at the GTID or file position, START SLAVE),
 * replication running, and caught up with what the primary had when the wait began.
 */
import { SyncpointError } from '../../errors.js';
import type { CloneContext } from '../context.js';
import { writeMarker } from '../marker.js';
import { startWithCommand } from '../server-control.js';

export async function startTarget(ctx: CloneContext): Promise<string> {
  const o = ctx.opts;
  const adapter = ctx.requireAdapter();
  if (!o.targetStart) throw new SyncpointError('usage', 'give --target-start: how to start the new replica');
  ctx.targetStarted = true;
  await writeMarker(ctx, 'starting');
  await startWithCommand(ctx, {
    what: 'starting the target',
    command: o.targetStart,
    env: ctx.commandEnv(),
    timeoutMs: o.startTimeoutMs,
    answers: () => adapter.targetAnswers(),
    hint: ` and the target's server log`,
    abortable: true,
    onSpawn: (pid) => {
      ctx.targetSpawnPid = pid;
    },
  });
  ctx.checkAborted();
  const done = await adapter.configureTarget(ctx);
  await writeMarker(ctx, 'replicating, catching up');
  ctx.times.catchUpMs = await adapter.waitCaughtUp(ctx);
  return `${done.join('; ')}; caught up in ${(ctx.times.catchUpMs / 1000).toFixed(1)} s`;
}

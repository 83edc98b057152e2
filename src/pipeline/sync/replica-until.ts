/**
 * Sync method 'replica-until' (MariaDB): no lock on the primary at all.
 *   1. stop each replica's apply thread (it keeps receiving);
 *   2. open K snapshots on the primary, each reporting the exact position it reflects (P1..PK);
 *   3. for each k, let every replica apply UNTIL Pk, check it stopped exactly there, open its snapshot;
 *   4. restart apply on every replica we stopped, in a finally, whatever happened.
 * A replica is paused for about its lag; the primary only carries K read views.
 */
import { formatPosition, matchesOnDomains, type Position } from '../../engine/position.js';
import { messageOf } from '../../errors.js';
import type { EpochContext, EpochReplica, EpochResult } from './epoch.js';

export async function syncReplicaUntil(ctx: EpochContext): Promise<EpochResult> {
  const { primary, replicas, log } = ctx;
  const failed = new Map<string, string>();
  const stopped: EpochReplica[] = [];
  const positions: Position[] = [];
  let maxPause = 0;
  const pauseStart = Date.now();
  try {
    await Promise.all(
      replicas.map(async (r) => {
        try {
          await r.engine.replication.stopApply(r.control);
          stopped.push(r);
        } catch (err) {
          failed.set(r.label, `could not stop replication apply for a sync point: ${messageOf(err)}`);
        }
      }),
    );
    for (const s of primary.sessions) {
      const pos = await primary.engine.replication.beginSnapshot(s);
      if (!pos) throw new Error(`${primary.label}: snapshot did not report its replication position`);
      positions.push(pos);
    }
    await Promise.all(
      stopped.map(async (r) => {
        try {
          for (let k = 0; k < positions.length; k++) {
            const target = positions[k]!;
            const before = await r.engine.replication.replicaStatus(r.control);
            if (before?.executed && before.executed.kind !== target.kind) {
              // MariaDB refuses a GTID UNTIL on a replica set up with MASTER_USE_GTID=no (error 1949).
              throw new Error(`replicates by ${before.executed.kind} (not GTID): replica-until needs GTID replication; use --sync-method primary-lock`);
            }
            if (!before?.executed || !matchesOnDomains(before.executed, target)) {
              await r.engine.replication.startApplyUntil(r.control, target);
              const reached = await r.engine.replication.waitApplied(r.control, target, ctx.syncTimeoutMs);
              if (!reached) throw new Error(`did not reach ${formatPosition(target)} within ${Math.round(ctx.syncTimeoutMs / 1000)}s (lagging or stuck replication)`);
              if (!(await r.engine.replication.waitApplyStopped(r.control, ctx.syncTimeoutMs))) {
                throw new Error(`apply did not stop at ${formatPosition(target)}`);
              }
              const after = await r.engine.replication.replicaStatus(r.control);
              if (!after?.executed || !matchesOnDomains(after.executed, target)) {
                throw new Error(`stopped at ${after?.executed ? formatPosition(after.executed) : 'an unknown position'} instead of ${formatPosition(target)}`);
              }
              if (after.lastError) throw new Error(`replication error: ${after.lastError}`);
            }
            await r.engine.replication.beginSnapshot(r.sessions[k]!);
          }
        } catch (err) {
          failed.set(r.label, `sync point failed: ${messageOf(err)}`);
        }
      }),
    );
  } finally {
    // Restore replication before anything else can go wrong: a replica we stopped must run again.
    await Promise.all(
      stopped.map(async (r) => {
        try {
          await r.engine.replication.startApply(r.control);
        } catch (err) {
          log.error({ replica: r.label }, `could not restart replication apply: ${messageOf(err)}; run START SLAVE SQL_THREAD on it`);
          failed.set(r.label, `replication apply left stopped: ${messageOf(err)}`);
        }
      }),
    );
    maxPause = Date.now() - pauseStart;
  }
  return { positions, failed, lockMs: 0, replicaPauseMs: maxPause };
}

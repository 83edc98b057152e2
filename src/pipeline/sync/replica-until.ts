/**
 * Sync method 'replica-until' (MariaDB): no lock on the primary at all.
 *   1. stop each replica's apply thread (it keeps receiving);
 *   2. open K snapshots on the primary, each reporting the exact position it reflects (P1..PK);
 *   3. for each k, let every replica apply UNTIL Pk, check it stopped exactly there, open its snapshot;
 *   4. restart apply on every replica we stopped, in a finally, whatever happened.
 * A replica is paused for about its lag; the primary only carries K read views.
 * Before step 1 a hold marker names the replicas about to be stopped, so that a run killed before
 * step 4 is undone by the next run (restore-held.ts); it is removed once all of them run again.
 */
import { formatPosition, hasReached, matchesOnDomains, type Position } from '../../engine/position.js';
import { messageOf } from '../../errors.js';
import type { EpochContext, EpochReplica, EpochResult } from './epoch.js';
import { removeHoldMarker, rewriteHoldMarker, writeHoldMarker, type FoundMarker, type HeldReplica } from './hold-marker.js';

export async function syncReplicaUntil(ctx: EpochContext): Promise<EpochResult> {
  const { primary, replicas, log } = ctx;
  const failed = new Map<string, string>();
  const stopped: EpochReplica[] = [];
  /** Stopped, or asked to stop: the STOP may have reached the server even when its answer did not. */
  const toRestart: EpochReplica[] = [];
  const positions: Position[] = [];
  let maxPause = 0;
  // Only replicas found running are held: one stopped by someone else stays as they left it.
  const toHold: EpochReplica[] = [];
  const held: HeldReplica[] = [];
  await Promise.all(
    replicas.map(async (r) => {
      try {
        const st = await r.engine.replication.replicaStatus(r.control);
        if (!st) throw new Error('is no longer a replica');
        if (st.lastError) throw new Error(`replication error: ${st.lastError}`);
        if (!st.applying || !st.receiving) throw new Error('replication is not running (stopped by someone else?)');
        toHold.push(r);
        held.push({ label: r.label, receiving: st.receiving, applying: st.applying });
      } catch (err) {
        failed.set(r.label, `sync point failed: ${messageOf(err)}`);
      }
    }),
  );
  let marker: FoundMarker | null = null;
  try {
    if (held.length > 0) marker = writeHoldMarker(held, ctx.holdsDir);
  } catch (err) {
    log.warn(`could not write the hold marker (${messageOf(err)}): if this run is killed while replicas are held, restart them by hand`);
  }
  const pauseStart = Date.now();
  try {
    await Promise.all(
      toHold.map(async (r) => {
        try {
          toRestart.push(r);
          await r.engine.replication.stopApply(r.control);
          stopped.push(r);
        } catch (err) {
          failed.set(r.label, `could not stop replication apply for a sync point: ${messageOf(err)}`);
          // A refused STOP (e.g. no REPLICATION SLAVE ADMIN) left it running: nothing to restart,
          // and a START it has no privilege for would only report a false "left stopped".
          const still = await r.engine.replication.replicaStatus(r.control).catch(() => null);
          if (still?.applying) toRestart.splice(toRestart.indexOf(r), 1);
        }
      }),
    );
    // All at once: opened together, the snapshots nearly always share one position, so each
    // replica stops once per sync point rather than once per lane (a stop is ~120 ms, and the
    // primary converts each distinct position with a binlog scan).
    const opened = await Promise.allSettled(primary.sessions.map((s) => primary.engine.replication.beginSnapshot(s)));
    for (const o of opened) {
      if (o.status === 'rejected') throw o.reason;
      if (!o.value) throw new Error(`${primary.label}: snapshot did not report its replication position`);
      positions.push(o.value);
    }
    // Replicas only move forward: lanes are visited in position order.
    const order = positions.map((_, k) => k).sort((a, b) => (hasReached(positions[a]!, positions[b]!) ? (hasReached(positions[b]!, positions[a]!) ? 0 : 1) : -1));
    await Promise.all(
      stopped.map(async (r) => {
        try {
          for (const k of order) {
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
    const notRestored = new Set<string>();
    await Promise.all(
      toRestart.map(async (r) => {
        try {
          await r.engine.replication.startApply(r.control);
        } catch (err) {
          notRestored.add(r.label);
          log.error({ replica: r.label }, `could not restart replication apply: ${messageOf(err)}; run START SLAVE on it (the next run retries from the hold marker)`);
          failed.set(r.label, `replication apply left stopped: ${messageOf(err)}`);
        }
      }),
    );
    maxPause = Date.now() - pauseStart;
    if (marker) {
      try {
        // Kept for replicas not restarted: once this process ends, the next run retries them.
        if (notRestored.size === 0) removeHoldMarker(marker.path);
        else rewriteHoldMarker(marker, held.filter((h) => notRestored.has(h.label)));
      } catch (err) {
        log.warn(`could not update the hold marker ${marker.path}: ${messageOf(err)}`);
      }
    }
  }
  return { positions, failed, lockMs: 0, replicaPauseMs: maxPause };
}

/**
 * Sync method 'replica-until' (MariaDB): no lock on the primary at all.
 *   0. wait until a STOP would return at once on every replica (none waits for a lock held on it,
 *      none is inside a long statement: stop-readiness.ts), or leave that replica out;
 *   1. stop each replica's apply thread;
 *   2. open K snapshots on the primary, each reporting the exact position it reflects (P1..PK);
 *   3. for each distinct Pk, let every replica apply UNTIL Pk, check it stopped exactly there, open
 *      the snapshots of the lanes at Pk;
 *   4. restart apply on each replica as soon as its own snapshots are open (one slow to get there
 *      holds only itself), and on any not restarted yet in a finally, whatever happened.
 * A direct replica of the primary (its Master_Server_Id is the primary's) stops its SQL thread
 * only and applies UNTIL the primary's own binlog coordinates: it keeps receiving, and the
 * primary does no work at all. A replica further down a chain needs the GTID position (the
 * primary converts its coordinates once per sync point, a scan of its binlog file) and, on
 * MariaDB, stops and restarts receiving too.
 * A replica is paused for about its lag; the primary only carries K read views.
 * Before step 1 a hold marker names the replicas about to be stopped, so that a run killed before
 * step 4 is undone by the next run (restore-held.ts); it is removed once all of them run again.
 */
import { comparePositions, formatPosition, hasReached, matchesOnDomains, type Position } from '../../engine/position.js';
import { messageOf, SyncpointError } from '../../errors.js';
import type { EpochContext, EpochReplica, EpochResult } from './epoch.js';
import { removeHoldMarker, rewriteHoldMarker, writeHoldMarker, type FoundMarker, type HeldReplica } from './hold-marker.js';
import { StopReadiness } from './stop-readiness.js';

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
  /** Replicas of the primary itself: they stop at its binlog coordinates. */
  const direct = new Set<EpochReplica>();
  const primaryId = await primary.engine.replication.serverId(primary.control);
  await Promise.all(
    replicas.map(async (r) => {
      try {
        const st = await readyToStop(r, ctx);
        if (!st) throw new Error('is no longer a replica');
        if (st.lastError) throw new Error(`replication error: ${st.lastError}`);
        if (!st.applying || !st.receiving) throw new Error('replication is not running (stopped by someone else?)');
        if (primaryId !== null && st.sourceServerId === primaryId && st.executedAtSource?.kind === 'binlog-file-pos') direct.add(r);
        toHold.push(r);
        held.push({ label: r.label, receiving: st.receiving, applying: st.applying });
      } catch (err) {
        failed.set(r.label, `sync point failed: ${messageOf(err)}`);
      }
    }),
  );
  // Told to stop while looking: nothing is held yet, nothing to stop.
  stopIfAborted(ctx.signal);
  let marker: FoundMarker | null = null;
  try {
    if (held.length > 0) marker = writeHoldMarker(held, ctx.holdsDir);
  } catch (err) {
    log.warn(`could not write the hold marker (${messageOf(err)}): if this run is killed while replicas are held, restart them by hand`);
  }
  const pauseStart = Date.now();
  const notRestored = new Set<string>();
  const restarted = new Set<EpochReplica>();
  // Each replica runs again as soon as its own snapshots are open, not once every replica's are:
  // one slow to reach the position (a replicated ALTER, lag) holds only itself.
  const restart = async (r: EpochReplica) => {
    if (restarted.has(r)) return;
    restarted.add(r);
    try {
      await r.engine.replication.startApply(r.control);
    } catch (err) {
      notRestored.add(r.label);
      log.error({ replica: r.label }, `could not restart replication apply: ${messageOf(err)}; run START SLAVE on it (the next run retries from the hold marker)`);
      failed.set(r.label, `replication apply left stopped: ${messageOf(err)}`);
    }
    maxPause = Math.max(maxPause, Date.now() - pauseStart);
  };
  try {
    await Promise.all(
      toHold.map(async (r) => {
        try {
          toRestart.push(r);
          await r.engine.replication.stopApply(r.control, direct.has(r) ? 'binlog-file-pos' : undefined);
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
    // Replicas only move forward: lanes are visited in position order. Lanes whose snapshots
    // share a position (nearly always all of them) are one stop: the replica, stopped there,
    // opens their snapshots together, not one after another with a status read between.
    const order = positions.map((_, k) => k).sort((a, b) => (hasReached(positions[a]!, positions[b]!) ? (hasReached(positions[b]!, positions[a]!) ? 0 : 1) : -1));
    const stops: number[][] = [];
    for (const k of order) {
      const last = stops[stops.length - 1];
      const p = last ? positions[last[0]!]! : null;
      if (last && p && hasReached(p, positions[k]!) && hasReached(positions[k]!, p)) last.push(k);
      else stops.push([k]);
    }
    // GTID targets for replicas down a chain, converted once per distinct position, only if needed.
    const gtids = new Map<number, Promise<Position>>();
    const gtidOf = (k: number) => {
      let p = gtids.get(k);
      if (!p) gtids.set(k, (p = primary.engine.replication.gtidOf(primary.control, positions[k]!)));
      return p;
    };
    await Promise.all(
      stopped.map(async (r) => {
        try {
          for (const lanes of stops) {
            const k = lanes[0]!;
            const snapshots = () => Promise.all(lanes.map((j) => r.engine.replication.beginSnapshot(r.sessions[j]!)));
            if (direct.has(r)) {
              await applyUntilSourcePos(r, positions[k]!, ctx.syncTimeoutMs, () => gtidOf(k), ctx.signal);
              await snapshots();
              continue;
            }
            const target = await gtidOf(k);
            const before = await r.engine.replication.replicaStatus(r.control);
            if (before?.executed && before.executed.kind !== target.kind) {
              // MariaDB refuses a GTID UNTIL on a replica set up with MASTER_USE_GTID=no (error 1949).
              throw new Error(`replicates by ${before.executed.kind} (not GTID): replica-until needs GTID replication; use --sync-method primary-lock`);
            }
            if (!before?.executed || !matchesOnDomains(before.executed, target)) {
              stopIfAborted(ctx.signal);
              await r.engine.replication.startApplyUntil(r.control, target);
              const reached = await r.engine.replication.waitApplied(r.control, target, ctx.syncTimeoutMs, ctx.signal);
              if (!reached) throw new Error(`did not reach ${formatPosition(target)} within ${Math.round(ctx.syncTimeoutMs / 1000)}s (lagging or stuck replication)`);
              if (!(await r.engine.replication.waitApplyStopped(r.control, ctx.syncTimeoutMs, ctx.signal))) {
                throw new Error(`apply did not stop at ${formatPosition(target)}`);
              }
              const after = await r.engine.replication.replicaStatus(r.control);
              if (!after?.executed || !matchesOnDomains(after.executed, target)) {
                throw new Error(`stopped at ${after?.executed ? formatPosition(after.executed) : 'an unknown position'} instead of ${formatPosition(target)}`);
              }
              if (after.lastError) throw new Error(`replication error: ${after.lastError}`);
            }
            await snapshots();
          }
        } catch (err) {
          failed.set(r.label, `sync point failed: ${messageOf(err)}`);
        }
        await restart(r);
      }),
    );
  } finally {
    // Restore replication before anything else can go wrong: a replica we stopped must run again.
    await Promise.all(toRestart.map(restart));
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
  // Told to stop while waiting: the replicas run again (above); the run ends as interrupted,
  // not with replicas reported as having left it. One that could not be restarted is reported
  // (failed: "replication apply left stopped"), the run stopping at its next lane.
  if (ctx.signal?.aborted && notRestored.size === 0) throw new SyncpointError('interrupted', 'interrupted');
  return { positions, failed, lockMs: 0, replicaPauseMs: maxPause };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const stopIfAborted = (signal: AbortSignal | undefined) => {
  if (signal?.aborted) throw new SyncpointError('interrupted', 'interrupted');
};

/** Control sessions already warned that their replication threads cannot be seen: once each. */
const unseenWarned = new WeakSet<object>();

/** A direct replica's coordinates unchanged this long, short of the target: ask its GTID position. */
const STALL_MS = 200;

/**
 * The replica's status, once STOP would not wait (stop-readiness.ts: its apply threads neither
 * wait for a lock held on the replica nor are inside a long statement); throws the reason to
 * leave it out when that lasts.
 */
async function readyToStop(r: EpochReplica, ctx: EpochContext) {
  const readiness = new StopReadiness(ctx);
  for (;;) {
    stopIfAborted(ctx.signal);
    const st = await r.engine.replication.replicaStatus(r.control);
    // With parallel replication the SQL thread reads on ("has read all relay log") while a worker
    // waits or applies: the workers count as much as the SQL thread itself.
    const threads = st?.applying ? ((await r.engine.replication.applyThreads?.(r.control)) ?? []) : [];
    if (st?.applying && threads.length === 0 && r.engine.replication.applyThreads && !unseenWarned.has(r.control)) {
      // A running replica always lists its replication threads, to an account with PROCESS.
      unseenWarned.add(r.control);
      ctx.log.warn({ replica: r.label }, 'cannot see its replication threads (no PROCESS privilege): a sync point cannot tell whether STOP SLAVE would wait for a lock or a long replicated statement there, and may wait with the other replicas held');
    }
    const verdict = readiness.look(st?.applying ? (st.applyState ?? null) : null, threads, Date.now());
    if (verdict === 'ready') return st;
    if (verdict !== 'wait') throw new Error(verdict.leaveOut);
    await sleep(50);
  }
}

/**
 * A direct replica, its SQL thread stopped: apply exactly up to `target`, the primary's binlog
 * coordinates, and leave the SQL thread stopped there. UNTIL stops it at the first event at or
 * past the target; an idle primary may have nothing after it, so a replica found exactly at the
 * target while still running is stopped by hand and checked again.
 * A MariaDB GTID replica is also at the target when its gtid_slave_pos equals the target's GTID
 * position (`targetGtid`) on every domain: with parallel replication over several domains, a
 * restart of the SQL thread sets Exec_Master_Log_Pos back to where the slowest domain stood, and
 * the events it then skips (applied already) do not move it, so on a quiet primary the binlog
 * coordinates would never come back to the target.
 */
async function applyUntilSourcePos(r: EpochReplica, target: Position, timeoutMs: number, targetGtid: () => Promise<Position>, signal: AbortSignal | undefined): Promise<void> {
  const repl = r.engine.replication;
  const at = (st: { executedAtSource: Position | null } | null) => (st?.executedAtSource ? comparePositions(st.executedAtSource, target) : null);
  // The GTID test costs the primary a scan of its binlog file (BINLOG_GTID_POS): only asked for
  // where the coordinates cannot tell, a replica stopped or stalled short of the target.
  const atByGtid = async (st: { executedAtSource: Position | null; executed: Position | null } | null) =>
    at(st) !== 'after' && st?.executed?.kind === 'mariadb-gtid' && matchesOnDomains(st.executed, await targetGtid());
  const before = await repl.replicaStatus(r.control);
  if (at(before) === 'equal') return;
  if (at(before) === 'after') throw new Error(`already past ${formatPosition(target)} (at ${formatPosition(before!.executedAtSource!)})`);
  stopIfAborted(signal);
  await repl.startApplyUntil(r.control, target);
  const deadline = Date.now() + timeoutMs;
  let last = before?.executedAtSource ? formatPosition(before.executedAtSource) : '';
  let stalledSince = Date.now();
  for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
    const st = await repl.replicaStatus(r.control);
    if (!st) throw new Error('is no longer a replica');
    if (st.lastError) throw new Error(`replication error: ${st.lastError}`);
    const now = st.executedAtSource ? formatPosition(st.executedAtSource) : '';
    if (now !== last) [last, stalledSince] = [now, Date.now()];
    const stalled = Date.now() - stalledSince >= STALL_MS;
    if (!st.applying || at(st) === 'equal' || (stalled && (await atByGtid(st)))) {
      if (st.applying) await repl.stopApply(r.control, 'binlog-file-pos');
      const after = st.applying ? await repl.replicaStatus(r.control) : st;
      if (at(after) !== 'equal' && !(await atByGtid(after))) {
        throw new Error(`stopped at ${after?.executedAtSource ? formatPosition(after.executedAtSource) : 'an unknown position'} instead of ${formatPosition(target)}`);
      }
      return;
    }
    if (Date.now() >= deadline) throw new Error(`did not reach ${formatPosition(target)} within ${Math.round(timeoutMs / 1000)}s (lagging or stuck replication)`);
    stopIfAborted(signal);
    await sleep(wait);
  }
}

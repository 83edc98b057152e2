/**
 * Undo what a killed run left behind: replicas it had stopped for a sync point (see
 * hold-marker.ts). Runs at the start of every check and counts, before anything is held again.
 */
import type { Logger } from 'pino';
import type { Engine, Session } from '../../engine/engine.js';
import { messageOf } from '../../errors.js';
import { holdsDir, orphanedHoldMarkers, rewriteHoldMarker, type HeldReplica } from './hold-marker.js';

/** A replica of the run; one without a connection (or unusable) is not acted on, only named. */
export interface ReachableReplica {
  readonly label: string;
  readonly engine: Engine | null;
  readonly control: Session | null;
  readonly error?: string | null;
}

/** How long a restarted replica gets to show both threads running. */
const RESTART_CHECK_MS = 5_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Restores replicas named by markers of dead runs; returns one note per replica acted on or left
 * alone for a reason. A replica is started again only when it was running before the hold, is
 * not running now, and shows no replication error (an error is for a human to read first).
 */
export async function restoreOrphanedHolds(replicas: readonly ReachableReplica[], log: Logger, dir = holdsDir()): Promise<string[]> {
  const notes: string[] = [];
  for (const found of orphanedHoldMarkers(dir)) {
    const { marker } = found;
    const owner = `a syncpoint run (pid ${marker.pid}, started ${marker.createdAt}) that ended without restoring them`;
    const left: HeldReplica[] = [];
    for (const held of marker.replicas) {
      const node = replicas.find((x) => x.label === held.label && !x.error && x.engine && x.control);
      const r = node ? { label: node.label, engine: node.engine!, control: node.control! } : null;
      if (!r) {
        log.warn({ replica: held.label, marker: found.path }, `replica was held stopped by ${owner}; it is not part of this run, so it is not checked: look at it (START SLAVE if it should run)`);
        left.push(held);
        continue;
      }
      try {
        const note = await restoreOne(r, held);
        if (note) {
          log.warn({ replica: held.label }, `${note} (held by ${owner})`);
          notes.push(`${held.label}: ${note} (held by ${owner})`);
        }
      } catch (err) {
        log.error({ replica: held.label }, `could not restore a replica held by ${owner}: ${messageOf(err)}`);
        notes.push(`${held.label}: could not restore replication left stopped by ${owner}: ${messageOf(err)}`);
        left.push(held);
      }
    }
    rewriteHoldMarker(found, left);
  }
  return notes;
}

async function restoreOne(r: { readonly engine: Engine; readonly control: Session }, held: HeldReplica): Promise<string | null> {
  const repl = r.engine.replication;
  const st = await repl.replicaStatus(r.control);
  if (!st) return 'left stopped by a killed run, but it is no longer a replica: nothing restored';
  // Running, but still under the sync point's UNTIL: it would stop by itself at that position.
  if (st.receiving && st.applying && !st.applyUntil) return null;
  if (!(held.receiving && held.applying)) return 'replication was not fully running before the killed run held it: left as it is';
  if (st.lastError) return `replication left stopped by a killed run shows an error, not restarted: ${st.lastError}`;
  await repl.startApply(r.control);
  const deadline = Date.now() + RESTART_CHECK_MS;
  for (;;) {
    const now = await repl.replicaStatus(r.control);
    if (now?.lastError) throw new Error(`restarted, then replication failed: ${now.lastError}`);
    if (now?.applying && now.receiving && !now.applyUntil) {
      return st.applying ? `replication left running UNTIL ${st.applyUntil} by a killed run was restarted without it` : 'replication left stopped by a killed run was restarted';
    }
    if (Date.now() > deadline) throw new Error(`restarted, but replication threads are still not both running after ${RESTART_CHECK_MS / 1000}s`);
    await sleep(100);
  }
}

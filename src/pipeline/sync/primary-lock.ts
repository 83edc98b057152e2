/**
 * Sync method 'primary-lock' (PostgreSQL, MySQL): lock the checked tables against writes on the
 * primary (readers go on), read the position that covers every committed write to them, open the
 * primary lane snapshots, wait until each replica has applied that position and open its
 * snapshots, then release the lock. While the lock is held no write to these tables can happen,
 * so every snapshot agrees on them. The lock is held for about the replicas' apply delay, never
 * longer than maxLockMs: a replica that cannot keep up within it is left out of this epoch.
 */
import { messageOf, SyncpointError } from '../../errors.js';
import type { EpochContext, EpochResult } from './epoch.js';

export async function syncPrimaryLock(ctx: EpochContext): Promise<EpochResult> {
  const { primary, replicas, log } = ctx;
  const failed = new Map<string, string>();
  const repl = primary.engine.replication;
  let attempt = 0;
  let position;
  for (;;) {
    try {
      position = await repl.lockTablesForSync(primary.control, ctx.tables, ctx.lockWaitMs);
      break;
    } catch (err) {
      await repl.endSnapshot(primary.control).catch(() => undefined);
      if (err instanceof SyncpointError && err.kind === 'timeout' && ++attempt < ctx.lockRetries) {
        log.debug(`table lock wait timed out on the primary, retry ${attempt}`);
        await new Promise((r) => setTimeout(r, 200 * attempt));
        continue;
      }
      throw err;
    }
  }
  const lockedAt = Date.now();
  try {
    if (primary.engine.caps.sharedSnapshots) {
      const id = await repl.exportSnapshot(primary.control);
      for (const s of primary.sessions) await repl.importSnapshot(s, id);
    } else {
      for (const s of primary.sessions) await repl.beginSnapshot(s);
    }
    await Promise.all(
      replicas.map(async (r) => {
        try {
          const budget = Math.max(1, ctx.maxLockMs - (Date.now() - lockedAt));
          const ok = await r.engine.replication.waitApplied(r.control, position, budget);
          if (!ok) throw new Error(`did not apply the sync position within the lock bound (${ctx.maxLockMs} ms): lagging`);
          for (const s of r.sessions) await r.engine.replication.beginSnapshot(s);
        } catch (err) {
          failed.set(r.label, `sync point failed: ${messageOf(err)}`);
          for (const s of r.sessions) await r.engine.replication.endSnapshot(s).catch(() => undefined);
        }
      }),
    );
  } finally {
    await repl.endSnapshot(primary.control).catch((err) => log.error(`could not release the sync lock: ${messageOf(err)}`));
  }
  const lockMs = Date.now() - lockedAt;
  return { positions: primary.sessions.map(() => position), failed, lockMs, replicaPauseMs: 0 };
}

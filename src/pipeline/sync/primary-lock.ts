/**
 * Sync method 'primary-lock' (PostgreSQL, MySQL): lock the checked tables against writes on the
 * primary (readers go on), read the position that covers every committed write to them, open the
 * primary lane snapshots, wait until each replica has applied that position and open its
 * snapshots, then release the lock. While the lock is held no write to these tables can happen,
 * so every snapshot agrees on them. The lock is held for about the replicas' apply delay, never
 * longer than maxLockMs: a replica that cannot keep up within it is left out of this epoch.
 * A table whose lock is not granted in lockRetries bounded waits (an application transaction
 * holds a conflicting lock) is left out of the epoch and reported in `blocked`; its writers never
 * queue behind our pending lock for more than lockWaitMs at a time.
 */
import { messageOf, SyncpointError } from '../../errors.js';
import type { BlockedTable, EpochContext, EpochResult } from './epoch.js';
import { tableChangedReason } from '../checksum/table-changed.js';
import { sourceMismatch } from './source-check.js';

export async function syncPrimaryLock(ctx: EpochContext): Promise<EpochResult> {
  const { primary, replicas, log } = ctx;
  const failed = new Map<string, string>();
  const repl = primary.engine.replication;
  const blocked = new Map<string, BlockedTable>();
  let tables = ctx.tables;
  let attempt = 0;
  let position;
  for (;;) {
    try {
      // A lane session is idle until it imports the snapshot: the engine may use it meanwhile.
      position = await repl.lockTablesForSync(primary.control, tables, ctx.lockWaitMs, primary.sessions[0]);
      break;
    } catch (err) {
      await repl.endSnapshot(primary.control).catch(() => undefined);
      const timedOut = err instanceof SyncpointError && err.kind === 'timeout';
      if (!timedOut && !tableChangedReason(err)) throw err;
      if (timedOut && ++attempt < ctx.lockRetries) {
        log.debug(`table lock wait timed out on the primary, retry ${attempt}`);
        await new Promise((r) => setTimeout(r, 200 * attempt));
        continue;
      }
      // Something holds a conflicting lock (an open transaction that wrote, a DDL), or a table is
      // gone: find which, one lock attempt each (same bounded wait), and sync without them.
      const inWay = await tablesInTheWay(ctx, tables, err);
      if (inWay.size === 0) throw err;
      for (const [name, why] of inWay) blocked.set(name, why);
      log.warn({ tables: [...inWay.keys()] }, `this sync point leaves out table(s) it could not lock: ${[...inWay.values()].map((b) => b.reason).join('; ')}`);
      tables = tables.filter((t) => !blocked.has(t.qualified));
      attempt = 0;
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
          const mismatch = await sourceMismatch(primary.engine, primary.control, r.engine, r.control, position);
          if (mismatch) throw new Error(mismatch);
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
  return { positions: primary.sessions.map(() => position), failed, lockMs, replicaPauseMs: 0, blocked };
}

async function tablesInTheWay(ctx: EpochContext, tables: EpochContext['tables'], whole: unknown): Promise<Map<string, BlockedTable>> {
  const repl = ctx.primary.engine.replication;
  const out = new Map<string, BlockedTable>();
  const lockedReason = `lock not granted within --lock-wait-timeout (${ctx.lockWaitMs / 1000}s) in ${ctx.lockRetries} attempts`;
  for (const t of tables) {
    try {
      // One table alone that already failed as the whole set: no need to ask again.
      if (tables.length > 1) await repl.lockTablesForSync(ctx.primary.control, [t], ctx.lockWaitMs);
      else throw whole;
    } catch (err) {
      const changed = tableChangedReason(err);
      if (changed) out.set(t.qualified, { kind: 'changed', reason: changed });
      else if (err instanceof SyncpointError && err.kind === 'timeout') out.set(t.qualified, { kind: 'locked', reason: lockedReason });
      else throw err;
    } finally {
      await repl.endSnapshot(ctx.primary.control).catch(() => undefined);
    }
  }
  return out;
}

/**
 * Hands out lanes and renews them. An epoch lives at most maxSnapshotAgeMs (snapshots hold
 * read views and metadata locks on the primary: DDL would wait behind them), then in-flight
 * chunks finish and a new synchronized point is taken. refresh() forces a new point (rechecks).
 * Before each point, replicas lagging over maxLagSeconds are waited for (the run pauses), and
 * sessions lost since the last one are reconnected (the chunk that saw the loss is retried).
 */
import type { Logger } from 'pino';
import type { Session } from '../../engine/engine.js';
import type { SyncMethod } from '../../engine/capabilities.js';
import type { TableInfo } from '../../engine/types.js';
import { messageOf, SyncpointError } from '../../errors.js';
import type { PrimaryNode, ReplicaNode } from '../topology/topology.js';
import type { BlockedTable, EpochContext, EpochReplica, EpochResult } from './epoch.js';
import type { Lane, SyncStats } from './lane.js';
import { syncPrimaryLock } from './primary-lock.js';
import { syncReplicaUntil } from './replica-until.js';

export interface SyncOptions {
  readonly lanes: number;
  readonly method?: SyncMethod;
  readonly maxSnapshotAgeMs: number;
  readonly lockWaitMs: number;
  readonly maxLockMs: number;
  readonly syncTimeoutMs: number;
  readonly maxLagSeconds: number;
  readonly lagWaitMs: number;
  readonly tables: readonly TableInfo[];
  readonly log: Logger;
  readonly signal?: AbortSignal;
  /** Hold markers' directory (replica-until); default: the state dir's holds/. */
  readonly holdsDir?: string;
}

/** The run options a sync manager follows, as check, counts and diff name them. */
export interface SyncSettings
  extends Pick<SyncOptions, 'maxSnapshotAgeMs' | 'lockWaitMs' | 'maxLockMs' | 'syncTimeoutMs' | 'maxLagSeconds' | 'lagWaitMs' | 'signal'> {
  readonly concurrency: number;
  readonly syncMethod?: SyncMethod;
}

export function syncOptionsFor(o: SyncSettings, tables: readonly TableInfo[], log: Logger): SyncOptions {
  return {
    lanes: o.concurrency,
    ...(o.syncMethod ? { method: o.syncMethod } : {}),
    maxSnapshotAgeMs: o.maxSnapshotAgeMs,
    lockWaitMs: o.lockWaitMs,
    maxLockMs: o.maxLockMs,
    syncTimeoutMs: o.syncTimeoutMs,
    maxLagSeconds: o.maxLagSeconds,
    lagWaitMs: o.lagWaitMs,
    tables,
    log,
    ...(o.signal ? { signal: o.signal } : {}),
  };
}

/** How long a replica's threads may be seen stopped without an error before it counts as down. */
const NOT_RUNNING_GRACE_MS = 5_000;

interface ReplicaSlot {
  readonly node: ReplicaNode;
  sessions: Session[] | null;
}

export class SyncManager {
  readonly method: SyncMethod;
  readonly stats: SyncStats = { epochs: 0, maxLockMs: 0, maxReplicaPauseMs: 0, syncMs: 0 };
  /** Replicas out of the run, with why. */
  readonly failedReplicas = new Map<string, string>();

  private primarySessions: Session[] = [];
  /** The primary session that takes sync locks (primary-lock); replaced like a lane's when lost. */
  private lockSession: Session | null = null;
  private readonly slots: ReplicaSlot[];
  private epoch = 0;
  private epochStartedAt = 0;
  private free: Lane[] = [];
  private busy = 0;
  private forced = false;
  private renewing: Promise<void> | null = null;
  /** Ends idle snapshots once they are due (see release()). */
  private idleTimer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;
  private fatal: unknown = null;
  private waiters: (() => void)[] = [];
  private closed = false;
  /** Tables no longer locked for sync points (given up on, or gone): qualified names. */
  private readonly dropped = new Set<string>();
  /**
   * primary-lock locks the tables still to check: not the finished ones (their writers need not
   * wait), and a table some sync point could not lock only while its own chunks are asking
   * (else its conflicting lock would cost every later sync point a lock wait).
   */
  private readonly active = new Set<string>();
  private readonly finished = new Set<string>();
  private readonly everBlocked = new Set<string>();
  /** Tables the current epoch locked (null: the method locks nothing, every table is covered). */
  private covered: ReadonlySet<string> | null = null;
  private blockedNow: ReadonlyMap<string, BlockedTable> = new Map();

  constructor(
    private readonly primary: PrimaryNode,
    replicas: readonly ReplicaNode[],
    private readonly o: SyncOptions,
  ) {
    const supported = primary.engine.caps.syncMethods;
    const method = o.method ?? supported[0];
    if (!method || !supported.includes(method)) {
      throw new SyncpointError('usage', `sync method "${o.method}" is not supported by ${primary.engine.flavor} (supported: ${supported.join(', ')})`);
    }
    this.method = method;
    this.slots = replicas.filter((r) => !r.error).map((node) => ({ node, sessions: null }));
  }

  /** Labels of replicas still in the run. */
  activeReplicas(): string[] {
    return this.slots.filter((s) => !this.failedReplicas.has(s.node.label)).map((s) => s.node.label);
  }

  markReplicaFailed(label: string, reason: string): void {
    if (!this.failedReplicas.has(label)) {
      this.o.log.warn({ replica: label }, `replica left the run: ${reason}`);
      this.failedReplicas.set(label, reason);
    }
  }

  /**
   * The next free lane of a current epoch; renews the epoch when it is due, or when `table` is
   * not covered by the current one (primary-lock: the epoch did not lock it).
   */
  async acquire(table?: string): Promise<Lane> {
    if (table !== undefined) {
      this.active.add(table);
      this.finished.delete(table);
    }
    this.clearIdleTimer();
    if (this.draining) await this.draining;
    for (;;) {
      if (this.fatal) throw this.fatal;
      if (this.o.signal?.aborted) throw new SyncpointError('interrupted', 'interrupted');
      if (this.closed) throw new Error('sync manager closed');
      // A table given up on is in no sync point: asking for one that covers it would renew forever.
      if (table !== undefined && this.epoch > 0 && this.covered && !this.covered.has(table) && !this.blockedNow.has(table) && !this.dropped.has(table)) this.forced = true;
      const due = this.epoch === 0 || this.forced || Date.now() - this.epochStartedAt > this.o.maxSnapshotAgeMs;
      if (!due && this.free.length > 0) {
        this.busy++;
        return this.free.pop()!;
      }
      if (due && this.busy === 0 && !this.renewing) {
        this.renewing = this.renew()
          .catch((err) => {
            this.fatal = err;
          })
          .finally(() => {
            this.renewing = null;
            this.wake();
          });
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  release(lane: Lane): void {
    this.busy--;
    if (lane.epoch === this.epoch) this.free.push(lane);
    this.wake();
    if (this.busy === 0 && !this.renewing && !this.closed) this.scheduleIdleDrain();
  }

  /**
   * No lane in use: once the epoch is due, end its snapshots now rather than at the next
   * acquire(). Snapshots hold metadata locks (MariaDB) and ACCESS SHARE locks (PostgreSQL); a DDL
   * queued behind them blocks every new statement on the table, a chunk boundary read too, and a
   * worker waiting for that boundary would never come back to acquire() and renew: each side
   * would wait for the other until a lock wait gave up.
   */
  private scheduleIdleDrain(): void {
    this.clearIdleTimer();
    if (this.epoch === 0) return;
    const left = this.epochStartedAt + this.o.maxSnapshotAgeMs - Date.now();
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.busy > 0 || this.renewing || this.draining || this.closed) return;
      this.forced = true;
      this.free = [];
      this.draining = this.endSnapshots()
        .catch(() => undefined)
        .finally(() => {
          this.draining = null;
          this.wake();
        });
    }, Math.max(0, left));
    this.idleTimer.unref();
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  /** Make the next acquire() wait for a fresh synchronized point. */
  refresh(): void {
    this.forced = true;
  }

  /** True once `qualified` was given up on (dropTable): no sync point holds it any more. */
  isDropped(qualified: string): boolean {
    return this.dropped.has(qualified);
  }

  /** Stop locking `qualified` for sync points (it is skipped, dropped or renamed). */
  dropTable(qualified: string): void {
    this.dropped.add(qualified);
    this.active.delete(qualified);
  }

  /** No more chunks of `qualified` for now: later sync points need not lock it. */
  deactivate(qualified: string): void {
    this.active.delete(qualified);
    this.finished.add(qualified);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private async renew(): Promise<void> {
    const started = Date.now();
    this.free = [];
    await this.endSnapshots();
    // A lane session that was lost (KILL, pg_terminate_backend, a network blip) is replaced: the
    // chunk it was running is retried at this new sync point. Failing to reconnect to the primary ends the run.
    // Sessions open on every server at once (at the first sync point that is every lane's).
    const primaryReady = async (): Promise<void> => {
      await Promise.all(
        Array.from({ length: this.o.lanes }, async (_, i) => {
          const s = this.primarySessions[i];
          if (s && !s.closed) return;
          if (s) {
            this.o.log.warn({ server: this.primary.label }, 'a primary session was lost: reconnecting');
            await s.close();
          }
          this.primarySessions[i] = await this.primary.engine.session();
        }),
      );
      if (this.method === 'primary-lock' && (!this.lockSession || this.lockSession.closed)) {
        if (this.lockSession) {
          this.o.log.warn({ server: this.primary.label }, 'the primary lock session was lost: reconnecting');
          await this.lockSession.close();
        }
        this.lockSession = await this.primary.engine.session();
      }
    };
    const replicasReady = Promise.all(
      this.slots.map(async (slot): Promise<EpochReplica | null> => {
        const label = slot.node.label;
        if (this.failedReplicas.has(label)) return null;
        try {
          if (slot.sessions?.some((s) => s.closed)) {
            this.o.log.warn({ replica: label }, 'a replica session was lost: reconnecting');
            await Promise.all(slot.sessions.map((s) => s.close()));
            slot.sessions = null;
          }
          // Missing lane sessions open while the lag is read (a few round trips each, in series
          // otherwise); a replica that fails either way leaves the run, and close() ends its sessions.
          const open = slot.sessions
            ? null
            : openAll(this.o.lanes, () => slot.node.engine!.session()).then((s) => {
                slot.sessions = s;
              });
          await Promise.all([this.waitForLag(slot.node), open]);
          return { label, engine: slot.node.engine!, control: slot.node.control!, sessions: slot.sessions! };
        } catch (err) {
          this.markReplicaFailed(label, messageOf(err));
          return null;
        }
      }),
    );
    const [, slotsReady] = await Promise.all([primaryReady(), replicasReady]);
    const ready = slotsReady.filter((r): r is EpochReplica => r !== null);
    if (ready.length === 0) throw new SyncpointError('connection', `no replica left to compare with (${[...this.failedReplicas].map(([l, r]) => `${l}: ${r}`).join('; ')})`);
    const tables = this.o.tables.filter((t) => {
      const q = t.qualified;
      return !this.dropped.has(q) && !this.finished.has(q) && (!this.everBlocked.has(q) || this.active.has(q));
    });
    const ctx: EpochContext = {
      primary: { label: this.primary.label, engine: this.primary.engine, control: this.lockSession ?? this.primary.control, sessions: this.primarySessions },
      replicas: ready,
      tables,
      ...(this.o.holdsDir ? { holdsDir: this.o.holdsDir } : {}),
      lockWaitMs: this.o.lockWaitMs,
      // A table that was in the way before is likely still: its writers get one bounded wait, not five.
      lockRetries: tables.some((t) => this.everBlocked.has(t.qualified)) ? 1 : 5,
      maxLockMs: this.o.maxLockMs,
      syncTimeoutMs: this.o.syncTimeoutMs,
      ...(this.o.signal ? { signal: this.o.signal } : {}),
      log: this.o.log,
    };
    const res: EpochResult = this.method === 'replica-until' ? await syncReplicaUntil(ctx) : await syncPrimaryLock(ctx);
    for (const [label, reason] of res.failed) this.markReplicaFailed(label, reason);
    this.epoch++;
    this.epochStartedAt = Date.now();
    this.forced = false;
    const synced = ready.filter((r) => !res.failed.has(r.label));
    const blocked: ReadonlyMap<string, BlockedTable> = res.blocked ?? new Map();
    this.blockedNow = blocked;
    for (const q of blocked.keys()) this.everBlocked.add(q);
    this.covered = this.method === 'primary-lock' ? new Set(ctx.tables.map((t) => t.qualified).filter((q) => !blocked.has(q))) : null;
    this.free = res.positions.map((position, index) => ({
      blocked,
      index,
      epoch: this.epoch,
      position,
      primary: this.primarySessions[index]!,
      replicas: new Map(synced.map((r) => [r.label, r.sessions[index]!])),
    }));
    this.stats.epochs++;
    this.stats.maxLockMs = Math.max(this.stats.maxLockMs, res.lockMs);
    this.stats.maxReplicaPauseMs = Math.max(this.stats.maxReplicaPauseMs, res.replicaPauseMs);
    this.stats.syncMs += Date.now() - started;
    this.o.log.debug({ epoch: this.epoch, ms: Date.now() - started, replicas: synced.map((r) => r.label) }, 'sync point established');
    if (synced.length === 0) throw new SyncpointError('connection', `no replica could be synchronized (${[...res.failed].map(([l, r]) => `${l}: ${r}`).join('; ')})`);
  }

  /**
   * Pause while a replica lags more than --max-lag; give up after lagWaitMs. A replica whose
   * threads are not running gets a short grace (we may have just restarted them ourselves, and
   * the IO thread takes a moment to reconnect); a replication error fails it at once.
   */
  private async waitForLag(node: ReplicaNode): Promise<void> {
    const started = Date.now();
    let said = false;
    for (;;) {
      const st = await node.engine!.replication.replicaStatus(node.control!);
      if (!st) throw new Error('is no longer a replica');
      if (st.lastError) throw new Error(`replication error: ${st.lastError}`);
      const running = st.applying && st.receiving;
      if (running && (st.lagSeconds === null || st.lagSeconds <= this.o.maxLagSeconds)) return;
      if (!running && Date.now() - started > NOT_RUNNING_GRACE_MS) {
        throw new Error(`replication is not running${st.paused ? ' (replay paused)' : ''}`);
      }
      if (running && Date.now() - started > this.o.lagWaitMs) {
        throw new Error(`lagging ${st.lagSeconds}s behind (over --max-lag ${this.o.maxLagSeconds}s for ${Math.round(this.o.lagWaitMs / 1000)}s)`);
      }
      if (running && !said) {
        this.o.log.info({ replica: node.label, lag: st.lagSeconds }, 'replica lagging over --max-lag: pausing');
        said = true;
      }
      if (this.o.signal?.aborted) throw new SyncpointError('interrupted', 'interrupted');
      await new Promise((r) => setTimeout(r, running ? 500 : 100));
    }
  }

  private async endSnapshots(): Promise<void> {
    const all: { label: string; s: Session; end: (s: Session) => Promise<void> }[] = [];
    for (const s of this.primarySessions) all.push({ label: this.primary.label, s, end: (x) => this.primary.engine.replication.endSnapshot(x) });
    for (const slot of this.slots) {
      for (const s of slot.sessions ?? []) all.push({ label: slot.node.label, s, end: (x) => slot.node.engine!.replication.endSnapshot(x) });
    }
    // A closed session is reopened by renew(); whether its server is still there decides then.
    await Promise.all(
      all.map(async ({ label, s, end }) => {
        if (s.closed) return;
        try {
          await end(s);
        } catch (err) {
          this.o.log.debug({ server: label }, `could not end a snapshot (${messageOf(err)}): the session is replaced`);
          await s.close();
        }
      }),
    );
  }

  /** End every snapshot and close the lane sessions. */
  async close(): Promise<void> {
    this.closed = true;
    this.clearIdleTimer();
    if (this.draining) await this.draining;
    this.wake();
    await this.endSnapshots().catch(() => undefined);
    await Promise.all([...this.primarySessions, ...(this.lockSession ? [this.lockSession] : []), ...this.slots.flatMap((s) => s.sessions ?? [])].map((s) => s.close()));
  }
}

/** `n` sessions opened at once; when one fails the others are closed and the first error thrown. */
async function openAll(n: number, open: () => Promise<Session>): Promise<Session[]> {
  const got = await Promise.allSettled(Array.from({ length: n }, open));
  const failed = got.find((g): g is PromiseRejectedResult => g.status === 'rejected');
  const sessions = got.flatMap((g) => (g.status === 'fulfilled' ? [g.value] : []));
  if (!failed) return sessions;
  await Promise.all(sessions.map((s) => s.close()));
  throw failed.reason;
}

/**
 * PostgreSQL: the source is a physical standby. Its copy is already "at the recorded position":
 * WAL replay continues from the copied pg_control and pg_wal, so the target needs only
 * standby.signal, its own primary_conninfo (application_name), its own slot and port.
 */
import { readFile, readdir, realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { withHostPort, type ConnectionSpec } from '../../config/dsn.js';
import { SyncpointError } from '../../errors.js';
import type { Engine, Session } from '../../engine/engine.js';
import { formatPosition } from '../../engine/position.js';
import {
  autoConfLines,
  checkpointTimeline,
  conninfoWith,
  copyPhysicalSlot,
  dropSlot,
  formatConninfo,
  parseConninfo,
  POSTGRES_COPY_EXCLUDES,
  POSTGRES_RESTORE_SQL,
  readReplayPosition,
  readStandbyFacts,
  resumeReplay,
  slotExists,
  validSlotName,
  createPhysicalSlot,
  type PgStandbyFacts,
} from '../../engine/postgres/postgres-clone.js';
import type { CloneContext } from '../context.js';
import { removeIfPresent, writeOwnedFile } from '../datadir.js';
import { processAlive, readPidFile } from '../server-process.js';
import { pollUntil, signalServer, stopServer } from '../server-control.js';
import type { RecordedPosition } from '../types.js';
import { connectFor, withSession, type CloneAdapter, type OutsideDir, type StepLines } from './adapter.js';

const major = (versionNum: number) => Math.floor(versionNum / 10000);

export class PostgresAdapter implements CloneAdapter {
  readonly engine = 'postgres' as const;
  readonly serverVersion: string;
  readonly copyExcludes = POSTGRES_COPY_EXCLUDES;
  readonly outsideDirs: OutsideDir[] = [];
  readonly sourceServerId = null;
  readonly replicationMode = 'physical' as const;
  sourcePidFile: string | null = null;
  primaryLabel: string | null = null;

  private facts: PgStandbyFacts | null = null;
  private primary: Engine | null = null;
  private target: Engine | null = null;
  private conninfo: string | null = null;
  private primaryHostPort: { host: string; port: number } | null = null;
  private answeredAt: number | null = null;
  private control: Session | null = null;

  constructor(
    private readonly source: Engine,
    private readonly ctx: CloneContext,
  ) {
    this.serverVersion = source.version;
  }

  get sourceLabel(): string {
    return this.source.server.label;
  }

  private need<T>(v: T | null, what: string): T {
    if (v === null) throw new Error(`clone (postgres): ${what} used before inspect`);
    return v;
  }

  primarySpec(): ConnectionSpec {
    const o = this.ctx.opts;
    if (o.primary) return o.primary;
    const hp = this.need(this.primaryHostPort, 'primary address');
    return withHostPort(o.source, hp.host, hp.port);
  }

  private defaultTargetName(): string {
    return `syncpoint_clone_${this.ctx.opts.target.port}`;
  }

  async inspect(ctx: CloneContext): Promise<void> {
    const check = (name: string, ok: boolean, detail: string) => ctx.checks.push({ name, ok, detail });
    const o = ctx.opts;
    const f = await withSession(this.source, (s) => readStandbyFacts(s));
    this.facts = f;
    if (!f.inRecovery) {
      check('source is a replica', false, f.subscriptions > 0 ? `${this.sourceLabel} is a logical subscriber, not a physical standby: cloning a subscriber is not supported (create a new subscriber instead)` : `${this.sourceLabel} is not a standby (pg_is_in_recovery() is false)`);
      return;
    }
    check('source is a replica', true, `physical standby, PostgreSQL ${f.version}`);
    check('source replication healthy', f.receiverStatus === 'streaming' && !f.replayPaused, `WAL receiver ${f.receiverStatus ?? 'not running'}${f.replayPaused ? ', replay paused' : ''}`);
    check('hot_standby', f.hotStandby, f.hotStandby ? 'on (the copy answers queries while it replays)' : 'off: the copy would never answer, so it could not be verified; turn hot_standby on');

    let datadir: string | null = null;
    if (o.sourceDatadir) {
      const given = await realpath(o.sourceDatadir).catch(() => resolve(o.sourceDatadir!));
      if (f.dataDirectory) {
        const actual = await realpath(f.dataDirectory).catch(() => f.dataDirectory!);
        check('source data directory', given === actual, given === actual ? given : `--source-datadir ${o.sourceDatadir} is not the source's data directory (the server reports ${f.dataDirectory})`);
      } else check('source data directory', true, `${given} (given; the server's data_directory is not readable by this role)`);
      datadir = given;
    } else if (f.dataDirectory) {
      datadir = await realpath(f.dataDirectory).catch(() => f.dataDirectory!);
      check('source data directory', true, `${datadir} (as the server reports it)`);
    } else {
      check('source data directory', false, 'data_directory is readable only by superusers and pg_read_all_settings members: give --source-datadir');
    }
    ctx.sourceDatadir = datadir;
    if (datadir) {
      this.sourcePidFile = join(datadir, 'postmaster.pid');
      const pid = await readPidFile(this.sourcePidFile);
      const pidOk = pid !== null && processAlive(pid);
      check('source process on this host', pidOk, pidOk ? `postmaster pid ${pid}` : `cannot read a live pid from ${this.sourcePidFile}: syncpoint clone must run on the source's host, with read access to its files`);
      if (pidOk) ctx.sourcePid = pid;
    }

    // The upstream: as the WAL receiver reports it, else from primary_conninfo.
    let host = f.senderHost;
    let port = f.senderPort;
    if ((!host || !port) && f.primaryConninfo) {
      const kv = new Map(parseConninfo(f.primaryConninfo));
      host = host ?? kv.get('host') ?? kv.get('hostaddr') ?? null;
      port = port ?? (kv.get('port') ? Number(kv.get('port')) : 5432);
    }
    if (!o.primary && (!host || !port)) {
      check('primary reachable', false, "cannot tell the source's primary (pg_stat_wal_receiver and primary_conninfo are not readable by this role): give --primary");
      return;
    }
    this.primaryHostPort = host && port ? { host, port } : null;
    const pspec = this.primarySpec();
    this.primaryLabel = pspec.label;
    try {
      this.primary = await connectFor(pspec, o.connectTimeoutMs);
      const pf = await withSession(this.primary, (s) => readStandbyFacts(s));
      if (pf.inRecovery) check('primary reachable', false, `${pspec.label} is itself a standby (cascading replication): give the real primary with --primary`);
      else check('primary reachable', true, `${pspec.label}, PostgreSQL ${pf.version}`);
      check('versions compatible', major(pf.versionNum) === major(f.versionNum), `source ${f.version}, primary ${pf.version}${major(pf.versionNum) !== major(f.versionNum) ? ': physical replication needs the same major version' : ''}`);
      const tl = await withSession(this.primary, (s) => checkpointTimeline(s));
      if (f.receivedTimeline !== null) check('same timeline', tl === f.receivedTimeline, `primary on timeline ${tl}, source receives timeline ${f.receivedTimeline}`);
      check('no errant transactions', true, 'not applicable: a physical standby cannot write');
    } catch (err) {
      check('primary reachable', false, `${pspec.label}: ${(err as Error).message}`);
    }

    // Replication credentials and slot.
    if (o.replUser) {
      this.conninfo = formatConninfo([['host', this.primaryHostPort?.host ?? pspec.host], ['port', String(this.primaryHostPort?.port ?? pspec.port)], ['user', o.replUser], ...(o.replPassword ? ([['password', o.replPassword]] as [string, string][]) : [])]);
      check('replication credentials', true, `user ${o.replUser} (given)`);
    } else if (f.primaryConninfo) {
      this.conninfo = f.primaryConninfo;
      const user = new Map(parseConninfo(f.primaryConninfo)).get('user');
      check('replication credentials', true, `the source's primary_conninfo${user ? ` (user ${user})` : ''}`);
    } else {
      check('replication credentials', false, "the source's primary_conninfo is readable only by superusers and pg_read_all_settings members: give --repl-user and SYNCPOINT_REPL_PASSWORD");
    }
    const slot = o.targetSlot ?? (f.primarySlotName ? this.defaultTargetName() : null);
    ctx.targetSlot = slot;
    if (slot !== null) {
      if (!validSlotName(slot)) check('target slot', false, `${JSON.stringify(slot)} is not a valid slot name (lower-case letters, digits, _; at most 63)`);
      else if (this.primary) {
        const exists = await withSession(this.primary, (s) => slotExists(s, slot));
        const src = f.primarySlotName ? await withSession(this.primary, (s) => slotExists(s, f.primarySlotName)) : true;
        if (exists) check('target slot', false, `slot ${slot} already exists on the primary: drop it or pick another --target-slot`);
        else if (!src) check('target slot', false, `the source's slot ${f.primarySlotName} does not exist on the primary`);
        else check('target slot', true, f.primarySlotName ? `${slot}, copied from the source's slot ${f.primarySlotName} while the source is stopped` : `${slot}, created while the source is stopped`);
      }
    } else ctx.note('the source uses no replication slot, so neither will the target: the primary keeps WAL for it only as wal_keep_size allows');
  }

  describe(ctx: CloneContext): StepLines {
    const o = ctx.opts;
    const f = this.facts;
    return {
      quiesce: [
        `record pg_last_wal_replay_lsn() and the timeline on ${this.sourceLabel} (replay is not paused: the copy holds at least that LSN)`,
        o.sourceStop ? `stop the source: ${o.sourceStop}` : 'stop the source cleanly: SIGINT (fast shutdown) to the postmaster',
        `wait until its process (${this.sourcePidFile ?? 'postmaster.pid'}) is gone`,
        ...(ctx.targetSlot ? [f?.primarySlotName ? `pg_copy_physical_replication_slot('${f.primarySlotName}', '${ctx.targetSlot}') on ${this.primaryLabel}` : `pg_create_physical_replication_slot('${ctx.targetSlot}', true) on ${this.primaryLabel}`] : []),
      ],
      restart: [o.sourceStart ? `start the source: ${o.sourceStart}` : 'start the source: (no --source-start given)', 'wait until its WAL receiver streams'],
      prepare: [
        'remove postmaster.pid, postmaster.opts, recovery.signal; create standby.signal',
        `append to postgresql.auto.conf: port = ${o.target.port}, primary_conninfo (application_name ${this.appName(ctx)}${o.primary ? `, host ${o.primary.host} port ${o.primary.port}` : ''}), primary_slot_name = '${ctx.targetSlot ?? ''}'${o.targetSettings.map(([k, v]) => `, ${k} = '${v}'`).join('')}`,
      ],
      start: [
        o.targetStart ? `start the target: ${o.targetStart}` : 'start the target: (no --target-start given)',
        'wait until it answers (hot standby) and its WAL receiver streams',
        `wait until it has replayed the primary's current LSN`,
      ],
    };
  }

  private appName(ctx: CloneContext): string {
    return ctx.opts.targetAppName ?? ctx.targetSlot ?? this.defaultTargetName();
  }

  private async controlSession(): Promise<Session> {
    if (!this.control || this.control.closed) this.control = await this.source.session();
    return this.control;
  }

  private async closeControl(): Promise<void> {
    const c = this.control;
    this.control = null;
    await c?.close();
  }

  /**
   * Nothing to wait for: a physical standby has no temporary-table hazard, and replay is not
   * paused, because a paused standby's startup process notices a shutdown only after its 1 s
   * pause sleep (measured: fast shutdown 1.05 s paused, 0.05 s not), which would count as downtime.
   */
  async pauseApply(): Promise<void> {}

  /**
   * The replay LSN and timeline just before the shutdown. Replay goes on until the server
   * stops, so the copy holds everything up to this LSN and possibly a little more; the new
   * standby continues from its own copied WAL either way, so nothing is skipped or applied twice.
   */
  async stopReplicationAndRecord(ctx: CloneContext): Promise<RecordedPosition> {
    const s = await this.controlSession();
    const p = await readReplayPosition(s);
    ctx.note(`PostgreSQL: the recorded LSN ${formatPosition(p.lsn)} is what the standby had replayed when it was told to stop; the copy holds at least that, and the new standby goes on from its own copied WAL`);
    return { kind: 'pg-lsn', lsn: formatPosition(p.lsn), timeline: p.timeline };
  }

  async shutdownSource(ctx: CloneContext): Promise<void> {
    const pidFile = this.need(this.sourcePidFile, 'pid file');
    const pid = (await readPidFile(pidFile)) ?? ctx.sourcePid;
    ctx.sourcePid = pid;
    await this.closeControl();
    ctx.setSourceState('stopping');
    ctx.times.shutdownRequestedAt = Date.now();
    await stopServer(ctx, {
      what: 'stopping the source',
      command: ctx.opts.sourceStop,
      // SIGINT is the "fast" shutdown: sessions are cut, a shutdown restartpoint is written.
      byDefault: () => signalServer(pidFile, 'SIGINT', 'stopping the source'),
      pid,
      timeoutMs: ctx.opts.stopTimeoutMs,
      env: ctx.commandEnv(),
    });
    ctx.times.sourceGoneAt = Date.now();
    ctx.setSourceState('stopped');
  }

  async afterSourceStopped(ctx: CloneContext): Promise<void> {
    const slot = ctx.targetSlot;
    if (!slot) return;
    const primary = this.need(this.primary, 'primary engine');
    const from = this.need(this.facts, 'facts').primarySlotName;
    await withSession(primary, (s) => (from ? copyPhysicalSlot(s, from, slot) : createPhysicalSlot(s, slot)));
    ctx.createdSlot = slot;
  }

  async sourceAnswers(): Promise<boolean> {
    try {
      const s = await this.source.session();
      await s.close();
      return true;
    } catch {
      return false;
    }
  }

  async resumeSourceReplication(ctx: CloneContext): Promise<boolean> {
    await this.closeControl();
    return withSession(this.source, async (s) => {
      await resumeReplay(s);
      let last: PgStandbyFacts | null = null;
      const ok = await pollUntil(async () => {
        last = await readStandbyFacts(s);
        return last.receiverStatus === 'streaming' && !last.replayPaused;
      }, 60_000, 50);
      if (!ok) ctx.note(`the source after the restart: WAL receiver ${(last as PgStandbyFacts | null)?.receiverStatus ?? 'not running'}`);
      return ok;
    });
  }

  restoreSql(): readonly string[] {
    return POSTGRES_RESTORE_SQL;
  }

  async prepareTarget(ctx: CloneContext): Promise<string[]> {
    const o = ctx.opts;
    const dir = o.targetDatadir;
    const done: string[] = [];
    for (const f of ['postmaster.pid', 'postmaster.opts', 'recovery.signal']) if (await removeIfPresent(join(dir, f))) done.push(`removed ${f}`);
    for (const e of await readdir(join(dir, 'pg_replslot')).catch(() => [] as string[])) await removeIfPresent(join(dir, 'pg_replslot', e));
    await writeOwnedFile(join(dir, 'standby.signal'), '');
    done.push('standby.signal');
    const base = this.need(this.conninfo, 'primary_conninfo');
    const conninfo = conninfoWith(base, {
      application_name: this.appName(ctx),
      ...(o.primary ? { host: o.primary.host, port: String(o.primary.port) } : {}),
      ...(o.replUser ? { user: o.replUser } : {}),
    });
    const settings: [string, string][] = [
      ['port', String(o.target.port)],
      ['primary_conninfo', conninfo],
      ['primary_slot_name', ctx.targetSlot ?? ''],
      ...o.targetSettings.map(([k, v]) => [k, v] as [string, string]),
    ];
    const file = join(dir, 'postgresql.auto.conf');
    const before = await readFile(file, 'utf8').catch(() => '');
    // Appended like pg_basebackup -R does: later lines win over the source's.
    await writeOwnedFile(file, `${before}${before && !before.endsWith('\n') ? '\n' : ''}# syncpoint clone ${new Date().toISOString()}: this standby's own settings\n${autoConfLines(settings)}`);
    done.push(`postgresql.auto.conf: ${settings.map(([k]) => k).join(', ')}`);
    return done;
  }

  async targetAnswers(): Promise<boolean> {
    try {
      if (!this.target) {
        this.target = await connectFor(this.ctx.opts.target, Math.min(3000, this.ctx.opts.connectTimeoutMs));
      } else {
        const s = await this.target.session();
        await s.close();
      }
      this.answeredAt ??= Date.now();
      return true;
    } catch {
      return false;
    }
  }

  async configureTarget(ctx: CloneContext): Promise<string[]> {
    const target = this.need(this.target, 'target engine');
    const src = this.need(this.facts, 'facts');
    return withSession(target, async (s) => {
      let f = await readStandbyFacts(s);
      if (!f.inRecovery) throw new SyncpointError('server', 'the target is not in recovery: it started as a primary (standby.signal missing?)', target.server.label);
      if (major(f.versionNum) !== major(src.versionNum)) throw new SyncpointError('config', `the target runs PostgreSQL ${f.version} but its data directory comes from ${src.version}: start it with the same major version`, target.server.label);
      const ok = await pollUntil(async () => {
        f = await readStandbyFacts(s);
        return f.receiverStatus === 'streaming';
      }, 60_000, 200);
      if (!ok) throw new SyncpointError('server', `the target's WAL receiver is ${f.receiverStatus ?? 'not running'} after 60 s (see its server log)`, target.server.label);
      return [`hot standby, WAL receiver streaming from ${f.senderHost ?? '?'}:${f.senderPort ?? '?'}${ctx.targetSlot ? ` through slot ${ctx.targetSlot}` : ''}`];
    });
  }

  async waitCaughtUp(ctx: CloneContext): Promise<number> {
    const target = this.need(this.target, 'target engine');
    const primary = this.need(this.primary, 'primary engine');
    const started = this.answeredAt ?? Date.now();
    const pos = await withSession(primary, (s) => primary.replication.currentPosition(s));
    const deadline = Date.now() + ctx.opts.catchUpTimeoutMs;
    return withSession(target, async (s) => {
      for (;;) {
        ctx.checkAborted();
        if (await target.replication.waitApplied(s, pos, 1000)) return Date.now() - started;
        if (Date.now() >= deadline) throw new SyncpointError('timeout', `the target did not replay the primary's LSN ${formatPosition(pos)} within ${Math.round(ctx.opts.catchUpTimeoutMs / 1000)} s`, target.server.label);
      }
    });
  }

  async stopTarget(ctx: CloneContext): Promise<boolean> {
    const o = ctx.opts;
    const pidFile = join(o.targetDatadir, 'postmaster.pid');
    const pid = await readPidFile(pidFile);
    if (pid === null || !processAlive(pid)) return false;
    await stopServer(ctx, {
      what: 'stopping the target',
      command: o.targetStop,
      byDefault: () => signalServer(pidFile, 'SIGINT', 'stopping the target'),
      pid,
      timeoutMs: o.stopTimeoutMs,
      env: ctx.commandEnv(),
    });
    return true;
  }

  async cleanupFailedTarget(ctx: CloneContext): Promise<string[]> {
    const slot = ctx.createdSlot;
    if (!slot || !this.primary) return [];
    // An abandoned slot would make the primary keep WAL for a standby that never comes.
    await withSession(this.primary, (s) => dropSlot(s, slot));
    ctx.createdSlot = null;
    return [`dropped slot ${slot} on ${this.primaryLabel}`];
  }

  async close(): Promise<void> {
    await this.closeControl().catch(() => undefined);
    await Promise.all([this.source.close(), this.primary?.close(), this.target?.close()].map((p) => p?.catch(() => undefined)));
  }
}

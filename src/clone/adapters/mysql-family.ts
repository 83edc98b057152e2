/**
 * MariaDB and MySQL: the source is a replica with SQL and IO threads; the copy is pointed at the
 * executed coordinates (Relay_Master_Log_File/Exec_Master_Log_Pos) or, when the source
 * replicates by GTID, at its gtid_slave_pos (MariaDB) / auto-position (MySQL).
 */
import { readFile, readdir, realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { withHostPort, type ConnectionSpec } from '../../config/dsn.js';
import { SyncpointError } from '../../errors.js';
import type { Engine, Session } from '../../engine/engine.js';
import {
  binlogCoordinates,
  cloneStatements,
  MYSQL_FAMILY_COPY_EXCLUDES,
  mariadbErrantGtids,
  openTempTables,
  parseMasterInfo,
  pointTarget,
  readExecutedCoordinates,
  readReplicaThreads,
  readReplicationPasswordFromTable,
  readReplicationSettings,
  readServerFacts,
  registeredReplicaIds,
  restoreReplicationSql,
  setReadOnly,
  setServerId,
  shutdownServer,
  type CloneStatements,
  type MysqlServerFacts,
  type ReplicationSettings,
} from '../../engine/mysql-family/mysql-family-clone.js';
import { comparePositions, formatPosition, parseBinlogFilePos, parseMysqlGtidSet, type Position } from '../../engine/position.js';
import type { CloneContext } from '../context.js';
import { isInside, removeIfPresent } from '../datadir.js';
import { argvOf, commandLineOf, processAlive, readPidFile, serversOn } from '../server-process.js';
import { pollUntil, stopServer } from '../server-control.js';
import type { RecordedPosition } from '../types.js';
import { compareVersionKeys, connectFor, versionKey, withSession, type CloneAdapter, type OutsideDir, type StepLines } from './adapter.js';

type Flavor = 'mysql' | 'mariadb';

export class MysqlFamilyAdapter implements CloneAdapter {
  readonly engine: Flavor;
  readonly serverVersion: string;
  readonly copyExcludes = MYSQL_FAMILY_COPY_EXCLUDES;
  outsideDirs: OutsideDir[] = [];
  sourcePidFile: string | null = null;
  primaryLabel: string | null = null;
  sourceServerId: number | null = null;
  replicationMode: 'gtid' | 'file-pos' | null = null;

  private readonly st: CloneStatements;
  private facts: MysqlServerFacts | null = null;
  private settings: ReplicationSettings | null = null;
  private primary: Engine | null = null;
  private primaryFacts: MysqlServerFacts | null = null;
  private target: Engine | null = null;
  private targetPidFile: string | null = null;
  /** Every server id of the topology we could see: the new one must differ from all. */
  private readonly knownServerIds = new Set<number>();
  private account: { user: string; password: string } | null = null;
  private replicationStartedAt: number | null = null;

  constructor(
    private readonly source: Engine,
    private readonly ctx: CloneContext,
  ) {
    this.engine = source.flavor === 'mariadb' ? 'mariadb' : 'mysql';
    this.serverVersion = source.version;
    this.st = cloneStatements(this.engine, source.version);
  }

  get sourceLabel(): string {
    return this.source.server.label;
  }

  private need<T>(v: T | null, what: string): T {
    if (v === null) throw new Error(`clone (${this.engine}): ${what} used before inspect`);
    return v;
  }

  primarySpec(): ConnectionSpec {
    const o = this.ctx.opts;
    if (o.primary) return o.primary;
    const s = this.need(this.settings, 'replication settings');
    return withHostPort(o.source, s.host, s.port);
  }

  async inspect(ctx: CloneContext): Promise<void> {
    const check = (name: string, ok: boolean, detail: string) => ctx.checks.push({ name, ok, detail });
    const o = ctx.opts;
    const facts = await withSession(this.source, (s) => readServerFacts(s, this.engine));
    this.facts = facts;
    this.sourceServerId = facts.serverId;
    this.knownServerIds.add(facts.serverId);
    const settings = await withSession(this.source, (s) => readReplicationSettings(s, this.st));
    this.settings = settings;
    if (!settings) {
      check('source is a replica', false, `${this.sourceLabel} has no replication configured (${this.st.replicaStatus} is empty)`);
      return;
    }
    check('source is a replica', true, `replicates from ${settings.host}:${settings.port} as ${settings.user}, ${settings.usingGtid ? 'by GTID' : 'by binlog file and position'}`);
    this.replicationMode = settings.usingGtid ? 'gtid' : 'file-pos';
    if (settings.connections > 1) check('single replication source', false, `${settings.connections} replication connections (multi-source): cloning such a replica is not supported`);
    const threads = await withSession(this.source, (s) => readReplicaThreads(s, this.st));
    const healthy = threads !== null && threads.io === 'Yes' && threads.sql === 'Yes' && !threads.lastError;
    check('source replication healthy', healthy, threads ? `IO thread ${threads.io}, SQL thread ${threads.sql}${threads.lastError ? `, ${threads.lastError}` : ''}` : 'no status');

    // The data directory: the option must name the server's own; without it, the server says.
    let datadir = facts.datadir;
    if (o.sourceDatadir) {
      const given = await realpath(o.sourceDatadir).catch(() => resolve(o.sourceDatadir!));
      const actual = await realpath(facts.datadir).catch(() => facts.datadir);
      check('source data directory', given === actual, given === actual ? given : `--source-datadir ${o.sourceDatadir} is not the source's data directory (the server reports ${facts.datadir})`);
      datadir = given;
    } else {
      datadir = await realpath(facts.datadir).catch(() => facts.datadir);
      check('source data directory', true, `${datadir} (as the server reports it)`);
    }
    ctx.sourceDatadir = datadir;
    this.sourcePidFile = facts.pidFile ? resolve(datadir, facts.pidFile) : null;
    const pid = this.sourcePidFile ? await readPidFile(this.sourcePidFile) : null;
    const pidOk = pid !== null && processAlive(pid);
    check('source process on this host', pidOk, pidOk ? `pid ${pid} (${this.sourcePidFile})` : `cannot read a live pid from ${this.sourcePidFile ?? 'the pid file'}: syncpoint clone must run on the source's host, with read access to its files`);
    if (pidOk) ctx.sourcePid = pid;

    // Where else the server keeps what a copy needs.
    const dirOf = (v: string | null) => (v === null ? datadir : resolve(datadir, v));
    const outside: OutsideDir[] = [];
    for (const [what, path] of [
      ['InnoDB data files (innodb_data_home_dir)', dirOf(facts.dirs.innodbDataHome)],
      ['InnoDB redo log (innodb_log_group_home_dir)', dirOf(facts.dirs.innodbLogGroupHome)],
      ['InnoDB undo tablespaces (innodb_undo_directory)', dirOf(facts.dirs.innodbUndo)],
    ] as const) {
      if (!isInside(path, datadir) && !outside.some((x) => x.path === path)) outside.push({ what, path, required: true });
    }
    if (facts.dirs.logBinBasename && !isInside(dirname(facts.dirs.logBinBasename), datadir)) {
      outside.push({ what: 'binary logs (log_bin_basename)', path: dirname(facts.dirs.logBinBasename), required: false });
    }
    if (facts.dirs.slaveLoadTmpdir && !isInside(facts.dirs.slaveLoadTmpdir, datadir)) {
      // Only pending LOAD DATA files matter there; the copy restarts from the executed position,
      // whose LOAD DATA events are fetched again, so they are copied only when mapped.
      outside.push({ what: 'LOAD DATA temporary files (slave_load_tmpdir)', path: facts.dirs.slaveLoadTmpdir, required: false, only: ['SQL_LOAD-*'] });
    }
    this.outsideDirs = outside;
    const isl = await readdir(datadir, { recursive: true }).then((l) => l.filter((f) => String(f).endsWith('.isl')), () => [] as string[]);
    if (isl.length) check('no tables outside the data directory', false, `InnoDB tables created with DATA DIRECTORY (${isl.slice(0, 3).join(', ')}) live outside the data directory: not supported`);

    // The primary, and the topology's server ids.
    const pspec = this.primarySpec();
    this.primaryLabel = pspec.label;
    if (o.primary && (o.primary.host !== settings.host || o.primary.port !== settings.port)) {
      ctx.note(`the new replica will replicate from ${o.primary.label}, not from the source's primary ${settings.host}:${settings.port}`);
    }
    try {
      this.primary = await connectFor(pspec, o.connectTimeoutMs);
      const pf = await withSession(this.primary, (s) => readServerFacts(s, this.engine));
      this.primaryFacts = pf;
      this.knownServerIds.add(pf.serverId);
      for (const id of await withSession(this.primary, (s) => registeredReplicaIds(s, this.st))) this.knownServerIds.add(id);
      check('primary reachable', true, `${pspec.label}, ${this.primary.version}`);
      // The address can reach another server than meant (a socket, a proxy, a stale name).
      if (pf.serverId === facts.serverId) {
        check('primary is not the source', false, `${pspec.label} reaches the source itself (server_id ${pf.serverId}): give the primary's address with --primary`);
      } else if (!settings.usingGtid && settings.sourceServerId !== null && pf.serverId !== settings.sourceServerId) {
        // Binlog coordinates are one server's own: the recorded position means nothing elsewhere.
        check('primary is the source\'s primary', false, `${pspec.label} is server_id ${pf.serverId}, but the source replicates from server_id ${settings.sourceServerId} by binlog file and position, which mean nothing on another server: give that server, or switch the source to GTID replication`);
      }
    } catch (err) {
      check('primary reachable', false, `${pspec.label}: ${(err as Error).message}`);
    }
    for (const id of await withSession(this.source, (s) => registeredReplicaIds(s, this.st)).catch(() => [] as number[])) this.knownServerIds.add(id);

    const pf = this.primaryFacts;
    if (pf) {
      const errant = this.errant(facts, pf);
      if (errant === null) ctx.note('errant transactions cannot be detected without GTIDs (gtid_mode is OFF)');
      else check('no errant transactions', errant.length === 0, errant.length === 0 ? 'every GTID of the source is known to the primary' : `the source has transactions the primary never had: ${errant.slice(0, 5).join(', ')}${errant.length > 5 ? ', ...' : ''}`);
      const sv = versionKey(facts.version.text);
      const pv = versionKey(pf.version.text);
      check('versions compatible', compareVersionKeys(sv, pv) >= 0, `source ${facts.version.text}, primary ${pf.version.text}${compareVersionKeys(sv, pv) < 0 ? ': a replica must not be older than its primary' : ''}`);
    }

    if (o.targetServerId !== null) {
      const free = !this.knownServerIds.has(o.targetServerId);
      check('target server id', free, free ? `${o.targetServerId} (given)` : `server id ${o.targetServerId} is already used in the topology (${[...this.knownServerIds].sort((a, b) => a - b).join(', ')})`);
      ctx.targetServerId = o.targetServerId;
    } else {
      ctx.targetServerId = Math.max(0, ...this.knownServerIds) + 1;
      check('target server id', true, `${ctx.targetServerId} (free: the topology uses ${[...this.knownServerIds].sort((a, b) => a - b).join(', ')})`);
    }

    // A password missing for --repl-user is found out only once the new replica connects, after the
    // source's downtime: it is a failed precondition now.
    const noPassword = o.replUser !== null && o.replPassword === null;
    this.account = noPassword ? null : await this.replicationAccount(datadir, settings);
    check('replication credentials', this.account !== null, noPassword
      ? `--repl-user ${o.replUser} without SYNCPOINT_REPL_PASSWORD in the environment (set it, empty for an account without a password)`
      : this.account ? `user ${this.account.user} (${o.replUser ? 'given' : "the source's"})` : `the source's replication password is not readable (no master.info in ${datadir}, no mysql.slave_master_info): give --repl-user and SYNCPOINT_REPL_PASSWORD`);

    if (settings.filters.length) ctx.note(`the source filters replication (${settings.filters.join('; ')}): the target's configuration must set the same filters`);
    // A delayed replica's clone is caught up and verified first; delaying it is the user's call then.
    if (settings.delaySeconds > 0) ctx.note(`the source applies with a delay of ${settings.delaySeconds} s (MASTER_DELAY): the new replica does not (it is caught up and verified against the primary); to delay it too: ${this.st.stopSqlThread}; ${this.st.changeSource} ${this.st.optionPrefix}DELAY = ${settings.delaySeconds}; ${this.st.startSqlThread}`);
    if (facts.logBin && !facts.logSlaveUpdates) ctx.note('the source has log_bin on but log_slave_updates off: the copy holds no binlog of what it replicated');
    const temp = await withSession(this.source, (s) => openTempTables(s));
    check('temporary tables', true, temp === 0 ? 'none open on the SQL thread now' : `${temp} open on the SQL thread now (binlog_format ${facts.binlogFormat}): the quiesce waits until none are`);
  }

  private errant(src: MysqlServerFacts, pri: MysqlServerFacts): string[] | null {
    if (this.engine === 'mariadb') return mariadbErrantGtids(src.gtidBinlogState, pri.gtidBinlogState);
    if (!src.gtidMode || !pri.gtidMode) return null;
    const a = parseMysqlGtidSet(src.gtidBinlogState);
    const b = parseMysqlGtidSet(pri.gtidBinlogState);
    const ord = comparePositions(a, b);
    return ord === 'before' || ord === 'equal' ? [] : [`source gtid_executed ${formatPosition(a)} is not contained in the primary's ${formatPosition(b)}`];
  }

  private async replicationAccount(datadir: string, settings: ReplicationSettings): Promise<{ user: string; password: string } | null> {
    const o = this.ctx.opts;
    if (o.replUser) return { user: o.replUser, password: o.replPassword ?? '' };
    if (this.engine === 'mysql') {
      const fromTable = await withSession(this.source, (s) => readReplicationPasswordFromTable(s));
      if (fromTable && fromTable.user) return fromTable;
    }
    // master-info-file is a startup option only (no system variable): the running server's
    // command line says where it is when it is not the default.
    const opt = this.ctx.sourcePid ? argvOf(this.ctx.sourcePid).map((a) => /^--master[-_]info[-_]file=(.+)$/.exec(a)?.[1]).find(Boolean) : undefined;
    for (const file of [...(opt ? [resolve(datadir, opt)] : []), join(datadir, 'master.info')]) {
      try {
        const info = parseMasterInfo(await readFile(file, 'utf8'));
        if (info && info.user) {
          if (info.user !== settings.user) this.ctx.note(`${file} names user ${info.user}, SHOW SLAVE STATUS ${settings.user}: using ${info.user}`);
          return { user: info.user, password: info.password };
        }
      } catch {
        /* not there, or not readable */
      }
    }
    return null;
  }

  describe(ctx: CloneContext): StepLines {
    const st = this.st;
    const o = ctx.opts;
    const s = this.settings;
    const host = o.primary ? `${o.primary.host}:${o.primary.port}` : s ? `${s.host}:${s.port}` : '?';
    return {
      quiesce: [
        `${st.stopSqlThread} on ${this.sourceLabel}; wait until Slave_open_temp_tables = 0 (start the SQL thread again and retry while any are open, up to ${Math.round(o.tempTableTimeoutMs / 1000)} s)`,
        `${st.stopReplica}; record Relay_Master_Log_File/Exec_Master_Log_Pos${this.engine === 'mariadb' ? ' and gtid_slave_pos' : this.replicationMode === 'gtid' ? ' and Executed_Gtid_Set' : ''}`,
        o.sourceStop ? `stop the source: ${o.sourceStop}` : 'stop the source cleanly: SHUTDOWN',
        `wait until its process (${this.sourcePidFile ?? 'pid file'}) is gone`,
      ],
      restart: [o.sourceStart ? `start the source: ${o.sourceStart}` : 'start the source: (no --source-start given)', `${st.startReplica} if the threads do not run by themselves; wait until IO and SQL threads run`],
      prepare: [
        'remove the copied replication metadata (master.info, relay-log.info, multi-master.info) and relay logs',
        ...(this.engine === 'mysql' ? ['remove auto.cnf (the copy gets a new server_uuid)'] : []),
      ],
      start: [
        o.targetStart ? `start the target: ${o.targetStart}` : 'start the target: (no --target-start given)',
        `server_id ${ctx.targetServerId ?? '?'}${o.targetServerId === null ? " (or the target configuration's own, if that one is free)" : ''}`,
        `${st.resetReplicaAll}; ${st.changeSource} ${host}${this.replicationMode === 'gtid' ? (this.engine === 'mariadb' ? ', MASTER_USE_GTID = slave_pos at the recorded gtid_slave_pos' : ', SOURCE_AUTO_POSITION = 1') : ' at the recorded file and position'}; ${st.startReplica}`,
        `wait until it has applied what the primary ${this.primaryLabel ?? ''} has`,
      ],
    };
  }

  private control: Session | null = null;

  private async controlSession(): Promise<Session> {
    if (!this.control || this.control.closed) this.control = await this.source.session();
    return this.control;
  }

  private async closeControl(): Promise<void> {
    const c = this.control;
    this.control = null;
    await c?.close();
  }

  async pauseApply(ctx: CloneContext): Promise<void> {
    const s = await this.controlSession();
    const deadline = Date.now() + ctx.opts.tempTableTimeoutMs;
    let wait = 250;
    for (;;) {
      ctx.checkAborted();
      // Recorded before the STOP is sent: it can block (the SQL thread finishing a long event) or
      // fail after taking effect, and whoever restores the source must know to start it again
      // (START on a running thread is only a warning).
      ctx.setSourceState('apply-paused');
      await s.query(this.st.stopSqlThread);
      const open = await openTempTables(s);
      if (open === 0) return;
      // A replica restarted with temporary tables open cannot continue (its later statements
      // name tables that no longer exist): let the SQL thread run on until the workload closes them.
      await s.query(this.st.startSqlThread);
      ctx.setSourceState('running');
      ctx.tempTableRetries++;
      ctx.log.info({ open, retry: ctx.tempTableRetries }, `${open} temporary table(s) open on the source's SQL thread: started it again, retrying`);
      if (Date.now() >= deadline) {
        throw new SyncpointError('timeout', `${open} temporary table(s) stayed open on the source's SQL thread for ${Math.round(ctx.opts.tempTableTimeoutMs / 1000)} s (statement-based replication of CREATE TEMPORARY TABLE); its replication was left running; retry later or raise --temp-table-timeout`, this.sourceLabel);
      }
      await sleep(wait);
      wait = Math.min(2000, Math.round(wait * 1.5));
    }
  }

  async stopReplicationAndRecord(ctx: CloneContext): Promise<RecordedPosition> {
    const s = await this.controlSession();
    ctx.setSourceState('replication-stopped');
    await s.query(this.st.stopReplica);
    const facts = this.need(this.facts, 'facts');
    const c = await readExecutedCoordinates(s, this.st, this.engine, facts.gtidMode);
    if (!c) throw new SyncpointError('server', `cannot read the executed coordinates (${this.st.replicaStatus} has no Relay_Master_Log_File/Exec_Master_Log_Pos)`, this.sourceLabel);
    const gtidMode = this.replicationMode === 'gtid';
    if (gtidMode && !c.gtid) throw new SyncpointError('server', 'the source replicates by GTID but reports no executed GTID position', this.sourceLabel);
    return {
      kind: gtidMode ? (this.engine === 'mariadb' ? 'mariadb-gtid' : 'mysql-gtid') : 'binlog-file-pos',
      file: c.file,
      pos: c.pos.toString(),
      ...(c.gtid ? { gtid: c.gtid } : {}),
    };
  }

  async shutdownSource(ctx: CloneContext): Promise<void> {
    const pidFile = this.need(this.sourcePidFile, 'pid file');
    const pid = (await readPidFile(pidFile)) ?? ctx.sourcePid;
    ctx.sourcePid = pid;
    ctx.setSourceState('stopping');
    ctx.times.shutdownRequestedAt = Date.now();
    await stopServer(ctx, {
      what: 'stopping the source',
      command: ctx.opts.sourceStop,
      byDefault: async () => {
        const s = await this.controlSession();
        await shutdownServer(s);
      },
      pid,
      timeoutMs: ctx.opts.stopTimeoutMs,
      env: ctx.commandEnv(),
    });
    await this.closeControl();
    ctx.times.sourceGoneAt = Date.now();
    ctx.setSourceState('stopped');
    if (await readPidFile(pidFile)) ctx.note(`the source's pid file ${pidFile} is still there after its process ended: it may not have shut down cleanly (the copy then needs InnoDB crash recovery, which the copied redo log allows)`);
  }

  async afterSourceStopped(): Promise<void> {}

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
      const t = await readReplicaThreads(s, this.st);
      // A restarted replica starts its threads by itself unless configured not to (skip-slave-start).
      if (!t || t.io !== 'Yes' || t.sql !== 'Yes') await s.query(this.st.startReplica);
      let last = t;
      const ok = await pollUntil(async () => {
        last = await readReplicaThreads(s, this.st);
        return last !== null && last.sql === 'Yes' && last.io === 'Yes' && !last.lastError;
      }, 30_000, 50);
      if (!ok && last) ctx.note(`the source's replication after the restart: IO thread ${last.io}, SQL thread ${last.sql}${last.lastError ? `, ${last.lastError}` : ''}`);
      return ok;
    });
  }

  restoreSql(): readonly string[] {
    return restoreReplicationSql(this.st);
  }

  async prepareTarget(ctx: CloneContext): Promise<string[]> {
    const dir = ctx.opts.targetDatadir;
    const facts = this.need(this.facts, 'facts');
    const done: string[] = [];
    // Without these the copy would start replicating as the source did, before it is pointed anywhere.
    for (const f of ['master.info', 'relay-log.info', 'multi-master.info', ...(this.engine === 'mysql' ? ['auto.cnf'] : [])]) {
      if (await removeIfPresent(join(dir, f))) done.push(`removed ${f}`);
    }
    const entries = await readdir(dir);
    for (const e of entries) {
      if (/^(master|relay-log)-.+\.info$/.test(e) && (await removeIfPresent(join(dir, e)))) done.push(`removed ${e}`);
    }
    const relay = facts.dirs.relayLogBasename;
    if (relay && this.sourceDatadirOf(ctx) && isInside(dirname(relay), this.sourceDatadirOf(ctx)!)) {
      const base = basename(relay);
      let n = 0;
      for (const e of entries) {
        if (e === `${base}.index` || e.startsWith(`${base}.`) || e.startsWith(`${base}-`)) {
          if (await removeIfPresent(join(dir, e))) n++;
        }
      }
      if (n) done.push(`removed ${n} relay log file(s) (${base}.*)`);
    }
    return done;
  }

  private sourceDatadirOf(ctx: CloneContext): string | null {
    return ctx.sourceDatadir;
  }

  async targetAnswers(): Promise<boolean> {
    try {
      if (!this.target) {
        this.target = await connectFor(this.ctx.opts.target, Math.min(3000, this.ctx.opts.connectTimeoutMs));
        return true;
      }
      const s = await this.target.session();
      await s.close();
      return true;
    } catch {
      return false;
    }
  }

  async configureTarget(ctx: CloneContext): Promise<string[]> {
    const target = this.need(this.target, 'target engine');
    const facts = this.need(this.facts, 'facts');
    const settings = this.need(this.settings, 'settings');
    const account = this.need(this.account, 'replication account');
    const rec = this.need(ctx.recorded, 'recorded position');
    const o = ctx.opts;
    const done: string[] = [];
    return withSession(target, async (s) => {
      const tf = await readServerFacts(s, this.engine);
      this.targetPidFile = tf.pidFile ? resolve(tf.datadir, tf.pidFile) : null;
      if (versionKey(tf.version.text) !== versionKey(facts.version.text)) {
        throw new SyncpointError('config', `the target runs ${tf.version.text} but its data directory comes from ${facts.version.text}: start it with the same server version (major.minor)`, o.target.label);
      }
      // Server id: the given one; else the target configuration's own when it is free; else the planned free one.
      const planned = ctx.targetServerId!;
      if (o.targetServerId !== null) {
        if (tf.serverId !== o.targetServerId) {
          await setServerId(s, o.targetServerId);
          ctx.note(`the target's configuration sets server_id ${tf.serverId}; set to ${o.targetServerId} for this run: put server_id=${o.targetServerId} in its configuration (or use $SYNCPOINT_SERVER_ID in --target-start)`);
        }
      } else if (this.knownServerIds.has(tf.serverId)) {
        await setServerId(s, planned);
        ctx.note(`the target started with server_id ${tf.serverId}, which the topology already uses; set to ${planned} for this run: put server_id=${planned} in its configuration (or use $SYNCPOINT_SERVER_ID in --target-start)`);
      } else if (tf.serverId !== planned) {
        ctx.targetServerId = tf.serverId;
        ctx.note(`kept server_id ${tf.serverId} from the target's configuration (free in the topology)`);
      }
      done.push(`server_id ${ctx.targetServerId}`);
      if (facts.readOnly && !tf.readOnly) {
        await setReadOnly(s);
        ctx.note('the source is read_only but the target did not start so: set read_only=1 for this run; put it in the target\'s configuration');
        done.push('read_only=1');
      }
      const host = o.primary ? o.primary.host : settings.host;
      const port = o.primary ? o.primary.port : settings.port;
      await pointTarget(s, this.engine, this.st, {
        host,
        port,
        user: account.user,
        password: account.password,
        connectRetry: settings.connectRetry,
        ssl: settings.ssl.enabled ? settings.ssl : null,
        ignoreServerIds: settings.ignoreServerIds,
        doDomainIds: settings.doDomainIds,
        ignoreDomainIds: settings.ignoreDomainIds,
        start: this.replicationMode === 'gtid' ? { mode: 'gtid', gtid: rec.gtid ?? '' } : { mode: 'file', file: rec.file!, pos: BigInt(rec.pos!) },
      });
      done.push(`${this.st.changeSource} ${host}:${port} ${this.replicationMode === 'gtid' ? `at GTID ${rec.gtid}` : `at ${rec.file}:${rec.pos}`}`);
      await s.query(this.st.startReplica);
      this.replicationStartedAt = Date.now();
      let last = await readReplicaThreads(s, this.st);
      const running = await pollUntil(async () => {
        last = await readReplicaThreads(s, this.st);
        if (last?.lastError) return true;
        return last !== null && last.io === 'Yes' && last.sql === 'Yes';
      }, 60_000, 200);
      if (!running || !last || last.lastError) {
        throw new SyncpointError('server', `the target's replication did not start: IO thread ${last?.io ?? '?'}, SQL thread ${last?.sql ?? '?'}${last?.lastError ? `, ${last.lastError}` : ''}`, o.target.label);
      }
      done.push(`${this.st.startReplica}: IO and SQL threads running`);
      return done;
    });
  }

  async waitCaughtUp(ctx: CloneContext): Promise<number> {
    const target = this.need(this.target, 'target engine');
    const primary = this.need(this.primary, 'primary engine');
    const started = this.replicationStartedAt ?? Date.now();
    const pos: Position = await withSession(primary, async (s) => {
      if (this.replicationMode === 'gtid') return primary.replication.currentPosition(s);
      const c = await binlogCoordinates(s, this.st);
      if (!c) throw new SyncpointError('config', 'the primary has no binary log position (SHOW MASTER STATUS is empty)', primary.server.label);
      return parseBinlogFilePos(`${c.file}:${c.pos}`);
    });
    const deadline = Date.now() + ctx.opts.catchUpTimeoutMs;
    return withSession(target, async (s) => {
      for (;;) {
        ctx.checkAborted();
        if (await target.replication.waitApplied(s, pos, 1000)) return Date.now() - started;
        const t = await readReplicaThreads(s, this.st);
        if (t?.lastError) throw new SyncpointError('server', `the target's replication stopped while catching up: ${t.lastError}`, target.server.label);
        if (Date.now() >= deadline) throw new SyncpointError('timeout', `the target did not reach the primary's position ${formatPosition(pos)} within ${Math.round(ctx.opts.catchUpTimeoutMs / 1000)} s`, target.server.label);
      }
    });
  }

  async stopTarget(ctx: CloneContext): Promise<boolean> {
    const o = ctx.opts;
    let pidFile = this.targetPidFile;
    if (!pidFile) {
      // It never answered: a server it started writes <datadir>/<host>.pid by default.
      const pids = (await readdir(o.targetDatadir).catch(() => [] as string[])).filter((f) => f.endsWith('.pid'));
      pidFile = pids.length ? join(o.targetDatadir, pids[0]!) : null;
    }
    let pid = pidFile ? await readPidFile(pidFile) : null;
    // It never wrote a pid file we know of: the process its start command exec'd, if that names the data directory.
    if ((pid === null || !processAlive(pid)) && ctx.targetSpawnPid !== null && commandLineOf(ctx.targetSpawnPid).includes(o.targetDatadir)) pid = ctx.targetSpawnPid;
    // Its pid file is elsewhere and the start command's shell has exited: a server on that data directory.
    if (pid === null || !processAlive(pid)) {
      const found = serversOn(o.targetDatadir);
      if (found.length === 1) pid = found[0]!;
    }
    if (pid === null || !processAlive(pid)) return false;
    if (!o.targetStop && !commandLineOf(pid).includes(o.targetDatadir) && !this.target) return false;
    const victim = pid;
    await stopServer(ctx, {
      what: 'stopping the target',
      command: o.targetStop,
      byDefault: async () => {
        if (this.target) {
          try {
            await withSession(this.target, (s) => shutdownServer(s));
            return;
          } catch {
            /* fall through to a signal */
          }
        }
        process.kill(victim, 'SIGTERM');
      },
      pid,
      timeoutMs: o.stopTimeoutMs,
      env: ctx.commandEnv(),
    });
    return true;
  }

  async cleanupFailedTarget(): Promise<string[]> {
    return [];
  }

  async close(): Promise<void> {
    await this.closeControl().catch(() => undefined);
    await Promise.all([this.source.close(), this.primary?.close(), this.target?.close()].map((p) => p?.catch(() => undefined)));
  }
}

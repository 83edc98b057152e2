/**
 * The replication probe shared by MySQL and MariaDB; the flavor profile supplies spellings and
 * position handling.
 */
import { SyncpointError } from '../../errors.js';
import type { ReplicationProbe, Session } from '../engine.js';
import { hasReached, type Position } from '../position.js';
import type { ApplyThread, DiscoveredReplica, ReplicaStatus, Row, TableInfo } from '../types.js';
import { lockWaitSeconds } from './mysql-family-driver.js';
import { driverErrorCode } from './mysql-family-errors.js';
import type { FlavorProfile } from './mysql-family-flavor.js';
import { discoveredReplicas, parseApplyThread, parseOpenTempTables, parseReplicaStatusRow, sqlThreadRunning, statusText, untilCondition } from './mysql-family-replica-status.js';
import { lockTablesSql, lockWaitStatement, UNLOCK_TABLES } from './mysql-family-table-lock.js';

export const BEGIN_SNAPSHOT = 'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY';

/** How often waitApplyStopped looks at the SQL thread. */
const STOP_POLL_MS = 10;

/** With an abort signal, the server-side position wait runs in slices this long (whole seconds). */
const WAIT_SLICE_MS = 1000;

function throwIfAborted(signal: AbortSignal | undefined, s: Session): void {
  if (signal?.aborted) throw new SyncpointError('interrupted', 'interrupted while waiting for the replica to apply', s.server.label);
}

export interface ReplicationDeps {
  readonly flavor: FlavorProfile;
  /** A new session (tracked by the engine) to hold table locks for `owner`; closed with it. */
  openHelper(owner: Session): Promise<Session>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function isSyntaxError(err: unknown): boolean {
  const code = driverErrorCode((err as { cause?: unknown })?.cause ?? err);
  return code === 'ER_PARSE_ERROR' || code === 'ER_SYNTAX_ERROR';
}

export class MysqlFamilyReplication implements ReplicationProbe {
  private readonly flavor: FlavorProfile;
  /** Helper connection holding LOCK TABLES for a control session (primary-lock). */
  private readonly helpers = new WeakMap<Session, Session>();
  private readonly locked = new WeakSet<Session>();

  constructor(private readonly deps: ReplicationDeps) {
    this.flavor = deps.flavor;
  }

  currentPosition(s: Session): Promise<Position> {
    return this.flavor.currentPosition(s);
  }

  private async statusRows(s: Session): Promise<Row[]> {
    const st = this.flavor.statements;
    let rows: Row[];
    try {
      rows = await s.query(st.replicaStatus);
    } catch (err) {
      if (st.replicaStatusFallback && isSyntaxError(err)) return s.query(st.replicaStatusFallback);
      throw err;
    }
    if (rows.length > 0 || !st.allConnectionsStatus) return rows;
    // MariaDB replicating through one named connection only (CHANGE MASTER 'feed' TO ...): this
    // session's SLAVE statements are pointed at it, as they would be at the default connection.
    // Several named connections and no default one (multi-source, an aggregator): not followed,
    // as before; such a server reads as no replica (a primary at the root of discovery).
    const all = await s.query(st.allConnectionsStatus);
    if (all.length !== 1) return rows;
    await s.query({ sql: 'SET SESSION default_master_connection = ?', params: [statusText(all[0]!, 'Connection_name')] });
    return s.query(st.replicaStatus);
  }

  async replicaStatus(s: Session, o: { readonly openTempTables?: boolean } = {}): Promise<ReplicaStatus | null> {
    const rows = await this.statusRows(s);
    // Multi-source (MariaDB named connections, MySQL channels): the default connection comes first.
    const row = rows[0];
    if (!row) return null;
    const facts = parseReplicaStatusRow(row);
    const executed = await this.flavor.executedPosition(s, row);
    const temp = o.openTempTables
      ? parseOpenTempTables(await s.query("SHOW GLOBAL STATUS WHERE Variable_name IN ('Slave_open_temp_tables', 'Replica_open_temp_tables')"))
      : null;
    return Object.freeze({
      kind: 'binlog',
      receiving: facts.receiving,
      applying: facts.applying,
      lastError: facts.lastError,
      lagSeconds: facts.lagSeconds,
      executed,
      sourceHost: facts.sourceHost,
      sourcePort: facts.sourcePort,
      sourceServerId: facts.sourceServerId,
      executedAtSource: facts.executedFilePos,
      openTempTables: temp,
      applyUntil: facts.applyUntil,
      applyState: facts.applyState,
      paused: false,
      subscriptions: Object.freeze([]),
    } satisfies ReplicaStatus);
  }

  async discoverReplicas(s: Session): Promise<DiscoveredReplica[]> {
    const st = this.flavor.statements;
    let via = st.replicaHostsVia;
    let hosts: Row[];
    try {
      hosts = await s.query(st.replicaHosts);
    } catch (err) {
      if (st.replicaHosts === 'SHOW SLAVE HOSTS' || !isSyntaxError(err)) throw err;
      via = 'SHOW SLAVE HOSTS';
      hosts = await s.query('SHOW SLAVE HOSTS');
    }
    // Without the PROCESS privilege this lists only our own threads: no error, just fewer hints.
    const dumps = await s.query({
      sql: `SELECT ID AS id, HOST AS host FROM information_schema.PROCESSLIST WHERE COMMAND IN (${st.dumpCommands.map(() => '?').join(', ')})`,
      params: st.dumpCommands,
    });
    return discoveredReplicas(hosts, via, dumps);
  }

  async beginSnapshot(s: Session): Promise<Position | null> {
    await s.query(BEGIN_SNAPSHOT);
    if (!this.flavor.caps.snapshotPosition) return null;
    try {
      return await this.flavor.snapshotPosition(s);
    } catch (err) {
      await s.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  async endSnapshot(s: Session): Promise<void> {
    // The table lock first: it is what the primary's writers wait for.
    const helper = this.helpers.get(s);
    if (helper && this.locked.has(s)) {
      this.locked.delete(s);
      try {
        await helper.query(UNLOCK_TABLES);
      } catch {
        // A dead connection holds no lock; a live one that refused UNLOCK must not keep it.
        this.helpers.delete(s);
        await helper.close();
      }
    }
    await s.query('COMMIT');
  }

  async exportSnapshot(_s: Session): Promise<string> {
    throw new Error('MySQL and MariaDB cannot share a snapshot between sessions (caps.sharedSnapshots is false)');
  }

  async importSnapshot(_s: Session, _id: string): Promise<void> {
    throw new Error('MySQL and MariaDB cannot share a snapshot between sessions (caps.sharedSnapshots is false)');
  }

  async stopApply(s: Session, until?: Position['kind']): Promise<void> {
    await s.query(until === 'binlog-file-pos' ? this.flavor.statements.stopApplyThread : this.flavor.statements.stopApply);
  }

  async applyThreads(s: Session): Promise<ApplyThread[]> {
    return (await s.query(this.flavor.statements.applyThreads)).map(parseApplyThread);
  }

  async serverId(s: Session): Promise<number | null> {
    const v = (await s.query('SELECT @@GLOBAL.server_id AS id'))[0]?.['id'];
    const n = Number(v);
    return v === null || v === undefined || !Number.isFinite(n) ? null : n;
  }

  gtidOf(s: Session, pos: Position): Promise<Position> {
    return this.flavor.gtidOf(s, pos);
  }

  async startApplyUntil(s: Session, pos: Position): Promise<void> {
    try {
      await s.query(this.flavor.startApplyUntil(pos));
    } catch (err) {
      // MariaDB 1949: "START SLAVE UNTIL master_gtid_pos requires that slave is using GTID".
      if (this.flavor.flavor === 'mariadb' && err instanceof SyncpointError && (err.cause as { errno?: number } | undefined)?.errno === 1949) {
        throw new SyncpointError(
          'config',
          'this replica replicates by file coordinates (MASTER_USE_GTID=no), so it cannot stop at a GTID position: ' +
            'run CHANGE MASTER TO MASTER_USE_GTID=slave_pos on it, or use --sync-method primary-lock',
          err.where,
          { cause: err.cause },
        );
      }
      throw err;
    }
  }

  /**
   * Resume applying with no condition. START on a running thread is only a note ("already
   * running") and keeps the UNTIL it was started with, so a replica given up on while still
   * applying towards a sync position (a timeout) would stop there by itself later: a thread
   * running under an UNTIL is stopped first (both threads for a GTID UNTIL, which holds the IO
   * thread too on MariaDB), then started plainly.
   */
  async startApply(s: Session): Promise<void> {
    const st = this.flavor.statements;
    const row = (await this.statusRows(s))[0];
    const until = row && sqlThreadRunning(row) ? untilCondition(row) : null;
    if (until) await s.query(/gtid/i.test(until) ? st.stopApply : st.stopApplyThread);
    await s.query(st.startApply);
  }

  async waitApplied(s: Session, target: Position, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    let pos = target;
    if (this.flavor.notYetApplied) {
      const left = await this.flavor.notYetApplied(s, target);
      if (!left) return true;
      pos = left;
    }
    // The server's wait cannot be called off from here: with a signal it waits a second at a time.
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      throwIfAborted(signal, s);
      const left = deadline - Date.now();
      const slice = signal ? Math.min(left, WAIT_SLICE_MS) : left;
      const rows = await s.query(this.flavor.waitApplied(pos, slice));
      const v = rows[0]?.['reached'];
      if (v === null || v === undefined) {
        // The wait function could not tell (MASTER_POS_WAIT with the SQL thread stopped): read the status.
        const st = await this.replicaStatus(s);
        return Boolean(st?.executed && st.executed.kind === pos.kind && hasReached(st.executed, pos));
      }
      if (Number(v) === 1) return true;
      if (!signal || Date.now() >= deadline) return false;
    }
  }

  async waitApplyStopped(s: Session, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const row = (await this.statusRows(s))[0];
      if (!row || !sqlThreadRunning(row)) return true;
      if (Date.now() >= deadline) return false;
      throwIfAborted(signal, s);
      await sleep(STOP_POLL_MS);
    }
  }

  async lockTablesForSync(s: Session, tables: readonly TableInfo[], lockWaitMs: number): Promise<Position> {
    let helper = this.helpers.get(s);
    if (!helper || helper.closed) {
      helper = await this.deps.openHelper(s);
      this.helpers.set(s, helper);
    }
    const lock = lockTablesSql(tables);
    await helper.query(lockWaitStatement(lockWaitSeconds(lockWaitMs)));
    if (lock) {
      this.locked.add(s);
      try {
        await helper.query(lock);
      } catch (err) {
        this.locked.delete(s);
        throw this.lockError(err, lockWaitMs);
      }
    }
    try {
      const position = await this.flavor.currentPosition(helper);
      await s.query(BEGIN_SNAPSHOT);
      return position;
    } catch (err) {
      await this.endSnapshot(s).catch(() => undefined);
      throw err;
    }
  }

  async lockForRead(s: Session, tables: readonly TableInfo[], lockWaitMs: number): Promise<Position> {
    const lock = lockTablesSql(tables);
    if (!lock) throw new Error('no table to lock');
    await s.query(lockWaitStatement(lockWaitSeconds(lockWaitMs)));
    try {
      await s.query(lock);
    } catch (err) {
      throw this.lockError(err, lockWaitMs);
    }
    try {
      return await this.flavor.currentPosition(s);
    } catch (err) {
      await s.query(UNLOCK_TABLES).catch(() => undefined);
      throw err;
    }
  }

  async unlockRead(s: Session): Promise<void> {
    await s.query(UNLOCK_TABLES);
  }

  private lockError(err: unknown, lockWaitMs: number): unknown {
    if (!(err instanceof SyncpointError)) return err;
    if (err.kind === 'timeout') {
      return new SyncpointError('timeout', `table lock for the sync point not granted within ${lockWaitSeconds(lockWaitMs)}s (long transactions writing to the checked tables?)`, err.where, { cause: err.cause });
    }
    if (err.kind === 'config' && driverErrorCode(err.cause) === 'ER_DBACCESS_DENIED_ERROR') {
      // The server names the database, not the privilege: say which one primary-lock needs.
      return new SyncpointError('config', `the primary-lock sync method needs the LOCK TABLES privilege on the checked schemas (${err.message})`, err.where, { cause: err.cause });
    }
    return err;
  }
}

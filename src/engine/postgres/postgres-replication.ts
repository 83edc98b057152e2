/**
 * PostgreSQL replication facts and the primary-lock sync primitives.
 *
 * PostgreSQL cannot make a standby stop at an exact LSN, so the only sync method is
 * 'primary-lock': lock the checked tables IN SHARE MODE on the primary (writers wait, readers do
 * not; in-flight writers commit first), read the LSN, wait until every replica has applied it,
 * open the replicas' snapshots, release. Replay is never paused by the tool.
 *
 * Logical subscribers: "applied up to L" is judged on the subscriber from pg_stat_subscription,
 * per enabled subscription of the current database, because the last commit a subscriber
 * receives may end well before L (the primary writes WAL the publication does not carry) and the
 * subscription's origin only advances on commits it applies. The apply worker handles messages
 * one at a time, in LSN order, and every transaction is sent whole in commit order; hence:
 *   - latest_end_lsn >= L: a sender keepalive at or past L was processed, so everything before it
 *     was applied (an idle sender sends one as soon as it has read all WAL);
 *   - received_lsn > L: the worker is on a message past L, so every transaction that committed
 *     at or before L is applied;
 *   - received_lsn = L: the commit ending at L may still be applying: it is done once a later
 *     poll, with nothing newer received, sees the worker waiting for data in its main loop
 *     (wait_event LogicalApplyMain), which it only does once everything received is applied.
 *     Its state 'idle' is not enough: a COMMIT PREPARED (two_phase) or a streamed transaction
 *     handed to a parallel worker (PostgreSQL 16+) is applied with the state still 'idle' from
 *     the message before. Seeing the wait needs pg_read_all_stats or the subscription owner's
 *     role; without it the next keepalive decides.
 * This needs neither the publisher's session nor superuser. It is what PostgreSQL's own tests
 * check from the publisher side (pg_stat_replication.replay_lsn in wait_for_catchup), seen from
 * the subscriber, and without waiting for the subscriber's own WAL flush.
 */
import { parsePgLsn, type Position } from '../position.js';
import type { ReplicationProbe, Session } from '../engine.js';
import type { DiscoveredReplica, ReplicaStatus, Row, TableInfo } from '../types.js';
import { SyncpointError } from '../../errors.js';
import { PgSession } from './postgres-driver.js';
import type { ErrorContext } from './postgres-errors.js';
import { insertLsnToRecordEnd, type WalGeometry } from './postgres-lsn.js';
import { qualifiedName } from './postgres-sql.js';

export interface PgServerFacts {
  /** server_version_num, e.g. 150006. */
  readonly versionNum: number;
  readonly wal: WalGeometry;
}

const LOCK_PRIVILEGE = 'UPDATE, DELETE or TRUNCATE privilege (or ownership) on every checked table, for LOCK TABLE ... IN SHARE MODE';

function run(s: Session, sql: string, ctx: ErrorContext = {}): Promise<Row[]> {
  return s instanceof PgSession ? s.run(sql, ctx) : s.query(sql);
}

function lsnOf(v: unknown): bigint | null {
  return typeof v === 'string' && v ? (parsePgLsn(v) as Extract<Position, { kind: 'pg-lsn' }>).lsn : null;
}

const pgLsn = (lsn: bigint): Position => ({ kind: 'pg-lsn', lsn });

function targetLsn(pos: Position, label: string): bigint {
  if (pos.kind !== 'pg-lsn') throw new SyncpointError('usage', `a PostgreSQL replica cannot wait for a ${pos.kind} position`, label);
  return pos.lsn;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** libpq conninfo, keyword=value or URI form: host and port only (the password is never read). */
export function parseConninfoHostPort(conninfo: string | null | undefined): { host: string | null; port: number | null } {
  if (!conninfo) return { host: null, port: null };
  const text = conninfo.trim();
  if (/^postgres(ql)?:\/\//i.test(text)) {
    try {
      const url = new URL(text);
      const host = decodeURIComponent(url.hostname).replace(/^\[(.*)\]$/, '$1') || url.searchParams.get('host');
      const port = url.port ? Number(url.port) : url.searchParams.get('port') ? Number(url.searchParams.get('port')) : null;
      return { host: host || null, port: port && Number.isInteger(port) ? port : null };
    } catch {
      return { host: null, port: null };
    }
  }
  const values = new Map<string, string>();
  const re = /(\w+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(\S+))/g;
  for (let m = re.exec(text); m; m = re.exec(text)) values.set(m[1]!.toLowerCase(), (m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1'));
  const host = values.get('host') ?? values.get('hostaddr') ?? null;
  const port = values.has('port') ? Number(values.get('port')!.split(',')[0]) : null;
  return { host: host ? host.split(',')[0]! : null, port: port !== null && Number.isInteger(port) && port > 0 ? port : null };
}

// ---- physical standby ---------------------------------------------------------------------

export const PHYSICAL_STATUS_SQL = `SELECT pg_catalog.pg_is_wal_replay_paused() AS paused,
  pg_catalog.pg_last_wal_replay_lsn()::text AS replay_lsn,
  pg_catalog.pg_last_wal_receive_lsn()::text AS receive_lsn,
  CASE WHEN pg_catalog.pg_last_wal_receive_lsn() <= pg_catalog.pg_last_wal_replay_lsn() THEN 0
       WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a WHERE a.backend_type = 'startup' AND a.wait_event = 'RecoveryWalStream') THEN 0
       ELSE extract(epoch FROM pg_catalog.now() - pg_catalog.pg_last_xact_replay_timestamp()) END::text AS lag_seconds,
  r.pid AS receiver_pid, r.status AS receiver_status, r.sender_host, r.sender_port, r.conninfo
FROM (SELECT 1) AS one LEFT JOIN pg_catalog.pg_stat_wal_receiver r ON true`;

/**
 * Lag: 0 when everything received is replayed (an idle primary sends nothing, so the time since
 * the last replayed commit is not lag), else the age of the last replayed commit. Received WAL can
 * end inside a record (the primary flushed up to a page boundary in the middle of an open
 * transaction's record): replay stops before that record and waits for the rest, so a startup
 * process waiting for streamed WAL also means 0 (its wait event is visible to pg_monitor /
 * pg_read_all_stats members and superusers; without it such a standby shows the commit's age).
 * Sender host and port are shown to superusers and pg_read_all_stats members only.
 */
export function mapPhysicalStatus(row: Row): ReplicaStatus {
  const paused = row['paused'] === true;
  const receiving = row['receiver_pid'] !== null && row['receiver_pid'] !== undefined && (row['receiver_status'] == null || row['receiver_status'] === 'streaming');
  const replay = lsnOf(row['replay_lsn']);
  const lag = row['lag_seconds'] == null ? null : Math.max(0, Number(row['lag_seconds']));
  const fromConninfo = parseConninfoHostPort(row['conninfo'] as string | null);
  const sourceHost = (row['sender_host'] as string | null) ?? fromConninfo.host;
  const sourcePort = row['sender_port'] != null ? Number(row['sender_port']) : fromConninfo.port;
  let lastError: string | null = null;
  if (row['receiver_pid'] == null) lastError = 'no WAL receiver is running: the standby is not streaming from a primary (see primary_conninfo and its server log)';
  else if (!receiving) lastError = `WAL receiver is ${String(row['receiver_status'])}, not streaming`;
  return Object.freeze({
    kind: 'physical',
    receiving,
    applying: !paused,
    lastError,
    lagSeconds: lag !== null && Number.isFinite(lag) ? lag : null,
    executed: replay === null ? null : pgLsn(replay),
    sourceHost,
    sourcePort,
    sourceServerId: null,
    executedAtSource: null,
    openTempTables: null,
    paused,
    subscriptions: Object.freeze([]),
  });
}

// ---- logical subscriber -------------------------------------------------------------------

/** Only columns every role may read (subconninfo is superuser-only). */
export function subscriptionsSql(versionNum: number, opts: { withWorkerState?: boolean } = {}): string {
  // PostgreSQL 16 adds parallel apply workers, also with relid NULL: only the leader counts.
  const leaderOnly = versionNum >= 160000 ? ' AND st.leader_pid IS NULL' : '';
  const errors = versionNum >= 150000;
  return `SELECT s.oid::int8::text AS subid, s.subname::text AS name, s.subenabled AS enabled,
  st.pid AS pid, st.received_lsn::text AS received_lsn, st.latest_end_lsn::text AS latest_end_lsn,
  ${errors ? 'ss.apply_error_count::text AS apply_errors, ss.sync_error_count::text AS sync_errors' : 'NULL::text AS apply_errors, NULL::text AS sync_errors'},
  ${opts.withWorkerState ? "CASE WHEN a.state IS NULL THEN NULL WHEN a.wait_event = 'LogicalApplyMain' THEN 'waiting' ELSE 'busy' END AS worker_state" : 'NULL::text AS worker_state'}
FROM pg_catalog.pg_subscription s
LEFT JOIN pg_catalog.pg_stat_subscription st ON st.subid = s.oid AND st.relid IS NULL${leaderOnly}
${errors ? 'LEFT JOIN pg_catalog.pg_stat_subscription_stats ss ON ss.subid = s.oid' : ''}
${opts.withWorkerState ? 'LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = st.pid' : ''}
WHERE s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())
ORDER BY s.subname`;
}

export interface SubscriptionRow {
  readonly name: string;
  readonly enabled: boolean;
  readonly pid: number | null;
  readonly received: bigint | null;
  readonly latestEnd: bigint | null;
  readonly applyErrors: number | null;
  readonly syncErrors: number | null;
  /** 'waiting' (for data, in its main loop), 'busy', or null when not visible to this role. */
  readonly workerState: string | null;
}

export function mapSubscriptionRow(row: Row): SubscriptionRow {
  const num = (v: unknown) => (v == null ? null : Number(v));
  return {
    name: String(row['name']),
    enabled: row['enabled'] === true,
    pid: num(row['pid']),
    received: lsnOf(row['received_lsn']),
    latestEnd: lsnOf(row['latest_end_lsn']),
    applyErrors: num(row['apply_errors']),
    syncErrors: num(row['sync_errors']),
    workerState: (row['worker_state'] as string | null) ?? null,
  };
}

/**
 * Lag is not reported for subscribers: the only clock pg_stat_subscription has is the sender's
 * last message time, and an idle sender sends nothing, so its age is not lag. The sync wait
 * (waitApplied) bounds the real delay. Error counts (PostgreSQL 15+) accumulate until reset, so
 * they are reported only while a worker is actually down.
 */
export function mapLogicalStatus(subs: readonly SubscriptionRow[], source: { host: string | null; port: number | null }): ReplicaStatus | null {
  if (subs.length === 0) return null;
  const enabled = subs.filter((s) => s.enabled);
  const problems: string[] = [];
  for (const s of subs) {
    if (!s.enabled) problems.push(`subscription "${s.name}" is disabled`);
    else if (s.pid === null) {
      const counts = s.applyErrors || s.syncErrors ? ` (${s.applyErrors ?? 0} apply and ${s.syncErrors ?? 0} table sync error(s) since statistics reset; see the subscriber's server log)` : '';
      problems.push(`subscription "${s.name}": apply worker not running${counts}`);
    }
  }
  const executed = enabled.length > 0 && enabled.every((s) => s.latestEnd !== null)
    ? enabled.map((s) => s.latestEnd!).reduce((a, b) => (a < b ? a : b))
    : null;
  return Object.freeze({
    kind: 'logical',
    receiving: enabled.length > 0 && enabled.every((s) => s.pid !== null),
    applying: enabled.length === subs.length && enabled.every((s) => s.pid !== null),
    lastError: problems.length ? problems.join('; ') : null,
    lagSeconds: null,
    executed: executed === null ? null : pgLsn(executed),
    sourceHost: source.host,
    sourcePort: source.port,
    sourceServerId: null,
    executedAtSource: null,
    openTempTables: null,
    paused: false,
    subscriptions: Object.freeze(subs.map((s) => s.name)),
  });
}

/** Per-subscription memory across polls of one waitApplied. */
export interface ApplyWatch {
  /** The worker was seen with received_lsn = L in an earlier poll. */
  sawReceivedAtTarget: boolean;
}

/** See the header: has this subscription applied everything committed at or before `target`? */
export function subscriptionApplied(sub: SubscriptionRow, target: bigint, watch: ApplyWatch): boolean {
  if (sub.pid === null) {
    watch.sawReceivedAtTarget = false;
    return false;
  }
  if (sub.latestEnd !== null && sub.latestEnd >= target) return true;
  if (sub.received !== null && sub.received > target) return true;
  if (sub.received === target) {
    if (watch.sawReceivedAtTarget && sub.workerState === 'waiting') return true;
    watch.sawReceivedAtTarget = true;
    return false;
  }
  watch.sawReceivedAtTarget = false;
  return false;
}

// ---- discovery ----------------------------------------------------------------------------

export const DISCOVER_SQL = `SELECT r.pid, r.application_name::text AS application_name, pg_catalog.host(r.client_addr) AS addr,
  r.client_hostname::text AS client_hostname, r.client_port, r.state::text AS state, sl.slot_type::text AS slot_type
FROM pg_catalog.pg_stat_replication r
LEFT JOIN pg_catalog.pg_replication_slots sl ON sl.active_pid = r.pid
ORDER BY r.application_name, r.pid`;

/**
 * pg_stat_replication shows the address a standby or subscriber connected *from*, never the
 * port it listens on (client_port is the outgoing side), so nothing found here is usable without
 * the user naming the port. Cascaded standbys are not visible from the primary at all, and the
 * details are shown to superusers and pg_read_all_stats members only.
 */
export function mapDiscovered(rows: readonly Row[]): DiscoveredReplica[] {
  return rows
    .filter((r) => r['state'] !== 'backup')
    .map((r) => {
      const logical = r['slot_type'] === 'logical';
      const what = logical ? 'logical subscriber' : 'standby';
      const app = r['application_name'] ? ` "${String(r['application_name'])}"` : '';
      const host = (r['client_hostname'] as string | null) ?? (r['addr'] as string | null);
      const how = logical ? 'postgres://USER@HOST:PORT/DBNAME' : 'postgres://USER@HOST:PORT';
      const problem = host
        ? `PostgreSQL does not report the port a ${what} listens on (client_port is the outgoing side of its connection): name it with --replica ${how.replace('HOST', host.includes(':') ? `[${host}]` : host)}`
        : `the ${what}'s address is not shown (it connected through a Unix socket, or this user lacks pg_read_all_stats): name it with --replica ${how}`;
      return Object.freeze({ host: host ?? 'unknown', port: null, via: `pg_stat_replication (${what}${app})`, problem });
    });
}

// ---- the probe ----------------------------------------------------------------------------

const FLUSH_LSN_SQL = 'pg_catalog.pg_current_wal_flush_lsn()::text AS flushed';
/** currentPosition (no lock held): how long the spare session's commit may take. */
const SPARE_COMMIT_MS = 10_000;

/** 3 x wal_writer_delay ('200ms', '1s'), at most 1 s: the longest the tool holds its lock for it. */
export function flushWaitMs(setting: unknown): number {
  const m = /^(\d+)\s*(ms|s|min)?$/.exec(String(setting ?? '').trim());
  const ms = m ? Number(m[1]) * (m[2] === 's' ? 1000 : m[2] === 'min' ? 60_000 : 1) : 200;
  return Math.min(1000, 3 * ms);
}

/**
 * `openSpare` opens a short-lived extra session on the same server: the primary-lock sync point
 * uses one to commit a transaction that writes nothing but its commit record (see
 * lockTablesForSync). Without it the sync point falls back to waiting for the WAL writer.
 */
export function createPostgresReplication(facts: PgServerFacts, openSpare?: () => Promise<Session>): ReplicationProbe {
  const unsupported = (what: string, s: Session): never => {
    throw new SyncpointError('usage', `${what} is not supported on PostgreSQL: a standby cannot stop at an exact position, so PostgreSQL uses the primary-lock sync method and never pauses replay`, s.server.label);
  };

  async function inRecovery(s: Session): Promise<boolean> {
    const rows = await run(s, 'SELECT pg_catalog.pg_is_in_recovery() AS standby');
    return rows[0]?.['standby'] === true;
  }

  async function subscriptions(s: Session, withWorkerState = false): Promise<SubscriptionRow[]> {
    return (await run(s, subscriptionsSql(facts.versionNum, { withWorkerState }))).map(mapSubscriptionRow);
  }

  async function subscriptionSource(s: Session): Promise<{ host: string | null; port: number | null }> {
    const rows = await run(s, `SELECT CASE WHEN pg_catalog.has_column_privilege('pg_catalog.pg_subscription', 'subconninfo', 'SELECT') THEN 1 END AS allowed`);
    if (rows[0]?.['allowed'] !== 1) return { host: null, port: null };
    const info = await run(s, `SELECT s.subconninfo FROM pg_catalog.pg_subscription s
      WHERE s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()) ORDER BY s.subname LIMIT 1`);
    return parseConninfoHostPort(info[0]?.['subconninfo'] as string | null);
  }

  /**
   * Commit, on a spare session, a transaction that only takes a transaction id: its commit record
   * lands after every position read before it and, as the transaction wrote nothing else, the WAL
   * writer flushes it at its next cycle (wal_writer_delay, at once when it was sleeping),
   * completing every record before it. It changes no data, takes no lock and never waits for a
   * synchronous standby; it costs one transaction id. It runs on `idle` (a session of the
   * caller's, outside any transaction) when given, else on a new session closed after. False when
   * no session could be had, the commit failed, or it took longer than `withinMs` (a slow login,
   * say LDAP, must not hold a sync lock: the attempt then finishes, and closes its session, on its
   * own).
   */
  async function commitAfter(withinMs: number, idle?: Session): Promise<boolean> {
    if (!idle && !openSpare) return false;
    const attempt = (async () => {
      let spare: Session | undefined;
      try {
        spare = idle ?? (await openSpare!());
        // Autocommit: the reply comes once the commit record is inserted, after everything read
        // before it.
        const rows = await run(spare, 'SELECT pg_catalog.pg_current_xact_id()::text AS xid');
        return rows[0]?.['xid'] != null;
      } catch {
        return false;
      } finally {
        if (spare !== idle) await spare?.close().catch(() => undefined);
      }
    })();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(1, withinMs))));
    try {
      return await Promise.race([attempt, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * `target` once replicas can reach it: replicas only ever get flushed WAL. Asynchronous commits,
   * and the WAL readers write without a transaction id (page pruning, hint bits), are flushed by
   * the WAL writer within 3 x wal_writer_delay: that long is waited first (on a busy primary the
   * next commit flushes sooner). What is still unflushed then is a tail the WAL writer leaves
   * alone: records of a transaction still open (a row lock, an uncommitted write), and the WAL
   * writer flushes only whole pages, so one cut by a page boundary is flushed up to it, where no
   * standby can replay it and no logical sender gets past it, until something else commits (the
   * background writer's running-transactions record, within about 15 s). A flushed position
   * inside a page is taken as it is; only one on a page boundary makes the tool write anything: a
   * commit after the target (commitAfter) completes the tail. Without one, the flushed position
   * is read again and taken.
   */
  async function reachable(s: Session, target: bigint, flushedAtRead: bigint | null, walWriterDelay: unknown, o: { idle?: Session; commitWithinMs?: number }): Promise<Position> {
    let flushed = flushedAtRead;
    if (flushed === null || flushed >= target) return pgLsn(target);
    const readFlushed = async (): Promise<bigint> => lsnOf((await run(s, `SELECT ${FLUSH_LSN_SQL}`))[0]?.['flushed']) ?? flushed!;
    const bound = flushWaitMs(walWriterDelay);
    const deadline = Date.now() + bound;
    while (flushed < target && Date.now() < deadline) {
      await sleep(10);
      flushed = await readFlushed();
    }
    if (flushed >= target) return pgLsn(target);
    // Every commit before the read is flushed by now. A flushed position inside a page is a record
    // end (the WAL writer stops mid-page only at an asynchronous commit's end, a flush for a
    // commit at its record's end): replicas reach it, and it covers every commit. Only one on a
    // page boundary may cut a record (the tail may well be the tool's own: catalog pages its
    // lock session pruned), and only then is a commit written to complete it.
    if (flushed % facts.wal.blockSize !== 0n) return pgLsn(flushed);
    if (await commitAfter(o.commitWithinMs ?? bound, o.idle)) return pgLsn(target);
    flushed = await readFlushed();
    return pgLsn(flushed < target ? flushed : target);
  }

  return Object.freeze({
    /**
     * A primary's position is where its inserted WAL ends, made reachable for replicas (see
     * reachable: a tail the WAL writer leaves unflushed is completed by a commit after it).
     */
    async currentPosition(s: Session): Promise<Position> {
      const rows = await run(s, `SELECT CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_last_wal_replay_lsn()::text END AS replay,
        CASE WHEN NOT pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_current_wal_insert_lsn()::text END AS insert,
        CASE WHEN NOT pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_current_wal_flush_lsn()::text END AS flushed,
        pg_catalog.current_setting('wal_writer_delay') AS wal_writer_delay`);
      const replay = lsnOf(rows[0]?.['replay']);
      if (replay !== null) return pgLsn(replay);
      const insert = lsnOf(rows[0]?.['insert']);
      if (insert === null) throw new SyncpointError('server', 'the server reported no WAL position', s.server.label);
      // No lock is held here: the commit, if one is needed, may take a slow login.
      return reachable(s, insertLsnToRecordEnd(insert, facts.wal), lsnOf(rows[0]?.['flushed']), rows[0]?.['wal_writer_delay'], { commitWithinMs: SPARE_COMMIT_MS });
    },

    async replicaStatus(s: Session): Promise<ReplicaStatus | null> {
      if (await inRecovery(s)) return mapPhysicalStatus((await run(s, PHYSICAL_STATUS_SQL))[0] ?? {});
      const subs = await subscriptions(s);
      if (subs.length === 0) return null;
      return mapLogicalStatus(subs, await subscriptionSource(s));
    },

    /**
     * A subscriber's positions (received_lsn, latest_end_lsn) are its publisher's WAL: they mean
     * the primary's only when every enabled subscription streams from a logical slot on the
     * primary (WAL positions are server-wide: any of its databases). A subscriber of another
     * subscriber (a cascade) or of another server is refused for the wait. subslotname and
     * pg_replication_slots are readable by every role. Physical standbys, cascaded or not, replay
     * the primary's own WAL.
     */
    async sourceProblem(replica: Session, primary: Session): Promise<string | null> {
      if (await inRecovery(replica)) return null;
      const subs = await run(replica, `SELECT s.subname::text AS name, s.subslotname::text AS slot FROM pg_catalog.pg_subscription s
        WHERE s.subenabled AND s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()) ORDER BY s.subname`);
      if (subs.length === 0) return null;
      const slots = new Set((await run(primary, "SELECT slot_name::text AS slot FROM pg_catalog.pg_replication_slots WHERE slot_type = 'logical'")).map((r) => String(r['slot'])));
      const foreign = subs.filter((r) => r['slot'] == null || !slots.has(String(r['slot'])));
      if (foreign.length === 0) return null;
      return `subscription(s) ${foreign.map((r) => `"${String(r['name'])}" (slot ${r['slot'] == null ? 'NONE' : `"${String(r['slot'])}"`})`).join(', ')} do not stream from a logical slot of the primary: this subscriber replicates from another server (a cascade?), whose WAL positions are not the primary's; check it against its own publisher`;
    },

    async discoverReplicas(s: Session): Promise<DiscoveredReplica[]> {
      return mapDiscovered(await run(s, DISCOVER_SQL));
    },

    async beginSnapshot(s: Session): Promise<Position | null> {
      // The snapshot is taken by the first statement, not by BEGIN: run one now.
      await run(s, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT pg_catalog.pg_current_snapshot()::text AS snapshot');
      return null;
    },

    async endSnapshot(s: Session): Promise<void> {
      await run(s, 'COMMIT');
    },

    async exportSnapshot(s: Session): Promise<string> {
      const rows = await run(s, 'SELECT pg_catalog.pg_export_snapshot() AS id');
      return String(rows[0]?.['id']);
    },

    async importSnapshot(s: Session, id: string): Promise<void> {
      if (!/^[0-9A-Fa-f]+-[0-9A-Fa-f]+-\d+$/.test(id)) throw new SyncpointError('usage', `malformed snapshot id ${JSON.stringify(id)}`, s.server.label);
      await run(s, `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '${id}'`);
    },

    stopApply: async (s: Session) => unsupported('stopping replay', s),
    startApplyUntil: async (s: Session) => unsupported('replaying up to a position', s),
    waitApplyStopped: async (s: Session) => unsupported('waiting for replay to stop', s),
    serverId: async () => null,
    gtidOf: async (_s: Session, pos: Position) => pos,

    /**
     * Only undoes a pause found on a physical standby (someone ran pg_wal_replay_pause(); the
     * tool never does). A disabled subscription is left as its owner set it.
     */
    async startApply(s: Session): Promise<void> {
      if (!(await inRecovery(s))) return;
      const rows = await run(s, 'SELECT pg_catalog.pg_is_wal_replay_paused() AS paused');
      if (rows[0]?.['paused'] === true) {
        await run(s, 'SELECT pg_catalog.pg_wal_replay_resume()', { privilege: 'superuser or EXECUTE on pg_wal_replay_resume()' });
      }
    },

    async waitApplied(s: Session, pos: Position, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
      const target = targetLsn(pos, s.server.label);
      const deadline = Date.now() + Math.max(0, timeoutMs);
      const physical = await inRecovery(s);
      const watches = new Map<string, ApplyWatch>();
      let pause = 2;
      for (;;) {
        if (signal?.aborted) throw new SyncpointError('interrupted', 'interrupted while waiting for the replica to apply', s.server.label);
        if (physical) {
          const rows = await run(s, 'SELECT pg_catalog.pg_last_wal_replay_lsn()::text AS lsn, pg_catalog.pg_is_wal_replay_paused() AS paused');
          const replay = lsnOf(rows[0]?.['lsn']);
          if (replay !== null && replay >= target) return true;
          // Paused replay never gets there, and resuming it is not ours to do.
          if (rows[0]?.['paused'] === true) return false;
        } else {
          const subs = (await subscriptions(s, true)).filter((x) => x.enabled);
          if (subs.length === 0) throw new SyncpointError('config', 'not a replica: neither a standby nor a subscriber with an enabled subscription in this database', s.server.label);
          const done = subs.map((sub) => {
            let w = watches.get(sub.name);
            if (!w) watches.set(sub.name, (w = { sawReceivedAtTarget: false }));
            return subscriptionApplied(sub, target, w);
          });
          if (done.every(Boolean)) return true;
        }
        const left = deadline - Date.now();
        if (left <= 0) return false;
        await sleep(Math.min(pause, left));
        pause = Math.min(50, Math.ceil(pause * 1.5));
      }
    },

    async lockTablesForSync(s: Session, tables: readonly TableInfo[], lockWaitMs: number, idle?: Session): Promise<Position> {
      const names = [...new Set(tables.map(qualifiedName))];
      const statements = [
        'BEGIN ISOLATION LEVEL REPEATABLE READ',
        `SET LOCAL lock_timeout = '${Math.max(1, Math.ceil(lockWaitMs))}ms'`,
        ...(names.length ? [`LOCK TABLE ${names.join(', ')} IN SHARE MODE`] : []),
        // LOCK does not take the transaction snapshot; this statement does, after the lock, and
        // reads the position in the same breath: no write to a locked table can fall between.
        `SELECT pg_catalog.pg_current_wal_insert_lsn()::text AS lsn, ${FLUSH_LSN_SQL}, pg_catalog.current_setting('wal_writer_delay') AS wal_writer_delay`,
      ];
      const rows = await run(s, statements.join('; '), { privilege: LOCK_PRIVILEGE });
      const lsn = lsnOf(rows[0]?.['lsn']);
      if (lsn === null) throw new SyncpointError('server', 'the primary reported no WAL position', s.server.label);
      const target = insertLsnToRecordEnd(lsn, facts.wal);
      // The lock is held meanwhile: the commit, if one is needed, gets the flush wait's bound.
      return reachable(s, target, lsnOf(rows[0]?.['flushed']), rows[0]?.['wal_writer_delay'], idle ? { idle } : {});
    },
  });
}

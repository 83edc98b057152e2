/**
 * The SQL and file facts `syncpoint clone` needs on PostgreSQL (13+): a physical standby's
 * settings, its replay LSN and timeline before a clean shutdown,
 * the primary's slot for the new standby (copied from the source's, so it holds WAL from where
 * the copy will need it), and the primary_conninfo of the new standby.
 * Pure builders and parsers are exported for unit tests; async readers take an engine Session.
 */
import { SyncpointError } from '../../errors.js';
import type { Session } from '../engine.js';
import { parsePgLsn, type Position } from '../position.js';
import type { Row } from '../types.js';

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

export interface PgStandbyFacts {
  readonly versionNum: number;
  readonly version: string;
  readonly inRecovery: boolean;
  /** Absolute; null when this role may not read it (superuser or pg_read_all_settings). */
  readonly dataDirectory: string | null;
  readonly hotStandby: boolean;
  /** Full conninfo (it may hold a password: never log it); null when not readable. */
  readonly primaryConninfo: string | null;
  readonly primarySlotName: string;
  readonly receiverStatus: string | null;
  readonly receivedTimeline: number | null;
  readonly senderHost: string | null;
  readonly senderPort: number | null;
  readonly replayPaused: boolean;
  readonly port: number;
  /** Logical subscriptions in this database (a subscriber is not a physical standby). */
  readonly subscriptions: number;
}

/**
 * current_setting(name, true) returns NULL instead of failing on an unknown setting; settings
 * restricted to superusers/pg_read_all_settings still raise 42501, so those are read on their
 * own (readRestrictedSetting) and reported as unknown when refused.
 */
export const STANDBY_FACTS_SQL = `SELECT current_setting('server_version_num')::int AS version_num,
  current_setting('server_version') AS version,
  pg_catalog.pg_is_in_recovery() AS in_recovery,
  current_setting('hot_standby') AS hot_standby,
  coalesce(current_setting('primary_slot_name', true), '') AS primary_slot_name,
  current_setting('port')::int AS port,
  CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_is_wal_replay_paused() ELSE false END AS paused,
  (SELECT count(*) FROM pg_catalog.pg_subscription WHERE subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()))::int AS subscriptions,
  r.status AS receiver_status, r.received_tli, r.sender_host, r.sender_port
FROM (SELECT 1) AS one LEFT JOIN pg_catalog.pg_stat_wal_receiver r ON true`;

async function readRestrictedSetting(s: Session, name: 'data_directory' | 'primary_conninfo'): Promise<string | null> {
  try {
    const rows = await s.query({ sql: 'SELECT current_setting($1) AS v', params: [name] });
    return str(rows[0]?.['v']);
  } catch (err) {
    if ((err as { kind?: string }).kind === 'config') return null;
    throw err;
  }
}

export function mapStandbyFacts(row: Row, dataDirectory: string | null, primaryConninfo: string | null): PgStandbyFacts {
  return Object.freeze({
    versionNum: Number(row['version_num']),
    version: str(row['version']),
    inRecovery: row['in_recovery'] === true,
    dataDirectory: dataDirectory ? dataDirectory.replace(/\/+$/, '') || '/' : null,
    hotStandby: str(row['hot_standby']) === 'on',
    primaryConninfo,
    primarySlotName: str(row['primary_slot_name']),
    receiverStatus: row['receiver_status'] == null ? null : str(row['receiver_status']),
    receivedTimeline: row['received_tli'] == null ? null : Number(row['received_tli']),
    senderHost: row['sender_host'] == null ? null : str(row['sender_host']),
    senderPort: row['sender_port'] == null ? null : Number(row['sender_port']),
    replayPaused: row['paused'] === true,
    port: Number(row['port']),
    subscriptions: Number(row['subscriptions'] ?? 0),
  });
}

export async function readStandbyFacts(s: Session): Promise<PgStandbyFacts> {
  const row = (await s.query(STANDBY_FACTS_SQL))[0] ?? {};
  return mapStandbyFacts(row, await readRestrictedSetting(s, 'data_directory'), await readRestrictedSetting(s, 'primary_conninfo'));
}

/** The timeline the server is on: the last checkpoint's (a primary writes on it; a standby replays on it). */
export async function checkpointTimeline(s: Session): Promise<number> {
  const rows = await s.query('SELECT timeline_id FROM pg_catalog.pg_control_checkpoint()');
  return Number(rows[0]?.['timeline_id']);
}

// ---- quiesce --------------------------------------------------------------------------------

/** Undoes a pause someone left on the source (the clone itself never pauses replay: see the adapter). */
export async function resumeReplay(s: Session): Promise<void> {
  const rows = await s.query('SELECT pg_catalog.pg_is_in_recovery() AND pg_catalog.pg_is_wal_replay_paused() AS paused');
  if (rows[0]?.['paused'] === true) await s.query('SELECT pg_catalog.pg_wal_replay_resume()');
}

export interface ReplayPosition {
  readonly lsn: Position;
  readonly timeline: number;
}

export async function readReplayPosition(s: Session): Promise<ReplayPosition> {
  const rows = await s.query(`SELECT pg_catalog.pg_last_wal_replay_lsn()::text AS lsn,
    (SELECT received_tli FROM pg_catalog.pg_stat_wal_receiver) AS tli,
    (SELECT timeline_id FROM pg_catalog.pg_control_checkpoint()) AS checkpoint_tli`);
  const r = rows[0] ?? {};
  const lsn = str(r['lsn']);
  if (!lsn) throw new SyncpointError('server', 'the standby reports no replay position (pg_last_wal_replay_lsn() is NULL)', s.server.label);
  return { lsn: parsePgLsn(lsn), timeline: Number(r['tli'] ?? r['checkpoint_tli']) };
}

// ---- slots on the primary ---------------------------------------------------------------------

/** Slot names: lower-case letters, digits, underscore, at most 63 bytes (NAMEDATALEN - 1). */
export function validSlotName(name: string): boolean {
  return /^[a-z0-9_]{1,63}$/.test(name);
}

export async function slotExists(s: Session, name: string): Promise<boolean> {
  const rows = await s.query({ sql: 'SELECT 1 AS x FROM pg_catalog.pg_replication_slots WHERE slot_name = $1', params: [name] });
  return rows.length > 0;
}

/**
 * A new physical slot with the source slot's restart_lsn: while the source is stopped its slot
 * holds WAL from what the copy has; the copy keeps holding it once the source moves on.
 * (A fresh slot would reserve from the primary's last checkpoint, possibly after that point.)
 */
export async function copyPhysicalSlot(s: Session, from: string, to: string): Promise<void> {
  await s.query({ sql: 'SELECT pg_catalog.pg_copy_physical_replication_slot($1, $2)', params: [from, to] });
}

/** When the source has no slot to copy: reserves WAL from the primary's last checkpoint on. */
export async function createPhysicalSlot(s: Session, name: string): Promise<void> {
  await s.query({ sql: 'SELECT pg_catalog.pg_create_physical_replication_slot($1, true)', params: [name] });
}

export async function dropSlot(s: Session, name: string): Promise<void> {
  await s.query({ sql: 'SELECT pg_catalog.pg_drop_replication_slot(slot_name) FROM pg_catalog.pg_replication_slots WHERE slot_name = $1 AND NOT active', params: [name] });
}

// ---- the new standby's configuration ----------------------------------------------------------

/** libpq keyword=value conninfo, parsed in order (quotes and backslash escapes as libpq reads them). */
export function parseConninfo(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let i = 0;
  const n = text.length;
  const skip = () => {
    while (i < n && /\s/.test(text[i]!)) i++;
  };
  for (;;) {
    skip();
    if (i >= n) break;
    let key = '';
    while (i < n && /[A-Za-z0-9_]/.test(text[i]!)) key += text[i++];
    skip();
    if (!key || text[i] !== '=') throw new SyncpointError('config', `malformed conninfo near position ${i}`);
    i++;
    skip();
    let value = '';
    if (text[i] === "'") {
      i++;
      while (i < n && text[i] !== "'") {
        if (text[i] === '\\' && i + 1 < n) i++;
        value += text[i++];
      }
      if (text[i] !== "'") throw new SyncpointError('config', 'malformed conninfo: unterminated quote');
      i++;
    } else {
      while (i < n && !/\s/.test(text[i]!)) {
        if (text[i] === '\\' && i + 1 < n) i++;
        value += text[i++];
      }
    }
    out.push([key.toLowerCase(), value]);
  }
  return out;
}

function quoteConninfoValue(v: string): string {
  if (v !== '' && !/[\s'\\]/.test(v)) return v;
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function formatConninfo(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs.map(([k, v]) => `${k}=${quoteConninfoValue(v)}`).join(' ');
}

/** Sets (or adds) keys, keeping the rest of the source's conninfo (sslmode, passfile, ...) as it was. */
export function conninfoWith(text: string, set: Readonly<Record<string, string | undefined>>): string {
  const pairs = parseConninfo(text).filter(([k]) => !(k in set) || set[k] !== undefined);
  const keys = new Set(pairs.map(([k]) => k));
  const next = pairs.map(([k, v]): [string, string] => (k in set && set[k] !== undefined ? [k, set[k]!] : [k, v]));
  for (const [k, v] of Object.entries(set)) if (v !== undefined && !keys.has(k)) next.push([k, v]);
  return formatConninfo(next);
}

/** postgresql.auto.conf lines (ALTER SYSTEM's quoting: single quotes doubled). */
export function autoConfLines(settings: ReadonlyArray<readonly [string, string]>): string {
  for (const [name] of settings) {
    if (!/^[a-z_][a-z0-9_.]*$/i.test(name)) throw new SyncpointError('usage', `invalid PostgreSQL setting name ${JSON.stringify(name)}`);
  }
  return settings.map(([k, v]) => `${k} = '${v.replace(/'/g, "''")}'\n`).join('');
}

/**
 * What pg_basebackup leaves out of a copy (runtime state the server recreates), anchored at the
 * data directory: a stopped server's copy without them starts cleanly and holds no stale slot.
 */
export const POSTGRES_COPY_EXCLUDES: readonly string[] = Object.freeze([
  '/postmaster.pid',
  '/postmaster.opts',
  '/pg_replslot/*',
  '/pg_dynshmem/*',
  '/pg_notify/*',
  '/pg_serial/*',
  '/pg_snapshots/*',
  '/pg_stat_tmp/*',
  '/pg_subtrans/*',
  'pgsql_tmp*',
  'pg_internal.init',
]);

/** What the clone guardian runs on the source after restarting it for a dead tool. */
export const POSTGRES_RESTORE_SQL: readonly string[] = Object.freeze([
  'SELECT pg_catalog.pg_wal_replay_resume() WHERE pg_catalog.pg_is_in_recovery() AND pg_catalog.pg_is_wal_replay_paused()',
]);

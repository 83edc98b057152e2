/**
 * Reads for `syncpoint preflight` on PostgreSQL: recovery and replay state, the timeline, the
 * settings a promoted standby needs (wal_level, hot_standby, max_wal_senders, slots), the
 * replication slots a server holds and the slot a standby streams through. pg_replication_slots
 * gains columns across versions (synced and failover in 17): they are read through to_jsonb so one
 * statement works from 13 on.
 */
import type { Session } from '../engine.js';
import type { Row } from '../types.js';
import { auditSubscriptions, type AuditSubscription } from './postgres-audit.js';

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));

export interface PgReplicationSlot {
  readonly name: string;
  readonly type: 'physical' | 'logical';
  readonly active: boolean;
  /** Logical slots: the database they decode. */
  readonly database: string | null;
  readonly plugin: string | null;
  /** PostgreSQL 17: a slot synchronized from the primary to this standby (failover slot); null before 17. */
  readonly synced: boolean | null;
}

export interface PgPreflightFacts {
  readonly versionNum: number;
  readonly inRecovery: boolean;
  readonly replayPaused: boolean;
  /** Standby: last replayed and received LSN as text ("0/3000148"); null on a primary. */
  readonly replayLsn: string | null;
  readonly receiveLsn: string | null;
  /** The timeline the server is on (primary) or receives (standby); null when it cannot be read. */
  readonly timeline: number | null;
  readonly settings: Readonly<Record<string, string>>;
  readonly slots: readonly PgReplicationSlot[];
  /** Subscriptions of the connected database (a server not in recovery); error counts from PostgreSQL 15. */
  readonly subscriptions: readonly Omit<AuditSubscription, 'owner'>[];
  /** Sequences of the connected database: last_value as exact text, null when never used (or not readable). */
  readonly sequences: readonly PgSequence[];
}

export interface PgSequence {
  readonly name: string;
  readonly lastValue: string | null;
  /** increment_by: a descending sequence (negative) is behind when its value is above the primary's. */
  readonly increment: string;
}

export const SEQUENCES_SQL = `SELECT pg_catalog.quote_ident(s.schemaname) || '.' || pg_catalog.quote_ident(s.sequencename) AS name, s.last_value::text AS last_value, s.increment_by::text AS increment
FROM pg_catalog.pg_sequences s WHERE s.schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`;

const SETTINGS = ['wal_level', 'hot_standby', 'max_wal_senders', 'max_replication_slots', 'primary_slot_name', 'hot_standby_feedback', 'wal_log_hints', 'data_checksums', 'server_version_num', 'synchronous_standby_names', 'cluster_name'];

/** Of primary_conninfo (which may hold a password) only the name the standby goes by is kept. */
export const CONNINFO_APPLICATION_NAME = 'primary_conninfo.application_name';

export const PREFLIGHT_STATE_SQL = `SELECT pg_catalog.current_setting('server_version_num')::int AS version_num,
  pg_catalog.pg_is_in_recovery() AS standby,
  CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_is_wal_replay_paused() ELSE false END AS paused,
  pg_catalog.pg_last_wal_replay_lsn()::text AS replay_lsn,
  pg_catalog.pg_last_wal_receive_lsn()::text AS receive_lsn,
  CASE WHEN pg_catalog.pg_is_in_recovery() THEN (SELECT r.received_tli FROM pg_catalog.pg_stat_wal_receiver r LIMIT 1)
       ELSE ('x' || substr(pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 1, 8))::bit(32)::int END AS timeline`;

/** Without a WAL receiver a standby's timeline is the one of its last restartpoint (needs EXECUTE on pg_control_checkpoint). */
const CHECKPOINT_TIMELINE_SQL = 'SELECT timeline_id AS timeline FROM pg_catalog.pg_control_checkpoint()';

export const SLOTS_SQL = `SELECT s.slot_name::text AS name, s.slot_type::text AS type, s.active, s.database::text AS database,
  s.plugin::text AS plugin, pg_catalog.to_jsonb(s) ->> 'synced' AS synced
FROM pg_catalog.pg_replication_slots s ORDER BY s.slot_name`;

export function mapSlot(r: Row): PgReplicationSlot {
  const synced = r['synced'];
  return {
    name: str(r['name']),
    type: str(r['type']) === 'logical' ? 'logical' : 'physical',
    active: r['active'] === true,
    database: strOrNull(r['database']),
    plugin: strOrNull(r['plugin']),
    synced: synced === null || synced === undefined ? null : String(synced) === 'true',
  };
}

export async function readPostgresPreflight(s: Session): Promise<PgPreflightFacts> {
  const state = (await s.query(PREFLIGHT_STATE_SQL))[0] ?? {};
  let timeline = state['timeline'] === null || state['timeline'] === undefined ? null : Number(state['timeline']);
  if (timeline === null && state['standby'] === true) {
    timeline = await s
      .query(CHECKPOINT_TIMELINE_SQL)
      .then((rows) => (rows[0]?.['timeline'] == null ? null : Number(rows[0]['timeline'])))
      .catch(() => null);
  }
  const settings: Record<string, string> = {};
  for (const r of await s.query('SELECT name, setting FROM pg_catalog.pg_settings')) {
    const name = str(r['name']).toLowerCase();
    if (SETTINGS.includes(name)) settings[name] = str(r['setting']);
    if (name === 'primary_conninfo') {
      const app = /(?:^|\s)application_name\s*=\s*'?([^'\s]+)'?/.exec(str(r['setting']))?.[1];
      if (app) settings[CONNINFO_APPLICATION_NAME] = app;
    }
  }
  return {
    versionNum: Number(state['version_num'] ?? 0),
    inRecovery: state['standby'] === true,
    replayPaused: state['paused'] === true,
    replayLsn: strOrNull(state['replay_lsn']),
    receiveLsn: strOrNull(state['receive_lsn']),
    timeline: timeline !== null && Number.isFinite(timeline) ? timeline : null,
    settings,
    slots: (await s.query(SLOTS_SQL)).map(mapSlot),
    subscriptions: state['standby'] === true ? [] : (await auditSubscriptions(s, Number(state['version_num'] ?? 0))).map(({ owner: _owner, ...rest }) => rest),
    // Sequences a role may not read (no USAGE/SELECT) show a NULL last_value: never an error. Not
    // on a standby: it replays them with everything else, and some minor releases fail reading
    // an unlogged sequence there.
    sequences: state['standby'] === true ? [] : (await s.query(SEQUENCES_SQL)).map((r) => ({ name: str(r['name']), lastValue: strOrNull(r['last_value']), increment: str(r['increment']) || '1' })),
  };
}

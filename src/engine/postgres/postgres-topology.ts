/**
 * What `syncpoint topology` reads on PostgreSQL: the node's own facts, and every WAL sender
 * (standbys, cascaded standbys, logical subscribers) with the slot it streams from, plus slots
 * nobody streams from (a standby or subscriber that is down). pg_stat_replication never shows the
 * port a standby or subscriber listens on: the caller maps names to addresses.
 */
import type { Session } from '../engine.js';
import type { Row } from '../types.js';
import { parseConninfoHostPort } from './postgres-replication.js';

export interface PgNodeFacts {
  readonly standby: boolean;
  readonly readOnly: boolean;
  readonly walLevel: string | null;
  readonly clusterName: string | null;
  /** Standby: the application_name its WAL receiver uses (how its primary names it). */
  readonly receiverName: string | null;
  /** Subscriber: slot names its subscriptions use on their publishers. */
  readonly subscriptionSlots: readonly string[];
}

export interface PgDownstream {
  readonly applicationName: string | null;
  readonly clientHost: string | null;
  readonly slotName: string | null;
  readonly slotType: 'physical' | 'logical' | null;
  /** pg_replication_slots.database: the publisher database of a logical slot. */
  readonly database: string | null;
  /** null: a slot with no sender (the consumer is not connected). */
  readonly state: string | null;
  readonly replayLsn: string | null;
  readonly replayLagSeconds: number | null;
}

/** reset_val: the server's (or role's, database's) setting, not this session's (the tool's sessions are read-only). */
export const NODE_FACTS_SQL = `SELECT pg_catalog.pg_is_in_recovery() AS standby,
  (SELECT s.reset_val FROM pg_catalog.pg_settings s WHERE s.name = 'default_transaction_read_only') AS default_read_only,
  pg_catalog.current_setting('wal_level') AS wal_level,
  pg_catalog.current_setting('cluster_name') AS cluster_name,
  (SELECT r.conninfo FROM pg_catalog.pg_stat_wal_receiver r LIMIT 1) AS receiver_conninfo`;

/** subslotname is readable by every role (only subconninfo is restricted). */
export const SUBSCRIPTION_SLOTS_SQL = `SELECT COALESCE(s.subslotname::text, s.subname::text) AS slot FROM pg_catalog.pg_subscription s
WHERE s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()) ORDER BY 1`;

export const DOWNSTREAM_SQL = `SELECT r.application_name::text AS application_name,
  COALESCE(r.client_hostname::text, pg_catalog.host(r.client_addr)) AS client_host,
  sl.slot_name::text AS slot_name, sl.slot_type::text AS slot_type, sl.database::text AS database,
  r.state::text AS state, r.replay_lsn::text AS replay_lsn,
  extract(epoch FROM r.replay_lag)::text AS replay_lag
FROM pg_catalog.pg_stat_replication r
LEFT JOIN pg_catalog.pg_replication_slots sl ON sl.active_pid = r.pid
WHERE r.state IS DISTINCT FROM 'backup'
UNION ALL
SELECT NULL, NULL, sl.slot_name::text, sl.slot_type::text, sl.database::text, NULL, NULL, NULL
FROM pg_catalog.pg_replication_slots sl
WHERE NOT sl.active AND NOT sl.temporary
ORDER BY 1, 3`;

const strOrNull = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));

/** application_name=... from a conninfo (keyword or URI form). */
export function conninfoApplicationName(conninfo: string | null): string | null {
  if (!conninfo) return null;
  if (/^postgres(ql)?:\/\//i.test(conninfo.trim())) {
    try {
      return new URL(conninfo.trim()).searchParams.get('application_name');
    } catch {
      return null;
    }
  }
  const m = /(?:^|\s)application_name\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(\S+))/.exec(conninfo);
  return m ? (m[1] ?? m[2] ?? '').replace(/\\(.)/g, '$1') || null : null;
}

export function mapPgNodeFacts(row: Row, slots: readonly Row[]): PgNodeFacts {
  const standby = row['standby'] === true;
  const conninfo = strOrNull(row['receiver_conninfo']);
  const clusterName = strOrNull(row['cluster_name']);
  return Object.freeze({
    standby,
    readOnly: standby || row['default_read_only'] === 'on',
    walLevel: strOrNull(row['wal_level']),
    clusterName,
    // The WAL receiver falls back to cluster_name, then "walreceiver" (PostgreSQL 12+).
    receiverName: standby ? (conninfoApplicationName(conninfo) ?? clusterName ?? 'walreceiver') : null,
    subscriptionSlots: Object.freeze(slots.map((r) => String(r['slot']))),
  });
}

export function mapPgDownstream(rows: readonly Row[]): PgDownstream[] {
  return rows.map((r) => {
    const lag = r['replay_lag'] == null ? null : Number(r['replay_lag']);
    const type = r['slot_type'];
    return Object.freeze({
      applicationName: strOrNull(r['application_name']),
      clientHost: strOrNull(r['client_host']),
      slotName: strOrNull(r['slot_name']),
      slotType: type === 'physical' || type === 'logical' ? type : null,
      database: strOrNull(r['database']),
      state: strOrNull(r['state']),
      replayLsn: strOrNull(r['replay_lsn']),
      replayLagSeconds: lag !== null && Number.isFinite(lag) ? lag : null,
    });
  });
}

export async function readPgNodeFacts(s: Session): Promise<PgNodeFacts> {
  const row = (await s.query(NODE_FACTS_SQL))[0] ?? {};
  const slots = row['standby'] === true ? [] : await s.query(SUBSCRIPTION_SLOTS_SQL);
  return mapPgNodeFacts(row, slots);
}

export async function readPgDownstream(s: Session): Promise<PgDownstream[]> {
  return mapPgDownstream(await s.query(DOWNSTREAM_SQL));
}

export { parseConninfoHostPort };

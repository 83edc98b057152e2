/**
 * Audit reads for `syncpoint risks` on PostgreSQL: settings, standby state, publications and the
 * tables they carry (row filters, column lists), replica identities, sequences, subscriptions and
 * their tables, login roles that can write, and rows a subscriber committed itself. Each function
 * takes a Session and returns neutral objects; a read the server refuses throws, and the caller
 * records it as a gap.
 */
import type { Session } from '../engine.js';

import { displayName, type Row } from '../types.js';

/** A table's schema and name, read back by `named` (the queries below select them this way). */
function shown(schema: string, name: string): string {
  return `pg_catalog.json_build_array(${schema}, ${name})::text`;
}

/** The table as TableInfo.qualified shows it (displayName), so that findings meet their tables; null stays null. */
function named(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const [schema, name] = JSON.parse(String(v)) as [string, string];
  return displayName(schema, name, '"');
}

const SYSTEM_SCHEMAS = `('pg_catalog', 'information_schema', 'syncpoint')`;
const USER_SCHEMA = (col: string) => `${col} NOT IN ${SYSTEM_SCHEMAS} AND ${col} !~ '^pg_(toast|temp_)'`;

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export async function auditServerVersion(s: Session): Promise<number> {
  return Number((await s.query("SELECT current_setting('server_version_num')::int AS v"))[0]?.['v'] ?? 0);
}

export async function auditSettings(s: Session): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const r of await s.query('SELECT name, setting FROM pg_catalog.pg_settings')) out[str(r['name']).toLowerCase()] = str(r['setting']);
  return out;
}

export async function auditRecovery(s: Session): Promise<{ standby: boolean; paused: boolean }> {
  const r = (await s.query(`SELECT pg_catalog.pg_is_in_recovery() AS standby,
    CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_is_wal_replay_paused() ELSE false END AS paused`))[0] ?? {};
  return { standby: r['standby'] === true, paused: r['paused'] === true };
}

export interface AuditPublication {
  readonly name: string;
  readonly allTables: boolean;
  readonly insert: boolean;
  readonly update: boolean;
  readonly delete: boolean;
  readonly truncate: boolean;
}

export async function auditPublications(s: Session): Promise<AuditPublication[]> {
  const rows = await s.query('SELECT pubname::text AS name, puballtables, pubinsert, pubupdate, pubdelete, pubtruncate FROM pg_catalog.pg_publication ORDER BY pubname');
  return rows.map((r) => ({
    name: str(r['name']),
    allTables: r['puballtables'] === true,
    insert: r['pubinsert'] === true,
    update: r['pubupdate'] === true,
    delete: r['pubdelete'] === true,
    truncate: r['pubtruncate'] === true,
  }));
}

export interface AuditPublishedTable {
  readonly publication: string;
  readonly table: string;
  readonly rowFilter: string | null;
  readonly columns: string[] | null;
}

/** Tables each publication carries; row filters and column lists exist from PostgreSQL 15. */
export async function auditPublishedTables(s: Session, versionNum: number): Promise<AuditPublishedTable[]> {
  const rows = await s.query(`SELECT pubname::text AS pub, ${shown('schemaname::text', 'tablename::text')} AS t FROM pg_catalog.pg_publication_tables ORDER BY 1, 2`);
  const filters = new Map<string, { rowFilter: string | null; columns: string[] | null }>();
  if (versionNum >= 150000) {
    const f = await s.query(`SELECT p.pubname::text AS pub, ${shown('n.nspname::text', 'c.relname::text')} AS t,
        pg_catalog.pg_get_expr(pr.prqual, pr.prrelid) AS rowfilter,
        CASE WHEN pr.prattrs IS NULL THEN NULL ELSE (SELECT pg_catalog.array_agg(a.attname::text ORDER BY a.attnum)
          FROM pg_catalog.pg_attribute a WHERE a.attrelid = pr.prrelid AND a.attnum = ANY (pr.prattrs::int2[])) END AS cols
      FROM pg_catalog.pg_publication_rel pr
      JOIN pg_catalog.pg_publication p ON p.oid = pr.prpubid
      JOIN pg_catalog.pg_class c ON c.oid = pr.prrelid
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE pr.prqual IS NOT NULL OR pr.prattrs IS NOT NULL`);
    for (const r of f) filters.set(`${str(r['pub'])}\u0000${named(r['t']) ?? ''}`, { rowFilter: strOrNull(r['rowfilter']), columns: parseTextArray(r['cols']) });
  }
  return rows.map((r) => {
    const f = filters.get(`${str(r['pub'])}\u0000${named(r['t']) ?? ''}`);
    return { publication: str(r['pub']), table: named(r['t']) ?? '', rowFilter: f?.rowFilter ?? null, columns: f?.columns ?? null };
  });
}

/** text[] arrives as its text form ("{a,b}") because the driver leaves arrays unparsed. */
export function parseTextArray(v: unknown): string[] | null {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map(String);
  const t = String(v);
  if (!t.startsWith('{') || !t.endsWith('}')) return [t];
  const inner = t.slice(1, -1);
  if (!inner) return [];
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|([^,]+)/g;
  for (let m = re.exec(inner); m; m = re.exec(inner)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!);
  return out;
}

/** "schema.table" -> relreplident (d default, n nothing, f full, i index). */
export async function auditReplicaIdentity(s: Session): Promise<Record<string, string>> {
  const rows = await s.query(`SELECT ${shown('n.nspname::text', 'c.relname::text')} AS t, c.relreplident::text AS ri
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND ${USER_SCHEMA('n.nspname')}`);
  const out: Record<string, string> = {};
  for (const r of rows) out[named(r['t']) ?? ''] = str(r['ri']);
  return out;
}

export interface AuditSequence {
  readonly name: string;
  /** NULL when never used on this server (or not readable). */
  readonly lastValue: string | null;
  /** The table whose column owns it (serial/identity), if any. */
  readonly ownedBy: string | null;
}

export async function auditSequences(s: Session): Promise<AuditSequence[]> {
  const rows = await s.query(`SELECT ${shown('n.nspname::text', 'c.relname::text')} AS seq,
      (SELECT ${shown('tn.nspname::text', 't.relname::text')} FROM pg_catalog.pg_depend d
         JOIN pg_catalog.pg_class t ON t.oid = d.refobjid JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
        WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
          AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype IN ('a', 'i') LIMIT 1) AS owner,
      CASE WHEN pg_catalog.has_sequence_privilege(c.oid, 'SELECT') THEN ps.last_value::text END AS last_value
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_catalog.pg_sequences ps ON ps.schemaname = n.nspname AND ps.sequencename = c.relname
    WHERE c.relkind = 'S' AND ${USER_SCHEMA('n.nspname')} ORDER BY 1`);
  return rows.map((r) => ({ name: named(r['seq']) ?? '', lastValue: strOrNull(r['last_value']), ownedBy: named(r['owner']) }));
}

export interface AuditSubscription {
  readonly name: string;
  readonly enabled: boolean;
  readonly workerRunning: boolean;
  readonly skipLsn: string | null;
  readonly disableOnError: boolean | null;
  readonly applyErrors: number | null;
  readonly syncErrors: number | null;
  readonly publications: readonly string[];
  readonly owner: string;
}

/** Subscriptions of the connected database (only columns every role may read). */
export async function auditSubscriptions(s: Session, versionNum: number): Promise<AuditSubscription[]> {
  const v15 = versionNum >= 150000;
  const leaderOnly = versionNum >= 160000 ? ' AND st.leader_pid IS NULL' : '';
  const rows = await s.query(`SELECT s.subname::text AS name, s.subenabled AS enabled, s.subpublications::text AS pubs,
      pg_catalog.pg_get_userbyid(s.subowner)::text AS owner,
      ${v15 ? "NULLIF(s.subskiplsn::text, '0/0') AS skip_lsn, s.subdisableonerr AS disable_on_error," : 'NULL::text AS skip_lsn, NULL::bool AS disable_on_error,'}
      ${v15 ? 'ss.apply_error_count::text AS apply_errors, ss.sync_error_count::text AS sync_errors,' : 'NULL::text AS apply_errors, NULL::text AS sync_errors,'}
      (SELECT count(*) FROM pg_catalog.pg_stat_subscription st WHERE st.subid = s.oid AND st.relid IS NULL AND st.pid IS NOT NULL${leaderOnly}) > 0 AS running
    FROM pg_catalog.pg_subscription s
    ${v15 ? 'LEFT JOIN pg_catalog.pg_stat_subscription_stats ss ON ss.subid = s.oid' : ''}
    WHERE s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())
    ORDER BY s.subname`);
  return rows.map((r) => ({
    name: str(r['name']),
    enabled: r['enabled'] === true,
    workerRunning: r['running'] === true,
    skipLsn: strOrNull(r['skip_lsn']),
    disableOnError: r['disable_on_error'] === null || r['disable_on_error'] === undefined ? null : r['disable_on_error'] === true,
    applyErrors: numOrNull(r['apply_errors']),
    syncErrors: numOrNull(r['sync_errors']),
    publications: parseTextArray(r['pubs']) ?? [],
    owner: str(r['owner']),
  }));
}

export async function auditSubscribedTables(s: Session): Promise<{ subscription: string; table: string; state: string }[]> {
  const rows = await s.query(`SELECT s.subname::text AS sub, ${shown('n.nspname::text', 'c.relname::text')} AS t, sr.srsubstate::text AS state
    FROM pg_catalog.pg_subscription_rel sr
    JOIN pg_catalog.pg_subscription s ON s.oid = sr.srsubid
    JOIN pg_catalog.pg_class c ON c.oid = sr.srrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())
    ORDER BY 1, 2`);
  return rows.map((r) => ({ subscription: str(r['sub']), table: named(r['t']) ?? '', state: str(r['state']) }));
}

export interface AuditRoleWrite {
  readonly role: string;
  readonly superuser: boolean;
  readonly table: string;
  readonly privileges: string[];
}

/** Login roles (not superusers) that may change rows of user tables, with the privileges they hold. */
export async function auditRoleWrites(s: Session, limit = 5000): Promise<AuditRoleWrite[]> {
  const rows = await s.query(`SELECT r.rolname::text AS role, ${shown('n.nspname::text', 'c.relname::text')} AS t,
      pg_catalog.concat_ws(',',
        CASE WHEN pg_catalog.has_table_privilege(r.oid, c.oid, 'INSERT') THEN 'INSERT' END,
        CASE WHEN pg_catalog.has_table_privilege(r.oid, c.oid, 'UPDATE') THEN 'UPDATE' END,
        CASE WHEN pg_catalog.has_table_privilege(r.oid, c.oid, 'DELETE') THEN 'DELETE' END,
        CASE WHEN pg_catalog.has_table_privilege(r.oid, c.oid, 'TRUNCATE') THEN 'TRUNCATE' END) AS privs
    FROM pg_catalog.pg_roles r
    CROSS JOIN pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE r.rolcanlogin AND NOT r.rolsuper AND r.rolname !~ '^pg_'
      AND c.relkind IN ('r', 'p') AND ${USER_SCHEMA('n.nspname')}
      AND pg_catalog.has_table_privilege(r.oid, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')
    ORDER BY 1, 2 LIMIT ${Math.max(1, Math.floor(limit))}`);
  return rows.map((r) => ({ role: str(r['role']), superuser: false, table: named(r['t']) ?? '', privileges: str(r['privs']).split(',').filter(Boolean) }));
}

/**
 * Rows of `table` whose last writing transaction had no replication origin: written on this
 * server, not by the subscription. Needs track_commit_timestamp = on (PostgreSQL 14+ for the
 * origin); rows older than that setting, or frozen, cannot tell and are not counted. Each scan is
 * bounded by `timeoutMs` and stops after `cap` rows.
 */
export async function auditLocalOriginRows(s: Session, table: string, timeoutMs: number, cap = 1000): Promise<number> {
  const dot = table.indexOf('.');
  const name = `${quoteIdent(table.slice(0, dot))}.${quoteIdent(table.slice(dot + 1))}`;
  await s.query('BEGIN READ ONLY');
  try {
    await s.query(`SET LOCAL statement_timeout = '${Math.max(1, Math.floor(timeoutMs))}ms'`);
    const rows = await s.query(`SELECT count(*)::int AS n FROM (SELECT 1 FROM ${name} x
      WHERE (pg_catalog.pg_xact_commit_timestamp_origin(x.xmin)).roident = 0 LIMIT ${Math.max(1, Math.floor(cap))}) q`);
    return Number((rows as Row[])[0]?.['n'] ?? 0);
  } finally {
    await s.query('ROLLBACK').catch(() => undefined);
  }
}

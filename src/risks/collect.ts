/**
 * Gathers the facts of one server once, through the engine's introspector and replication probe
 * and the family's audit module, into a frozen ServerFacts. A read the server refuses (a missing
 * privilege, an older version) leaves that fact empty and is recorded as a gap, so one refused
 * query never hides the rest of the audit.
 */
import type { Engine, Session } from '../engine/engine.js';
import * as my from '../engine/mysql-family/mysql-family-audit.js';
import * as pg from '../engine/postgres/postgres-audit.js';
import { messageOf } from '../errors.js';
import type { Account, PgFacts, ServerFacts, ServerRole } from './types.js';

export interface CollectOptions {
  /** PostgreSQL subscribers: time budget per table for the local-write scan; 0 skips it. */
  readonly localWriteScanMs: number;
}

export function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}

/** Runs a read; on failure records "what: why" in gaps and returns the fallback. */
async function attempt<T>(gaps: string[], what: string, fallback: T, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    gaps.push(`${what}: ${messageOf(err).replace(/^[^ ]+:\d+: /, '')}`);
    return fallback;
  }
}

const SYSTEM_ACCOUNTS = /^(mariadb\.sys|mysql\.sys|mysql\.session|mysql\.infoschema|root)@/;

/** root, system accounts and accounts holding every administrative privilege with GRANT OPTION. */
function isMysqlAdmin(a: my.AuditAccount): boolean {
  if (SYSTEM_ACCOUNTS.test(a.name)) return true;
  const global = new Set(a.privileges.filter((p) => p.scope === '*.*').map((p) => p.privilege));
  return a.grantOption && global.has('SUPER') && global.has('CREATE USER');
}

export async function collectFacts(engine: Engine, session: Session, role: ServerRole, opts: CollectOptions): Promise<ServerFacts> {
  const gaps: string[] = [];
  const label = engine.server.label;
  const replication = await attempt(gaps, 'replica status', null, () => engine.replication.replicaStatus(session, { openTempTables: true }));
  const tables = await attempt(gaps, 'tables', [], () => engine.introspector.loadSchema(session, {}));
  const base = { label, role, family: engine.family, flavor: engine.flavor, version: engine.version, replication, tables };

  if (engine.family === 'mysql-family') {
    const flavor = engine.flavor === 'mariadb' ? 'mariadb' : 'mysql';
    const variables = await attempt(gaps, 'global variables', {}, () => my.auditVariables(session));
    const status = await attempt(gaps, 'global status', {}, () => my.auditStatus(session));
    const channels = await attempt(gaps, 'replication connections', [], () => my.auditReplicaChannels(session, flavor));
    const binlog = (variables['log_bin'] ?? '').toUpperCase() === 'ON' ? await attempt(gaps, 'binlog status', null, () => my.auditBinlogStatus(session)) : null;
    const autoIncrement = await attempt(gaps, 'auto-increment columns', [], () => my.auditAutoIncrementTables(session));
    const raw = await attempt<my.AuditAccount[] | null>(gaps, 'account privileges', null, () => my.auditAccounts(session));
    const accounts: Account[] | null = raw ? raw.map((a) => ({ name: a.name, admin: isMysqlAdmin(a), privileges: a.privileges })) : null;
    const routines = role === 'primary' ? await attempt(gaps, 'routines and triggers', [], () => my.auditRoutines(session)) : [];
    return deepFreeze({ ...base, variables, status, channels, binlog, autoIncrement, accounts, routines, pg: null, gaps });
  }

  const version = await attempt(gaps, 'server version', 0, () => pg.auditServerVersion(session));
  const variables = await attempt(gaps, 'settings', {}, () => pg.auditSettings(session));
  const recovery = await attempt(gaps, 'recovery state', { standby: false, paused: false }, () => pg.auditRecovery(session));
  let pgFacts: PgFacts;
  let accounts: Account[] | null = null;
  if (recovery.standby) {
    // A physical standby is a byte copy of its primary: its catalogs say nothing of its own.
    pgFacts = { standby: true, replayPaused: recovery.paused, publications: [], publishedTables: [], replicaIdentity: {}, sequences: [], subscriptions: [], subscribedTables: [], localWrites: null, localWritesNote: null };
  } else {
    const publications = await attempt(gaps, 'publications', [], () => pg.auditPublications(session));
    const publishedTables = publications.length > 0 ? await attempt(gaps, 'published tables', [], () => pg.auditPublishedTables(session, version)) : [];
    const replicaIdentity = await attempt(gaps, 'replica identities', {}, () => pg.auditReplicaIdentity(session));
    const sequences = await attempt(gaps, 'sequences', [], () => pg.auditSequences(session));
    const subs = await attempt(gaps, 'subscriptions', [], () => pg.auditSubscriptions(session, version));
    const subscribedTables = subs.length > 0 ? await attempt(gaps, 'subscribed tables', [], () => pg.auditSubscribedTables(session)) : [];
    const writes = await attempt(gaps, 'role privileges', null, () => pg.auditRoleWrites(session));
    if (writes) {
      const owners = new Set(subs.map((x) => x.owner));
      const byRole = new Map<string, { scope: string; privilege: string }[]>();
      for (const w of writes) {
        const list = byRole.get(w.role) ?? [];
        for (const p of w.privileges) list.push({ scope: w.table, privilege: p });
        byRole.set(w.role, list);
      }
      accounts = [...byRole].map(([name, privileges]) => ({ name, admin: owners.has(name), privileges }));
    }
    let localWrites: { table: string; rows: number }[] | null = null;
    let localWritesNote: string | null = null;
    if (subscribedTables.length > 0) {
      if ((variables['track_commit_timestamp'] ?? 'off') !== 'on') localWritesNote = 'track_commit_timestamp is off: rows written on the subscriber cannot be told from replicated ones';
      else if (version < 140000) localWritesNote = 'PostgreSQL < 14 cannot report the origin of a row\'s commit';
      else if (opts.localWriteScanMs <= 0) localWritesNote = 'local-write scan switched off';
      else {
        localWrites = [];
        const skipped: string[] = [];
        for (const t of [...new Set(subscribedTables.map((x) => x.table))]) {
          try {
            const n = await pg.auditLocalOriginRows(session, t, opts.localWriteScanMs);
            if (n > 0) localWrites.push({ table: t, rows: n });
          } catch (err) {
            skipped.push(`${t} (${messageOf(err).replace(/^[^ ]+:\d+: /, '')})`);
          }
        }
        if (skipped.length) localWritesNote = `not scanned for local writes: ${skipped.join(', ')}`;
      }
    }
    pgFacts = {
      standby: false,
      replayPaused: false,
      publications,
      publishedTables,
      replicaIdentity,
      sequences,
      subscriptions: subs.map(({ owner: _owner, ...rest }) => rest),
      subscribedTables,
      localWrites,
      localWritesNote,
    };
  }
  return deepFreeze({ ...base, variables, status: {}, channels: [], binlog: null, autoIncrement: [], accounts, routines: [], pg: pgFacts, gaps });
}

/**
 * PostgreSQL: settings the candidate needs as a primary. wal_level must be replica or logical
 * (logical when the primary feeds logical subscribers: they must be re-created against it and
 * decode its WAL); hot_standby on (its readers keep working); max_replication_slots for the
 * slots the others use.
 */
import { CONNINFO_APPLICATION_NAME } from '../../engine/postgres/postgres-preflight.js';
import { couldNotRun, isOn, result } from '../result.js';
import type { PreflightCheck } from '../types.js';

const ID = 'wal-settings';

export const walSettings: PreflightCheck = {
  id: ID,
  description: 'wal_level, hot_standby and max_replication_slots on the candidate suit a primary',
  families: ['postgres'],
  run(ctx) {
    const c = ctx.candidate;
    if (!c.pg) return [couldNotRun(ID, c.label, 'settings not read')];
    const s = c.pg.settings;
    const primaryLevel = ctx.primary.pg?.settings['wal_level'] ?? null;
    const logicalSlots = (ctx.primary.pg?.slots ?? []).filter((x) => x.type === 'logical').length;
    const slotsNeeded = ctx.replicas.filter((r) => r.pg?.settings['primary_slot_name']).length + logicalSlots;
    const maxSlots = Number(s['max_replication_slots'] ?? NaN);
    const evidence = { wal_level: s['wal_level'] ?? null, primaryWalLevel: primaryLevel, hot_standby: s['hot_standby'] ?? null, max_replication_slots: Number.isFinite(maxSlots) ? maxSlots : null, slotsNeeded };
    const fails: string[] = [];
    const warns: string[] = [];
    if (s['wal_level'] === 'minimal') fails.push('wal_level=minimal: no standby can stream from it');
    else if (s['wal_level'] === 'replica' && (primaryLevel === 'logical' || logicalSlots > 0)) {
      (logicalSlots > 0 ? fails : warns).push(`wal_level=replica while the primary runs wal_level=logical${logicalSlots ? ` with ${logicalSlots} logical slot(s)` : ''}: logical replication from it needs wal_level=logical (restart)`);
    }
    if (c.pg.inRecovery && !isOn(s['hot_standby'])) warns.push('hot_standby=off: it serves no reads while a standby');
    const sync = synchronousNames(s['synchronous_standby_names'] ?? '');
    if (sync.length > 0) {
      const own = ownNames(s);
      const text = `synchronous_standby_names = '${s['synchronous_standby_names']}'`;
      if (sync.every((n) => own.includes(n))) fails.push(`${text} names only the candidate itself (a postgresql.conf copied from the primary?): once promoted, every commit would wait for a synchronous standby that never connects`);
      else warns.push(`${text}: once promoted, every commit waits until one of those standbys follows it; clear it first unless one will`);
    }
    if (Number.isFinite(maxSlots) && maxSlots < slotsNeeded) fails.push(`max_replication_slots=${maxSlots} is less than the ${slotsNeeded} slot(s) the others need`);
    if (fails.length) return [result(ID, 'fail', c.label, [...fails, ...warns].join('; '), evidence)];
    if (warns.length) return [result(ID, 'warn', c.label, warns.join('; '), evidence)];
    return [result(ID, 'pass', c.label, `wal_level=${s['wal_level']}, hot_standby=${s['hot_standby']}, max_replication_slots=${s['max_replication_slots']}`, evidence)];
  },
};

/**
 * The standby names of synchronous_standby_names ('FIRST 2 (a, "B")', 'ANY 1 (a, b)', 'a, b'),
 * lower case: PostgreSQL matches them to application_name ignoring case, quoted or not.
 */
export function synchronousNames(setting: string): string[] {
  const inner = setting.trim().replace(/^(first|any)\s+\d+\s*\((.*)\)$/is, '$2').replace(/^\d+\s*\((.*)\)$/s, '$1');
  return inner
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '')
    .map((n) => (n.startsWith('"') && n.endsWith('"') ? n.slice(1, -1).replace(/""/g, '"') : n).toLowerCase());
}

/** Names this server goes by as a standby: the application_name of its primary_conninfo, else its cluster_name. */
function ownNames(s: Readonly<Record<string, string>>): string[] {
  return [s[CONNINFO_APPLICATION_NAME], s['cluster_name']].filter((n): n is string => Boolean(n)).map((n) => n.toLowerCase());
}

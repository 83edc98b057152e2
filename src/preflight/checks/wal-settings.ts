/**
 * PostgreSQL: settings the candidate needs as a primary. wal_level must be replica or logical
 * (logical when the primary feeds logical subscribers: they must be re-created against it and
 * decode its WAL); hot_standby on (its readers keep working); max_replication_slots for the
 * slots the others use.
 */
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
    if (Number.isFinite(maxSlots) && maxSlots < slotsNeeded) fails.push(`max_replication_slots=${maxSlots} is less than the ${slotsNeeded} slot(s) the others need`);
    if (fails.length) return [result(ID, 'fail', c.label, [...fails, ...warns].join('; '), evidence)];
    if (warns.length) return [result(ID, 'warn', c.label, warns.join('; '), evidence)];
    return [result(ID, 'pass', c.label, `wal_level=${s['wal_level']}, hot_standby=${s['hot_standby']}, max_replication_slots=${s['max_replication_slots']}`, evidence)];
  },
};

/**
 * PostgreSQL: the replication slots the others will need on the new primary. Each other standby
 * streams through primary_slot_name; that slot must exist on the candidate before the standby is
 * re-pointed (PostgreSQL refuses to stream through a missing slot). Logical slots on the primary
 * (subscribers) exist on a physical standby only as PostgreSQL 17 failover slots (synced): without
 * them the subscribers lose their position at the failover. Missing slots are flagged as
 * warnings: they are created after the promotion, but the plan must include it.
 */
import { result } from '../result.js';
import type { PreflightCheck } from '../types.js';

const ID = 'replication-slots';

export const replicationSlots: PreflightCheck = {
  id: ID,
  description: 'the slots the other standbys and subscribers need exist on the candidate, or are flagged',
  families: ['postgres'],
  run(ctx) {
    const c = ctx.candidate;
    const have = new Map((c.pg?.slots ?? []).map((s) => [s.name, s]));
    const physical = ctx.replicas
      .map((r) => ({ replica: r.label, slot: r.pg?.settings['primary_slot_name'] ?? '' }))
      .filter((x) => x.slot !== '');
    const logical = (ctx.primary.pg?.slots ?? []).filter((s) => s.type === 'logical');
    const missingPhysical = physical.filter((x) => have.get(x.slot)?.type !== 'physical');
    const missingLogical = logical.filter((s) => !(have.get(s.name)?.type === 'logical' && have.get(s.name)?.synced === true));
    const evidence = {
      candidateSlots: [...have.keys()],
      neededPhysical: physical,
      neededLogical: logical.map((s) => ({ slot: s.name, database: s.database, plugin: s.plugin })),
      missingPhysical: missingPhysical.map((x) => x.slot),
      missingLogical: missingLogical.map((s) => s.name),
    };
    if (physical.length === 0 && logical.length === 0) return [result(ID, 'pass', c.label, 'no other standby uses a slot and the primary has no logical slots', evidence)];
    const notes: string[] = [];
    if (missingPhysical.length) {
      notes.push(
        `slot(s) ${missingPhysical.map((x) => `${x.slot} (used by ${x.replica})`).join(', ')} missing on the candidate: create them right after the promotion (SELECT pg_create_physical_replication_slot('name')) before re-pointing those standbys`,
      );
    }
    if (missingLogical.length) {
      notes.push(
        `logical slot(s) ${missingLogical.map((s) => s.name).join(', ')} of the primary are not synced to the candidate: their subscribers lose their position at the failover (PostgreSQL 17: failover slots with sync_replication_slots; earlier: re-create the subscriptions and re-check them)`,
      );
    }
    if (notes.length) return [result(ID, 'warn', c.label, notes.join('; '), evidence)];
    return [result(ID, 'pass', c.label, `all ${physical.length + logical.length} needed slot(s) exist on the candidate`, evidence)];
  },
};

/**
 * The candidate's tables match the primary's (the check command's schema comparison: missing and
 * extra tables, columns, types, order). Differences in keys are failures too (a missing unique key
 * changes what the application can write); other indexes and storage engines are warnings (the new
 * primary would be slower or behave differently, but holds the same data).
 */
import { planTables } from '../../pipeline/plan/plan-tables.js';
import { matchesFilter } from '../../pipeline/plan/table-filter.js';
import type { TableInfo } from '../../engine/types.js';
import { result } from '../result.js';
import type { PreflightCheck } from '../types.js';

const ID = 'schema-equal';
const SHOWN = 20;

const indexSig = (i: TableInfo['indexes'][number]) => `${i.primary ? 'PRIMARY ' : i.unique ? 'UNIQUE ' : ''}(${i.columns.join(', ')})`;

export const schemaEqual: PreflightCheck = {
  id: ID,
  description: "the candidate's tables, columns, keys and indexes match the primary's",
  families: ['mysql-family', 'postgres'],
  async run(ctx) {
    const c = ctx.candidate;
    const p = ctx.primary;
    const scope = ctx.opts.filter.databases?.every((d) => !/[*?]/.test(d)) ? { schemas: ctx.opts.filter.databases } : {};
    const primaryTables = await p.engine.introspector.loadSchema(p.session, scope);
    const candidateTables = await c.engine.introspector.loadSchema(c.session, scope);
    // A filter that selects nothing on the primary still has a schema only the candidate has to find
    // (the data check reports the empty selection itself).
    const plan = planTables(primaryTables, new Map([[c.label, candidateTables]]), ctx.opts.filter, p.label, { keyCollationMatters: !p.engine.caps.boundsInPrimaryCollation, columnOrderMatters: p.engine.family === 'mysql-family', mayBeEmpty: true });
    const differences = plan.schemaDrift.map((d) => `${d.table}: ${d.reason}`);
    // planTables compares within the primary's schemas; a whole schema only the candidate has was
    // written there directly and would exist on the new primary alone.
    const primarySchemas = new Set(primaryTables.map((t) => t.schema));
    const onlyHere = candidateTables.filter((t) => !primarySchemas.has(t.schema) && matchesFilter(t, ctx.opts.filter));
    for (const schema of [...new Set(onlyHere.map((t) => t.schema))]) {
      differences.push(`${schema}: schema exists only on the candidate (${onlyHere.filter((t) => t.schema === schema).length} table(s))`);
    }
    const warnings: string[] = [];
    const byName = new Map(candidateTables.map((t) => [t.qualified, t]));
    for (const planned of plan.tables) {
      const pt = planned.table;
      const ct = byName.get(pt.qualified);
      if (!ct || !planned.replicas.includes(c.label)) continue;
      const pIdx = new Set(pt.indexes.map(indexSig));
      const cIdx = new Set(ct.indexes.map(indexSig));
      const missing = [...pIdx].filter((x) => !cIdx.has(x));
      const extra = [...cIdx].filter((x) => !pIdx.has(x));
      const keyDiff = [...missing, ...extra].some((x) => x.startsWith('PRIMARY') || x.startsWith('UNIQUE'));
      const parts = [...(missing.length ? [`index(es) missing on the candidate: ${missing.join(', ')}`] : []), ...(extra.length ? [`extra index(es) on the candidate: ${extra.join(', ')}`] : [])];
      if (parts.length) (keyDiff ? differences : warnings).push(`${pt.qualified}: ${parts.join('; ')}`);
      if ((pt.engine ?? '').toLowerCase() !== (ct.engine ?? '').toLowerCase()) warnings.push(`${pt.qualified}: storage engine ${pt.engine} on the primary, ${ct.engine} on the candidate`);
    }
    const evidence = { tables: plan.tables.length, differences: differences.slice(0, SHOWN), differenceCount: differences.length, warnings: warnings.slice(0, SHOWN), warningCount: warnings.length };
    const more = (list: string[]) => (list.length > 3 ? `${list.slice(0, 3).join('; ')}; and ${list.length - 3} more` : list.join('; '));
    if (differences.length) return [result(ID, 'fail', c.label, `schema differs from the primary: ${more(differences)}`, evidence)];
    if (warnings.length) return [result(ID, 'warn', c.label, `same tables and columns, but ${more(warnings)}`, evidence)];
    if (plan.tables.length === 0) return [result(ID, 'pass', c.label, 'no user tables in scope on either side', evidence)];
    return [result(ID, 'pass', c.label, `${plan.tables.length} table(s) match the primary (columns, keys, indexes)`, evidence)];
  },
};

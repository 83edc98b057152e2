/**
 * schema-drift: a table whose definition differs between the primary and a replica (columns, their
 * order, types, nullability, charset/collation, generated-ness, keys, engine, table collation), or
 * that exists on one side only. MySQL-family row events address columns by position, so a
 * different column order alone makes rows land in the wrong columns. Physical standbys are
 * byte copies and are not compared; tables a replica filters out are reported as info.
 */
import type { TableInfo } from '../../engine/types.js';

const ID = 'schema-drift';
import { finding } from '../facts.js';
import type { Finding, RiskRule, ServerFacts } from '../types.js';

function columnDiffs(p: TableInfo, r: TableInfo): string[] {
  const out: string[] = [];
  const rc = new Map(r.columns.map((c) => [c.name, c]));
  const pc = new Map(p.columns.map((c) => [c.name, c]));
  const missing = p.columns.filter((c) => !rc.has(c.name)).map((c) => c.name);
  const extra = r.columns.filter((c) => !pc.has(c.name)).map((c) => c.name);
  if (missing.length) out.push(`column(s) missing on the replica: ${missing.join(', ')}`);
  if (extra.length) out.push(`extra column(s) on the replica: ${extra.join(', ')}`);
  const common = p.columns.filter((c) => rc.has(c.name)).map((c) => c.name);
  const rOrder = r.columns.filter((c) => pc.has(c.name)).map((c) => c.name);
  if (common.join('\u0000') !== rOrder.join('\u0000')) out.push(`column order differs: (${common.join(', ')}) vs (${rOrder.join(', ')})`);
  for (const c of p.columns) {
    const o = rc.get(c.name);
    if (!o) continue;
    const d: string[] = [];
    if (c.columnType.toLowerCase() !== o.columnType.toLowerCase()) d.push(`type ${c.columnType} vs ${o.columnType}`);
    if (c.nullable !== o.nullable) d.push(c.nullable ? 'NULL vs NOT NULL' : 'NOT NULL vs NULL');
    if ((c.charset ?? '') !== (o.charset ?? '')) d.push(`charset ${c.charset ?? '-'} vs ${o.charset ?? '-'}`);
    if ((c.collation ?? '') !== (o.collation ?? '')) d.push(`collation ${c.collation ?? '-'} vs ${o.collation ?? '-'}`);
    if (c.generated !== o.generated) d.push(`generated ${c.generated} vs ${o.generated}`);
    if (d.length) out.push(`${c.name}: ${d.join(', ')}`);
  }
  return out;
}

function keyDiffs(p: TableInfo, r: TableInfo): string[] {
  const sig = (t: TableInfo) => new Map(t.indexes.filter((i) => i.unique || i.primary).map((i) => [`${i.primary ? 'PRIMARY KEY' : 'UNIQUE'} (${i.columns.join(', ')})`, i]));
  const ps = sig(p);
  const rs = sig(r);
  const out: string[] = [];
  const missing = [...ps.keys()].filter((k) => !rs.has(k));
  const extra = [...rs.keys()].filter((k) => !ps.has(k));
  if (missing.length) out.push(`key(s) missing on the replica: ${missing.join(', ')}`);
  if (extra.length) out.push(`extra key(s) on the replica: ${extra.join(', ')}`);
  return out;
}

/** Schemas a replica does not replicate by its replicate-do/ignore-db filters. */
function filteredOut(r: ServerFacts, schema: string): boolean {
  for (const ch of r.channels) {
    const list = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (list(ch.filters['replicate_ignore_db']).includes(schema)) return true;
    const doDb = list(ch.filters['replicate_do_db']);
    if (doDb.length > 0 && !doDb.includes(schema)) return true;
  }
  return false;
}

export const schemaDrift: RiskRule = {
  id: ID,
  description: 'a table defined differently on the primary and a replica, or present on one side only',
  engines: ['mysql-family', 'postgres'],
  run(ctx) {
    const p = ctx.primary;
    if (!p) return [];
    const out: Finding[] = [];
    const published = p.pg ? new Set(p.pg.publishedTables.map((t) => t.table)) : null;
    for (const r of ctx.replicas) {
      if (r.family !== p.family || r.pg?.standby) continue;
      if (r.gaps.some((g) => g.startsWith('tables:'))) continue;
      const logical = r.family === 'postgres';
      const subscribed = logical ? new Set(r.pg?.subscribedTables.map((t) => t.table) ?? []) : null;
      const rt = new Map(r.tables.map((t) => [t.qualified, t]));
      const pt = new Map(p.tables.map((t) => [t.qualified, t]));
      const add = (severity: Finding['severity'], object: string, evidence: string, remedy: string) =>
        out.push(finding({ rule: ID, severity, server: r.label, object, evidence, remedy }));
      for (const t of p.tables) {
        const other = rt.get(t.qualified);
        const expected = logical ? (published ? published.has(t.qualified) : false) || (subscribed?.has(t.qualified) ?? false) : !filteredOut(r, t.schema);
        if (!other) {
          add(expected ? 'error' : 'info', t.qualified, `exists on the primary, missing on this replica${expected ? '' : ' (not replicated to it)'}`, expected ? `create ${t.qualified} on ${r.label} from the primary's definition, then re-sync its rows` : 'nothing to do if this table is not meant to be replicated there');
          continue;
        }
        const cols = columnDiffs(t, other);
        const keys = keyDiffs(t, other);
        const sev = expected ? 'error' : 'info';
        if (cols.length) add(sev, t.qualified, cols.join('; '), `make ${t.qualified} on ${r.label} match the primary's definition`);
        if (keys.length) add(expected ? 'warning' : 'info', t.qualified, keys.join('; '), `make the unique keys of ${t.qualified} on ${r.label} match the primary`);
        if (!logical && t.engine && other.engine && t.engine.toLowerCase() !== other.engine.toLowerCase()) {
          add('warning', t.qualified, `engine ${t.engine} on the primary, ${other.engine} on this replica`, `ALTER TABLE ${t.qualified} ENGINE=${t.engine} on ${r.label}`);
        }
        if (!logical && (t.collation ?? '') !== (other.collation ?? '')) {
          add(sev === 'error' ? 'warning' : 'info', t.qualified, `table collation ${t.collation ?? '-'} on the primary, ${other.collation ?? '-'} on this replica`, `ALTER TABLE ${t.qualified} COLLATE ${t.collation ?? ''} on ${r.label}`);
        }
      }
      for (const t of r.tables) {
        if (pt.has(t.qualified)) continue;
        add(logical ? 'info' : 'warning', t.qualified, 'exists on this replica only', `drop it, or create it on the primary if it belongs there (writes to it are local to ${r.label})`);
      }
    }
    return out;
  },
};

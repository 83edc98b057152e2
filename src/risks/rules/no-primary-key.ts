/**
 * no-primary-key: tables without a primary key or a unique NOT NULL key. Row-based replication
 * then finds each changed row by scanning (slow, and ambiguous with duplicate rows), checksums
 * cannot chunk them, and a PostgreSQL publication cannot carry their UPDATEs and DELETEs without
 * REPLICA IDENTITY FULL. On PostgreSQL a published table is blocked by its replica identity, not by
 * its keys: DEFAULT is the primary key (a unique index alone does not count) and NOTHING is none,
 * so UPDATE and DELETE fail on the publisher; that is an error even for a table with a unique key.
 */
import { finding } from '../facts.js';
import type { Finding, RiskRule } from '../types.js';

const ID = 'no-primary-key';

export const noPrimaryKey: RiskRule = {
  id: ID,
  description: 'tables without a primary key or unique NOT NULL key',
  engines: ['mysql-family', 'postgres'],
  run(ctx) {
    const p = ctx.primary;
    if (!p) return [];
    const out: Finding[] = [];
    // Publications that carry UPDATE or DELETE, and the tables each of them publishes.
    const changing = new Set((p.pg?.publications ?? []).filter((x) => x.update || x.delete).map((x) => x.name));
    const published = new Set(p.pg?.publishedTables.map((t) => t.table) ?? []);
    const publishedWithChanges = new Set(p.pg?.publishedTables.filter((t) => changing.has(t.publication)).map((t) => t.table) ?? []);
    for (const t of p.tables) {
      const keyed = t.indexes.some((i) => i.unique && i.allNotNull);
      const cols = t.columns.map((c) => c.name).slice(0, 8).join(', ');
      if (p.family === 'postgres') {
        const ri = p.pg?.replicaIdentity[t.qualified] ?? 'd';
        const hasPk = t.indexes.some((i) => i.primary);
        const blocked = publishedWithChanges.has(t.qualified) && (ri === 'n' || (ri === 'd' && !hasPk));
        if (keyed && !blocked) continue;
        const isPublished = published.has(t.qualified);
        const riWord = ({ d: 'DEFAULT', n: 'NOTHING', f: 'FULL', i: 'INDEX' } as Record<string, string>)[ri] ?? ri;
        out.push(finding({
          rule: ID,
          severity: blocked ? 'error' : 'warning',
          server: p.label,
          object: t.qualified,
          evidence: `${keyed ? (hasPk ? 'primary key' : 'a unique NOT NULL index but no primary key') : 'no primary key or unique NOT NULL index'} (columns: ${cols}); replica identity ${riWord}${blocked ? ` (${ri === 'n' ? 'none' : 'DEFAULT is the primary key, and there is none'}): UPDATE and DELETE on it fail while it is published` : isPublished ? ': each replicated UPDATE/DELETE scans the table on the subscriber' : ''}`,
          remedy: keyed
            ? `ALTER TABLE ${t.qualified} REPLICA IDENTITY ${hasPk ? 'DEFAULT' : 'USING INDEX <its unique NOT NULL index>'} (or add a primary key)`
            : `add a primary key to ${t.qualified}${isPublished ? ' (or ALTER TABLE ... REPLICA IDENTITY FULL)' : ''}`,
        }));
        continue;
      }
      if (keyed) continue;
      out.push(finding({
        rule: ID,
        severity: 'warning',
        server: p.label,
        object: t.qualified,
        evidence: `no primary key or unique NOT NULL index (columns: ${cols}): row-based replication scans the table for each changed row, checksums cannot chunk it`,
        remedy: `add a primary key to ${t.qualified} (an invisible auto-increment column will do)`,
      }));
    }
    return out;
  },
};

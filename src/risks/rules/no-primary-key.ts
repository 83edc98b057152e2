/**
 * no-primary-key: tables without a primary key or a unique NOT NULL key. Row-based replication
 * then finds each changed row by scanning (slow, and ambiguous with duplicate rows), checksums
 * cannot chunk them, and a PostgreSQL publication cannot carry their UPDATEs and DELETEs without
 * REPLICA IDENTITY FULL.
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
    const published = new Set(p.pg?.publishedTables.map((t) => t.table) ?? []);
    const pubChanges = (p.pg?.publications ?? []).some((x) => x.update || x.delete);
    for (const t of p.tables) {
      if (t.indexes.some((i) => i.unique && i.allNotNull)) continue;
      const cols = t.columns.map((c) => c.name).slice(0, 8).join(', ');
      if (p.family === 'postgres') {
        const ri = p.pg?.replicaIdentity[t.qualified] ?? 'd';
        const isPublished = published.has(t.qualified);
        const blocked = isPublished && pubChanges && (ri === 'd' || ri === 'n');
        out.push(finding({
          rule: ID,
          severity: blocked ? 'error' : 'warning',
          server: p.label,
          object: t.qualified,
          evidence: `no primary key or unique NOT NULL index (columns: ${cols}); replica identity ${({ d: 'DEFAULT', n: 'NOTHING', f: 'FULL', i: 'INDEX' } as Record<string, string>)[ri] ?? ri}${blocked ? ': UPDATE and DELETE on it fail while it is published' : isPublished ? ': each replicated UPDATE/DELETE scans the table on the subscriber' : ''}`,
          remedy: `add a primary key to ${t.qualified}${isPublished ? ' (or ALTER TABLE ... REPLICA IDENTITY FULL)' : ''}`,
        }));
        continue;
      }
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

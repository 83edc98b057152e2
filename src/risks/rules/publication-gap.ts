/**
 * publication-gap: what logical replication does not carry. On the publisher: tables in no
 * publication, publications that skip UPDATE/DELETE/TRUNCATE, sequences (never replicated, so a
 * promoted subscriber reissues used values). Against each subscriber: published tables its
 * subscription does not follow (REFRESH PUBLICATION missing).
 */
import { finding } from '../facts.js';
import type { Finding, RiskRule } from '../types.js';

const ID = 'publication-gap';

export const publicationGap: RiskRule = {
  id: ID,
  description: 'tables not in any publication, operations not published, sequences not replicated, published tables not subscribed',
  engines: ['postgres'],
  run(ctx) {
    const p = ctx.primary;
    if (!p?.pg || p.pg.standby) return [];
    const pg = p.pg;
    const subscribers = ctx.replicas.filter((r) => r.pg && !r.pg.standby && r.pg.subscriptions.length > 0);
    if (pg.publications.length === 0 && subscribers.length === 0) return [];
    const out: Finding[] = [];
    const add = (server: string, severity: Finding['severity'], object: string, evidence: string, remedy: string) => out.push(finding({ rule: ID, severity, server, object, evidence, remedy }));
    const published = new Set(pg.publishedTables.map((t) => t.table));
    for (const t of p.tables) {
      if (published.has(t.qualified) || t.unlogged) continue;
      add(p.label, 'warning', t.qualified, `in no publication (${pg.publications.map((x) => x.name).join(', ') || 'none exist'}): subscribers never receive its changes`, `ALTER PUBLICATION ... ADD TABLE ${t.qualified}, then ALTER SUBSCRIPTION ... REFRESH PUBLICATION on each subscriber`);
    }
    for (const pub of pg.publications) {
      const skipped = (['insert', 'update', 'delete', 'truncate'] as const).filter((op) => !pub[op]);
      if (skipped.length) add(p.label, 'warning', `publication ${pub.name}`, `does not publish ${skipped.map((s) => s.toUpperCase()).join(', ')}: those changes stay on the publisher`, `ALTER PUBLICATION ${pub.name} SET (publish = 'insert, update, delete, truncate')`);
    }
    for (const s of pg.sequences) {
      if (s.ownedBy && !published.has(s.ownedBy)) continue;
      add(p.label, 'warning', s.name, `sequence${s.ownedBy ? ` of ${s.ownedBy}` : ''} is not replicated by logical replication (last_value=${s.lastValue ?? 'unused'}): a promoted subscriber reissues used values`, 'before promoting a subscriber, set each sequence there past the publisher\'s value (setval)');
    }
    for (const r of subscribers) {
      const pubs = new Set(r.pg!.subscriptions.flatMap((s) => s.publications));
      const subscribed = new Set(r.pg!.subscribedTables.map((t) => t.table));
      for (const t of pg.publishedTables) {
        if (!pubs.has(t.publication) || subscribed.has(t.table)) continue;
        add(r.label, 'error', t.table, `published by ${t.publication} but not followed by this subscriber's subscription`, `ALTER SUBSCRIPTION ... REFRESH PUBLICATION on ${r.label} (create the table there first)`);
      }
    }
    return out;
  },
};

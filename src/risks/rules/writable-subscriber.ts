/**
 * writable-subscriber: a PostgreSQL logical subscriber takes local writes, and they drift it.
 * Detects: rows whose last commit has no replication origin (written locally; needs
 * track_commit_timestamp=on), sequences of subscribed tables advanced on the subscriber (the
 * publication never replicates sequences, so any nextval there is a local insert), and login roles
 * other than the subscription owner that may write the subscribed tables.
 */
import { finding } from '../facts.js';
import type { Finding, RiskRule } from '../types.js';

const ID = 'writable-subscriber';

export const writableSubscriber: RiskRule = {
  id: ID,
  description: 'subscriber tables written locally: local-origin rows, advanced sequences, roles that can write',
  engines: ['postgres'],
  run(ctx) {
    const out: Finding[] = [];
    for (const r of ctx.replicas) {
      const pg = r.pg;
      if (!pg || pg.standby || pg.subscribedTables.length === 0) continue;
      const add = (severity: Finding['severity'], object: string, evidence: string, remedy: string) => out.push(finding({ rule: ID, severity, server: r.label, object, evidence, remedy }));
      const subscribed = new Set(pg.subscribedTables.map((t) => t.table));
      for (const w of pg.localWrites ?? []) {
        add('error', w.table, `${w.rows >= 1000 ? 'at least 1000' : w.rows} row(s) last committed on the subscriber itself (commit origin 0), not by the subscription`, `find who writes ${w.table} on ${r.label}, stop it, and repair the rows from the publisher`);
      }
      if (pg.localWritesNote) add('info', 'local writes', pg.localWritesNote, 'set track_commit_timestamp=on on the subscriber (restart) so local writes can be found');
      for (const s of pg.sequences) {
        if (s.lastValue === null || !s.ownedBy || !subscribed.has(s.ownedBy)) continue;
        add('warning', s.name, `sequence of subscribed table ${s.ownedBy} has been used on the subscriber (last_value=${s.lastValue}): rows were inserted there locally`, `find the local inserts into ${s.ownedBy} on ${r.label}`);
      }
      for (const a of r.accounts ?? []) {
        if (a.admin) continue;
        const mine = a.privileges.filter((p) => subscribed.has(p.scope));
        if (mine.length === 0) continue;
        const tables = [...new Set(mine.map((p) => p.scope))];
        const privs = [...new Set(mine.map((p) => p.privilege))];
        add('warning', `role ${a.name}`, `${a.name} may ${privs.join('/')} on ${tables.length} subscribed table(s): ${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ', ...' : ''}`, `REVOKE ${privs.join(', ')} ON the subscribed tables FROM ${a.name} on ${r.label}`);
      }
    }
    return out;
  },
};

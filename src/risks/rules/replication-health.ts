/**
 * replication-health: replication threads stopped or in error, lag over --max-lag, and servers
 * named as replicas that do not replicate. PostgreSQL: a standby whose WAL receiver is down, a
 * subscription whose apply worker is not running (a disabled subscription is subscription-disabled).
 */
import { finding } from '../facts.js';
import type { Finding, RiskRule } from '../types.js';

const ID = 'replication-health';

export const replicationHealth: RiskRule = {
  id: ID,
  description: 'replication stopped or in error, lag over the bound, a "replica" that does not replicate',
  engines: ['mysql-family', 'postgres'],
  run(ctx) {
    const out: Finding[] = [];
    const max = ctx.options.maxLagSeconds;
    for (const r of ctx.replicas) {
      const add = (severity: Finding['severity'], object: string, evidence: string, remedy: string) => out.push(finding({ rule: ID, severity, server: r.label, object, evidence, remedy }));
      if (r.family === 'mysql-family') {
        // Unreadable (a missing SLAVE MONITOR privilege is a note already) is not "not configured".
        if (r.channels.length === 0 && r.gaps.some((g) => g.startsWith('replication connections:'))) continue;
        if (r.channels.length === 0) {
          add('error', 'replication', 'no replication configured (SHOW SLAVE STATUS is empty)', 'configure replication (CHANGE MASTER TO ...), or do not name this server as a replica');
          continue;
        }
        for (const ch of r.channels) {
          const obj = ch.name ? `replication connection '${ch.name}'` : 'replication';
          if (!ch.ioRunning) add('error', obj, `IO thread not running${ch.ioError ? `: ${ch.ioError}` : ''}`, 'fix the cause, then START SLAVE IO_THREAD; verify with a check run');
          if (!ch.sqlRunning) add('error', obj, `SQL thread not running${ch.sqlError ? `: ${ch.sqlError}` : ''}`, 'fix the cause (never skip errors blindly), then START SLAVE SQL_THREAD; verify with a check run');
          else if (ch.sqlError) add('warning', obj, `last SQL error: ${ch.sqlError}`, 'find out what was skipped or retried; verify with a check run');
          if (ch.lagSeconds !== null && ch.lagSeconds > max) add('warning', obj, `Seconds_Behind_Master=${ch.lagSeconds} (over ${max}s)`, 'find what holds the applier back (long transactions, missing keys under ROW logging, I/O)');
        }
        continue;
      }
      const st = r.replication;
      if (!st) {
        add('error', 'replication', 'neither a standby nor a subscriber with a subscription in this database', 'name the standby, or the subscriber with its database (postgres://.../DBNAME)');
        continue;
      }
      if (st.kind === 'physical') {
        if (!st.receiving) add('error', 'replication', st.lastError ?? 'WAL receiver not streaming', 'check primary_conninfo, the replication slot and the standby log');
        if (st.lagSeconds !== null && st.lagSeconds > max) add('warning', 'replication', `replay lag ${Math.round(st.lagSeconds)}s (over ${max}s)`, 'find what holds replay back (conflicts with queries, I/O, a paused replay)');
      } else if (st.kind === 'logical') {
        for (const s of r.pg?.subscriptions ?? []) {
          if (s.enabled && !s.workerRunning) add('error', `subscription ${s.name}`, 'apply worker not running (see the subscriber log: a conflict or a connection failure)', 'fix the cause in the subscriber log; the worker restarts by itself once it can apply');
        }
      }
    }
    return out;
  },
};

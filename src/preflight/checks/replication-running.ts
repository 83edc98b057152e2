/**
 * The candidate replicates, without error, from the named primary; the other replicas too (a
 * broken replica is reported as a warning: it does not block the promotion, it will not follow).
 * PostgreSQL standbys: a streaming WAL receiver (a paused replay has its own check);
 * subscribers: every subscription enabled with its apply worker running.
 */
import { couldNotRun, result } from '../result.js';
import type { PreflightCheck, PreflightCheckResult, PreflightContext, PreflightNode } from '../types.js';

const ID = 'replication-running';
const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1']);

function sameServer(host: string | null, port: number | null, n: PreflightNode): boolean {
  if (port !== null && port !== n.spec.port) return false;
  if (!host) return true;
  const a = host.toLowerCase();
  const b = n.spec.host.toLowerCase();
  return a === b || (LOOPBACK.has(a) && LOOPBACK.has(b));
}

function judge(ctx: PreflightContext, n: PreflightNode): PreflightCheckResult {
  const bad = n.role === 'candidate' ? 'fail' : 'warn';
  const st = n.status;
  if (!st) {
    const gap = n.gaps.find((g) => g.startsWith('replica status'));
    if (gap) return couldNotRun(ID, n.label, gap);
    return result(ID, bad, n.label, 'not a replica: no replication is configured on this server', { replica: false });
  }
  const channels = n.mysql?.channels ?? [];
  const evidence: Record<string, unknown> = {
    kind: st.kind,
    receiving: st.receiving,
    applying: st.applying,
    lastError: st.lastError,
    lagSeconds: st.lagSeconds,
    source: st.sourceHost || st.sourcePort ? `${st.sourceHost ?? '?'}:${st.sourcePort ?? '?'}` : null,
  };
  if (channels.length > 1) evidence['channels'] = channels.map((c) => ({ name: c.name, io: c.ioRunning, sql: c.sqlRunning, ioError: c.ioError, sqlError: c.sqlError }));
  if (st.subscriptions.length) evidence['subscriptions'] = st.subscriptions;
  const problems: string[] = [];
  if (st.lastError) problems.push(st.lastError);
  if (!st.receiving) problems.push(st.kind === 'binlog' ? 'IO thread not running' : st.kind === 'physical' ? 'not streaming WAL' : 'subscription worker not running');
  // A paused standby is still "replicating"; replay-not-paused reports it.
  if (!st.applying && st.kind !== 'physical') problems.push(st.kind === 'binlog' ? 'SQL thread not running' : 'not applying');
  for (const c of channels.slice(1)) {
    if (c.ioError || c.sqlError || !c.ioRunning || !c.sqlRunning) problems.push(`connection '${c.name}': ${c.sqlError ?? c.ioError ?? 'threads not running'}`);
  }
  // Error counters accumulate until reset, so a running worker with errors is a warning: it got
  // past them (or keeps retrying one), and the subscriber's log says which.
  const subNotes: string[] = [];
  for (const sub of n.pg?.subscriptions ?? []) {
    const errors = (sub.applyErrors ?? 0) + (sub.syncErrors ?? 0);
    if (errors > 0) subNotes.push(`subscription "${sub.name}": ${sub.applyErrors ?? 0} apply and ${sub.syncErrors ?? 0} table sync error(s) since statistics reset (pg_stat_subscription_stats; see its server log)`);
    if (sub.skipLsn) subNotes.push(`subscription "${sub.name}" will skip the transaction at ${sub.skipLsn} (ALTER SUBSCRIPTION ... SKIP)`);
  }
  if (n.pg?.subscriptions.length) evidence['subscriptionStats'] = n.pg.subscriptions.map((x) => ({ name: x.name, enabled: x.enabled, workerRunning: x.workerRunning, applyErrors: x.applyErrors, syncErrors: x.syncErrors, skipLsn: x.skipLsn }));
  if (problems.length) {
    const what = [...new Set(problems)].join('; ');
    const fix = n.role === 'candidate' ? ': fix replication and let it catch up before promoting' : ': it will not follow the new primary until fixed';
    return result(ID, bad, n.label, `replication broken: ${what}${fix}`, evidence);
  }
  if (!sameServer(st.sourceHost, st.sourcePort, ctx.primary)) {
    return result(ID, 'warn', n.label, `replicates from ${evidence['source']}, not from the named primary ${ctx.primary.label} (a relay or proxy?)`, evidence);
  }
  if (subNotes.length) return result(ID, 'warn', n.label, `running, but ${subNotes.join('; ')}`, evidence);
  return result(ID, 'pass', n.label, `${st.kind === 'binlog' ? 'IO and SQL threads' : st.kind === 'physical' ? 'WAL receiver' : 'subscriptions'} running without error`, evidence);
}

export const replicationRunning: PreflightCheck = {
  id: ID,
  description: 'replication of the candidate (and of the other replicas) is running without error',
  families: ['mysql-family', 'postgres'],
  run: (ctx) => [ctx.candidate, ...ctx.replicas].map((n) => judge(ctx, n)),
};

/**
 * The candidate holds the primary's data: `check` (chunk checksums) or, with --quick, `counts`,
 * between the primary and the candidate only, at synchronized positions. Not run when the
 * candidate is not replicating or not caught up: no synchronized point can be reached, and the
 * sync would restart a stopped replica's SQL thread, which a preflight must never do.
 */
import { check, counts } from '../../api/check.js';
import { result, couldNotRun } from '../result.js';
import type { PreflightCheck } from '../types.js';

const ID = 'data-consistent';

export const dataConsistent: PreflightCheck = {
  id: ID,
  description: "a check (or counts with --quick) of the candidate against the primary is consistent",
  families: ['mysql-family', 'postgres'],
  async run(ctx) {
    const c = ctx.candidate;
    if (ctx.opts.dataCheck === 'off') return [result(ID, 'skip', c.label, 'data check switched off (--no-data-check)')];
    const blocked = ctx.earlier.find((r) => r.node === c.label && r.status === 'fail' && (r.id === 'replication-running' || r.id === 'caught-up' || r.id === 'replay-not-paused'));
    if (blocked) return [result(ID, 'skip', c.label, `not run: ${blocked.id} failed, so no synchronized point with the primary can be reached`)];
    const run = ctx.opts.dataCheck === 'counts' ? counts : check;
    const r = await run({
      primary: ctx.opts.primary,
      replicas: [ctx.opts.candidate],
      filter: ctx.opts.filter,
      connectTimeoutMs: ctx.opts.connectTimeoutMs,
      log: ctx.opts.log,
      ...(ctx.opts.signal ? { signal: ctx.opts.signal } : {}),
    });
    const mine = r.tables.filter((t) => t.replica === c.label);
    const drift = mine.filter((t) => t.status === 'drift');
    const notDone = mine.filter((t) => t.status === 'skipped' || t.status === 'error');
    const evidence = {
      mode: r.command,
      verdict: r.verdict,
      tables: mine.length,
      rows: mine.reduce((n, t) => n + t.primaryRows, 0),
      drift: drift.map((t) => ({ table: t.table, reason: t.reason ?? null, driftChunks: t.driftChunks, primaryRows: t.primaryRows, replicaRows: t.replicaRows })),
      notChecked: notDone.map((t) => ({ table: t.table, status: t.status, reason: t.reason ?? null })),
      ...(r.error ? { error: r.error } : {}),
      sync: r.sync.method,
      durationMs: r.durationMs,
    };
    if (drift.length) {
      const names = drift.slice(0, 5).map((t) => `${t.table}${t.reason ? ` (${t.reason})` : ''}`).join(', ') + (drift.length > 5 ? ` and ${drift.length - 5} more` : '');
      return [result(ID, 'fail', c.label, `${r.command}: ${drift.length} table(s) differ from the primary: ${names}; run syncpoint diff/repair before promoting`, evidence)];
    }
    if (r.verdict !== 'consistent') {
      return [couldNotRun(ID, c.label, r.error ?? `${notDone.length} table(s) not checked: ${notDone.slice(0, 3).map((t) => `${t.table} (${t.reason ?? t.status})`).join(', ')}`, evidence)];
    }
    if (mine.length === 0) return [result(ID, 'pass', c.label, `${r.command}: no user tables in scope, nothing to compare`, evidence)];
    return [result(ID, 'pass', c.label, `${r.command}: ${mine.length} table(s), ${evidence.rows} row(s) consistent with the primary`, evidence)];
  },
};

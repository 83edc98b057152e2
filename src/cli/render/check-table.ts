/** Human rendering of check/counts results: one row per (table, replica). */
import Table from 'cli-table3';
import type { CheckResult } from '../../pipeline/report/check-result.js';

const MARK: Record<string, string> = { ok: 'ok', drift: 'DRIFT', skipped: 'skipped', error: 'ERROR' };

export function renderCheck(r: CheckResult): string {
  const counts = r.command === 'counts';
  const head = counts
    ? ['table', 'replica', 'status', 'primary rows', 'replica rows', 'reason']
    : ['table', 'replica', 'status', 'primary rows', 'replica rows', 'chunks', 'drift chunks', 'time', 'reason'];
  const t = new Table({ head, style: { head: [], border: [] }, wordWrap: true, colWidths: head.map((h) => (h === 'reason' ? 48 : null)) });
  for (const e of r.tables) {
    const row = [e.table, e.replica, MARK[e.status] ?? e.status, e.primaryRows, e.replicaRows];
    if (!counts) row.push(e.chunks, e.driftChunks, `${(e.durationMs / 1000).toFixed(1)}s`);
    row.push(e.reason ?? '');
    t.push(row);
  }
  const drift = r.tables.filter((e) => e.status === 'drift').length;
  const bad = r.tables.filter((e) => e.status === 'error' || e.status === 'skipped').length;
  const lines = [
    t.toString(),
    `verdict: ${r.verdict.toUpperCase()}  primary ${r.primary}, replicas ${r.replicas.join(', ') || '(none)'}; ${r.tables.length} table/replica pair(s), ${drift} drifting, ${bad} not checked; ${(r.durationMs / 1000).toFixed(1)}s`,
  ];
  if (r.sync.method) lines.push(`sync: ${r.sync.method}, ${r.sync.epochs} sync point(s), ${r.sync.lanes} lane(s); longest primary lock ${r.sync.maxLockMs} ms, longest replica pause ${r.sync.maxReplicaPauseMs} ms${r.hash ? `; ${r.hash} row hash` : ''}`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  if (r.error) lines.push(`stopped early: ${r.error}`);
  return lines.join('\n') + '\n';
}

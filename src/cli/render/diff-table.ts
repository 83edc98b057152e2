/** Human rendering of diff results: one line per differing row, then totals per (table, replica). */
import Table from 'cli-table3';
import type { DiffResult, DiffRow } from '../../pipeline/diff/diff-result.js';

function keyText(r: DiffRow): string {
  if (!r.key) return `(no key) row ${r.rowHash?.slice(0, 12) ?? ''}${r.copies && r.copies > 1 ? ` x${r.copies}` : ''}`;
  return Object.entries(r.key).map(([k, v]) => `${k}=${v === null ? 'NULL' : String(v)}`).join(', ');
}

function valuesText(r: DiffRow): string {
  if (!r.values) return '';
  return Object.entries(r.values)
    .map(([c, v]) => (r.kind === 'changed' ? `${c}: ${show(v.primary)} -> ${show(v.replica)}` : `${c}: ${show(r.kind === 'missing' ? v.primary : v.replica)}`))
    .join('\n');
}

const show = (v: string | null) => (v === null ? 'NULL' : JSON.stringify(v));

export function renderDiff(r: DiffResult): string {
  const lines: string[] = [];
  const withValues = r.rows.some((x) => x.values);
  if (r.rows.length) {
    const head = ['table', 'replica', 'kind', 'key', 'columns', ...(withValues ? ['values (primary -> replica)'] : [])];
    const t = new Table({ head, style: { head: [], border: [] }, wordWrap: true, colWidths: head.map((h) => (h === 'key' ? 36 : h.startsWith('values') ? 48 : null)) });
    for (const x of r.rows) t.push([x.table, x.replica, x.kind, keyText(x), x.columns.join(', '), ...(withValues ? [valuesText(x)] : [])]);
    lines.push(t.toString());
  }
  if (r.totals.length) {
    const t = new Table({ head: ['table', 'replica', 'missing', 'extra', 'changed'], style: { head: [], border: [] } });
    for (const x of r.totals) t.push([x.table, x.replica, x.missing, x.extra, x.changed]);
    lines.push(t.toString());
  }
  for (const p of r.problems) lines.push(`${p.status === 'drift' ? 'DRIFT' : p.status}: ${p.table} on ${p.replica}: ${p.reason}`);
  const total = r.totals.reduce((n, x) => n + x.missing + x.extra + x.changed, 0);
  lines.push(
    `verdict: ${r.verdict.toUpperCase()}  primary ${r.primary}, replicas ${r.replicas.join(', ') || '(none)'}; ${total} differing row(s)` +
      (r.truncated ? `, ${r.rows.length} listed (--max-rows)` : '') +
      `; ${(r.durationMs / 1000).toFixed(1)}s`,
  );
  for (const n of r.notes) lines.push(`note: ${n}`);
  if (r.error) lines.push(`stopped early: ${r.error}`);
  return lines.join('\n') + '\n';
}

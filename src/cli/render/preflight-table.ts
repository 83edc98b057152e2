/** Human rendering of preflight: the verdict, then one row per check result, failures first, then how the other replicas were found. */
import Table from 'cli-table3';
import type { PreflightCheckResult, PreflightResult } from '../../preflight/types.js';

const MARK: Record<string, string> = { fail: 'FAIL', warn: 'warn', pass: 'pass', skip: 'skip' };

function mark(r: PreflightCheckResult): string {
  return r.incomplete ? 'NOT CHECKED' : (MARK[r.status] ?? r.status);
}

export function renderPreflight(r: PreflightResult): string {
  const lines: string[] = [];
  const verdict = r.verdict === 'go' ? 'GO' : r.verdict === 'no-go' ? 'NO-GO' : 'INCOMPLETE (not a go: some checks could not run)';
  lines.push(`verdict: ${verdict}  promote ${r.candidate} (primary ${r.primary}${r.replicas.length ? `, replicas ${r.replicas.join(', ')}` : ''}); ${(r.durationMs / 1000).toFixed(1)}s`);
  for (const reason of r.reasons) lines.push(`  reason: ${reason}`);
  const t = new Table({
    head: ['status', 'check', 'node', 'message'],
    style: { head: [], border: [] },
    wordWrap: true,
    colWidths: [null, null, null, 90],
  });
  for (const c of r.checks) t.push([mark(c), c.id, c.node, c.message]);
  lines.push(t.toString());
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}

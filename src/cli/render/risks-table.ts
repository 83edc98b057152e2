/** Human rendering of risks: one row per finding, most severe first, then a verdict line. */
import Table from 'cli-table3';
import type { RisksResult } from '../../risks/run-risks.js';

const MARK: Record<string, string> = { error: 'ERROR', warning: 'warning', info: 'info' };

export function renderRisks(r: RisksResult): string {
  const lines: string[] = [];
  if (r.findings.length > 0) {
    const t = new Table({
      head: ['severity', 'rule', 'server', 'object', 'evidence', 'remedy'],
      style: { head: [], border: [] },
      wordWrap: true,
      colWidths: [null, null, null, 28, 60, 44],
    });
    for (const f of r.findings) t.push([MARK[f.severity] ?? f.severity, f.rule, f.server, f.object, f.source ? `${f.evidence}\n[${f.source}]` : f.evidence, f.remedy]);
    lines.push(t.toString());
  }
  lines.push(
    `verdict: ${r.verdict.toUpperCase()} (fail on ${r.failOn})  primary ${r.primary ?? '(none)'}, replicas ${r.replicas.join(', ') || '(none)'}; ` +
      `${r.counts.error} error(s), ${r.counts.warning} warning(s), ${r.counts.info} info; ${(r.durationMs / 1000).toFixed(1)}s`,
  );
  for (const s of r.sources) lines.push(`read: ${s.name} (${s.kind}, ${s.statements} statement(s))`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}

/** Human rendering of a fleet check: one section per cluster, then the combined verdict. */
import type { FleetResult } from '../../api/fleet.js';
import { renderCheck } from './check-table.js';

export function renderFleet(r: FleetResult): string {
  const out: string[] = [];
  for (const c of r.clusters) {
    out.push(`=== cluster ${c.name} (primary ${c.primary}): ${c.verdict.toUpperCase()} ===`);
    if ('error' in c && c.tables.length === 0 && !('schemaVersion' in c)) out.push(`${'locked' in c && c.locked ? 'not checked' : 'error'}: ${c.error}\n`);
    else {
      out.push(renderCheck(c as Parameters<typeof renderCheck>[0]));
      const run = (c as { run?: { id: string | null } }).run;
      if (run?.id) out.push(`run: ${run.id}; see syncpoint history ${run.id}\n`);
    }
  }
  const count = (v: string) => r.clusters.filter((c) => c.verdict === v).length;
  const locked = r.clusters.filter((c) => 'locked' in c && c.locked).length;
  out.push(
    `fleet verdict: ${r.verdict.toUpperCase()}  ${r.clusters.length} cluster(s) from ${r.config}: ${count('consistent')} consistent, ${count('drift')} drift, ` +
      `${count('incomplete')} incomplete${locked ? ` (${locked} locked by another run)` : ''}; ${(r.durationMs / 1000).toFixed(1)}s`,
  );
  return out.join('\n') + '\n';
}

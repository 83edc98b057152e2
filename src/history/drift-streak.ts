/**
 * "Drift first seen at run X": for a pair drifting in a run, the earliest run of the unbroken
 * streak of drift that ends there. A finished run in which the pair was checked and matched
 * breaks the streak; a run that could not say (pair skipped or in error, a run that failed
 * outright or was interrupted before a result, a run whose filter left the pair out) neither
 * breaks nor extends it. Summaries written before the matched pairs were kept (no `ok`) count a
 * pair as matched when it was neither drift nor unknown there, as they always did.
 */
import { pairKey, type RunSummaryRecord } from './records.js';

/** `runs` are the cluster's finished runs in any order; returns pair -> first run id of its streak ending at `runId`. */
export function driftFirstSeen(runs: readonly RunSummaryRecord[], runId: string): Map<string, string> {
  const ordered = [...runs].filter((r) => r.runId <= runId).sort((a, b) => (a.runId < b.runId ? -1 : 1));
  const current = ordered.find((r) => r.runId === runId);
  const out = new Map<string, string>();
  if (!current) return out;
  for (const pair of current.drift) {
    let first = current.runId;
    for (let i = ordered.length - 2; i >= 0; i--) {
      const r = ordered[i]!;
      if (r.drift.includes(pair)) first = r.runId;
      else if (r.ok ? r.ok.includes(pair) : !r.unknown.includes(pair)) break;
    }
    out.set(pair, first);
  }
  return out;
}

export { pairKey };

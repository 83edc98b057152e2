/**
 * The verdict and the order results are shown in: reasons first. Pure, so unit-tested.
 *   no-go      at least one check failed (whatever else could not be read)
 *   incomplete nothing failed, but some check could not be evaluated: not a go
 *   go         every check passed, warned or was skipped on purpose
 * No results at all is incomplete, never a go: a go must rest on evidence.
 */
import type { PreflightCheckResult, PreflightVerdict } from './types.js';

function rank(r: PreflightCheckResult): number {
  if (r.status === 'fail') return 0;
  if (r.incomplete) return 1;
  if (r.status === 'warn') return 2;
  if (r.status === 'pass') return 3;
  return 4;
}

/** Failed first, then could-not-run, warnings, passes, skips; the run order within each (stable sort). */
export function orderResults(results: readonly PreflightCheckResult[]): PreflightCheckResult[] {
  return results.map((r, i) => ({ r, i })).sort((a, b) => rank(a.r) - rank(b.r) || a.i - b.i).map((x) => x.r);
}

export function preflightVerdict(results: readonly PreflightCheckResult[]): PreflightVerdict {
  if (results.some((r) => r.status === 'fail')) return 'no-go';
  if (results.length === 0 || results.some((r) => r.incomplete)) return 'incomplete';
  return 'go';
}

export function reasonsOf(ordered: readonly PreflightCheckResult[]): string[] {
  return ordered.filter((r) => r.status === 'fail').map((r) => `${r.id} on ${r.node}: ${r.message}`);
}

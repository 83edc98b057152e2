/** Builders for check results, so every check spells them the same way. */
import { messageOf } from '../errors.js';
import type { CheckStatus, PreflightCheckResult } from './types.js';

export function result(id: string, status: CheckStatus, node: string, message: string, evidence: Record<string, unknown> = {}): PreflightCheckResult {
  return Object.freeze({ id, status, node, message, evidence: Object.freeze(evidence) });
}

/** The check could not be evaluated: never a pass, and the verdict cannot be go. */
export function couldNotRun(id: string, node: string, err: unknown, evidence: Record<string, unknown> = {}): PreflightCheckResult {
  const why = typeof err === 'string' ? err : messageOf(err).replace(`${node}: `, '');
  return Object.freeze({ id, status: 'skip', node, message: `could not be checked: ${why}`, evidence: Object.freeze({ ...evidence, error: why }), incomplete: true });
}

/** "ON"/"1"/"YES" as MySQL-family and PostgreSQL print booleans. */
export function isOn(v: string | undefined): boolean {
  return v !== undefined && ['on', '1', 'yes', 'true'].includes(v.toLowerCase());
}

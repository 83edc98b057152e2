/**
 * Step 7, verify: `check` between the primary and the new replica (chunked checksums at
 * synchronized positions). The clone is done only when this says consistent.
 */
import { check } from '../../api/check.js';
import { SyncpointError } from '../../errors.js';
import type { CloneContext } from '../context.js';
import { writeMarker } from '../marker.js';

/** Verification ran but did not pass: the run's verdict is its verdict. */
export class VerificationFailed extends SyncpointError {
  constructor(readonly verdict: 'drift' | 'incomplete', message: string) {
    super(verdict === 'drift' ? 'server' : 'timeout', message);
  }
}

export async function verify(ctx: CloneContext): Promise<string> {
  const o = ctx.opts;
  const adapter = ctx.requireAdapter();
  await writeMarker(ctx, 'verifying');
  const res = await check({
    primary: adapter.primarySpec(),
    replicas: [o.target],
    filter: o.verifyFilter,
    // replica-until synchronizes MariaDB replicas at GTID positions; a replica that follows
    // binlog file coordinates reports those, so the primary-lock method is the one that fits.
    ...(adapter.replicationMode === 'file-pos' ? { syncMethod: 'primary-lock' as const } : {}),
    log: ctx.log,
    connectTimeoutMs: o.connectTimeoutMs,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const drift = res.tables.filter((t) => t.status === 'drift').map((t) => t.table);
  ctx.verification = { verdict: res.verdict, tables: res.tables.length, driftTables: drift, durationMs: res.durationMs };
  if (res.verdict === 'drift') throw new VerificationFailed('drift', `verification found drift on the new replica: ${drift.slice(0, 10).join(', ')}${drift.length > 10 ? ', ...' : ''}`);
  if (res.verdict !== 'consistent') {
    const bad = res.tables.filter((t) => t.status !== 'ok').map((t) => `${t.table}: ${t.reason ?? t.status}`);
    throw new VerificationFailed('incomplete', `verification could not complete${res.error ? `: ${res.error}` : ''}${bad.length ? ` (${bad.slice(0, 3).join('; ')})` : ''}`);
  }
  return `consistent: ${res.tables.length} table(s) in ${(res.durationMs / 1000).toFixed(1)} s`;
}

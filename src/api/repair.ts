/** repair as a library call: typed options in, a typed result out; never prints, never exits. */
import { parseDsn, type ConnectionSpec } from '../config/dsn.js';
import { silentLogger } from '../log.js';
import { checkDefaults, runCheck } from '../pipeline/run-check.js';
import { runRepair, type RepairOptions } from '../pipeline/repair/run-repair.js';
import type { RepairResult } from '../pipeline/repair/repair-result.js';
import type { DiffResult } from '../pipeline/diff/diff-result.js';
import { diff, type DiffApiOptions } from './diff.js';

export type { RepairResult, RepairTable, RepairVerdict, RepairMode } from '../pipeline/repair/repair-result.js';

export type RepairApiOptions = DiffApiOptions & {
  /** A diff result to repair; without it, diff runs first with the same options (every row listed). */
  readonly diff?: DiffResult;
  readonly apply?: 'primary' | 'replica' | null;
  readonly allowKeyless?: boolean;
  readonly force?: boolean;
};

const spec = (x: string | ConnectionSpec) => (typeof x === 'string' ? parseDsn(x) : x);

/** When repair runs diff itself it lists up to this many rows; more is refused (repair them in parts). */
export const REPAIR_DIFF_MAX_ROWS = 100_000;

/** SQL that makes the replicas equal to the primary: printed, or applied on the primary or the replicas, then checked. */
export async function repair(o: RepairApiOptions): Promise<RepairResult> {
  const log = o.log ?? silentLogger;
  const primary = spec(o.primary);
  const replicas = (o.replicas ?? []).map(spec);
  const d = o.diff ?? (await diff({ maxRows: REPAIR_DIFF_MAX_ROWS, ...o, primary, replicas, log }));
  const options: RepairOptions = {
    primary,
    replicas,
    diff: d,
    apply: o.apply ?? null,
    allowKeyless: o.allowKeyless ?? false,
    force: o.force ?? false,
    lockWaitMs: o.lockWaitMs ?? checkDefaults.lockWaitMs,
    maxLockMs: o.maxLockMs ?? checkDefaults.maxLockMs,
    syncTimeoutMs: o.syncTimeoutMs ?? checkDefaults.syncTimeoutMs,
    connectTimeoutMs: o.connectTimeoutMs ?? checkDefaults.connectTimeoutMs,
    log,
    ...(o.signal ? { signal: o.signal } : {}),
    followUp: (tables) =>
      runCheck('check', {
        ...checkDefaults,
        ...(o.concurrency ? { concurrency: o.concurrency } : {}),
        ...(o.chunkTime ? { chunkTime: o.chunkTime } : {}),
        ...(o.hash ? { hash: o.hash } : {}),
        ...(o.syncMethod ? { syncMethod: o.syncMethod } : {}),
        ...(o.maxLagSeconds !== undefined ? { maxLagSeconds: o.maxLagSeconds } : {}),
        ...(o.lagWaitMs !== undefined ? { lagWaitMs: o.lagWaitMs } : {}),
        ...(o.lockWaitMs !== undefined ? { lockWaitMs: o.lockWaitMs } : {}),
        ...(o.maxLockMs !== undefined ? { maxLockMs: o.maxLockMs } : {}),
        ...(o.syncTimeoutMs !== undefined ? { syncTimeoutMs: o.syncTimeoutMs } : {}),
        ...(o.noKeyMaxRows !== undefined ? { noKeyMaxRows: o.noKeyMaxRows } : {}),
        ...(o.connectTimeoutMs !== undefined ? { connectTimeoutMs: o.connectTimeoutMs } : {}),
        primary,
        replicas,
        filter: { tables: [...tables] },
        log,
        ...(o.signal ? { signal: o.signal } : {}),
      }),
  };
  return runRepair(options);
}

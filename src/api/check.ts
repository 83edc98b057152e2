/** check and counts as library calls: typed options in, a typed result out; never prints, never exits. */
import { parseDsn, type ConnectionSpec } from '../config/dsn.js';
import { silentLogger } from '../log.js';
import { checkDefaults, runCheck, type CheckOptions } from '../pipeline/run-check.js';
import type { CheckResult } from '../pipeline/report/check-result.js';

export type { CheckResult } from '../pipeline/report/check-result.js';

export type CheckApiOptions = Partial<Omit<CheckOptions, 'primary' | 'replicas' | 'log' | 'filter'>> & {
  readonly primary: string | ConnectionSpec;
  readonly replicas?: readonly (string | ConnectionSpec)[];
  readonly filter?: CheckOptions['filter'];
  readonly log?: CheckOptions['log'];
};

const spec = (x: string | ConnectionSpec) => (typeof x === 'string' ? parseDsn(x) : x);

export function resolveCheckOptions(o: CheckApiOptions): CheckOptions {
  return {
    ...checkDefaults,
    ...o,
    primary: spec(o.primary),
    replicas: (o.replicas ?? []).map(spec),
    filter: o.filter ?? {},
    log: o.log ?? silentLogger,
  };
}

/** Row counts and chunk checksums on the primary and every replica at synchronized positions. */
export function check(o: CheckApiOptions): Promise<CheckResult> {
  return runCheck('check', resolveCheckOptions(o));
}

/** Exact row counts per table at synchronized positions (fast triage). */
export function counts(o: CheckApiOptions): Promise<CheckResult> {
  return runCheck('counts', resolveCheckOptions(o));
}

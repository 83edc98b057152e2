/** preflight as a library call: typed options in, a PreflightResult out; never prints, never exits. */
import { parseDsn, type ConnectionSpec } from '../config/dsn.js';
import { silentLogger } from '../log.js';
import { preflightDefaults, runPreflight } from '../preflight/run-preflight.js';
import type { PreflightOptions, PreflightResult } from '../preflight/types.js';

export type { PreflightResult, PreflightCheckResult, PreflightVerdict, CheckStatus, DataCheckMode } from '../preflight/types.js';
export { CHECK_IDS as PREFLIGHT_CHECK_IDS } from '../preflight/run-preflight.js';

export type PreflightApiOptions = Partial<Omit<PreflightOptions, 'primary' | 'candidate' | 'replicas' | 'log' | 'filter'>> & {
  readonly primary: string | ConnectionSpec;
  readonly candidate: string | ConnectionSpec;
  /** The other replicas; none: discovered from the primary (like check and risks) unless `discover: false`. */
  readonly replicas?: readonly (string | ConnectionSpec)[];
  readonly filter?: PreflightOptions['filter'];
  readonly log?: PreflightOptions['log'];
};

const spec = (x: string | ConnectionSpec) => (typeof x === 'string' ? parseDsn(x) : x);

export function resolvePreflightOptions(o: PreflightApiOptions): PreflightOptions {
  return {
    ...preflightDefaults,
    ...o,
    primary: spec(o.primary),
    candidate: spec(o.candidate),
    replicas: (o.replicas ?? []).map(spec),
    filter: o.filter ?? {},
    log: o.log ?? silentLogger,
  };
}

/** Go/no-go for promoting `candidate` to replace `primary`, with every check's evidence. */
export function preflight(o: PreflightApiOptions): Promise<PreflightResult> {
  return runPreflight(resolvePreflightOptions(o));
}

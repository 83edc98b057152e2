/** diff as a library call: typed options in, a typed result out; never prints, never exits. */
import { parseDsn, type ConnectionSpec } from '../config/dsn.js';
import { silentLogger } from '../log.js';
import { checkDefaults } from '../pipeline/run-check.js';
import { diffDefaults, runDiff, type DiffOptions } from '../pipeline/diff/run-diff.js';
import type { DiffResult } from '../pipeline/diff/diff-result.js';

export type { DiffResult, DiffRow, DiffTotals, DiffProblem } from '../pipeline/diff/diff-result.js';

export type DiffApiOptions = Partial<Omit<DiffOptions, 'primary' | 'replicas' | 'log' | 'filter'>> & {
  readonly primary: string | ConnectionSpec;
  readonly replicas?: readonly (string | ConnectionSpec)[];
  readonly filter?: DiffOptions['filter'];
  readonly log?: DiffOptions['log'];
};

const spec = (x: string | ConnectionSpec) => (typeof x === 'string' ? parseDsn(x) : x);

export function resolveDiffOptions(o: DiffApiOptions): DiffOptions {
  const { retries: _r, ...check } = checkDefaults;
  return {
    ...check,
    ...diffDefaults,
    ...o,
    primary: spec(o.primary),
    replicas: (o.replicas ?? []).map(spec),
    filter: o.filter ?? {},
    log: o.log ?? silentLogger,
  };
}

/** The rows behind differing chunks: missing, extra and changed on each replica, at synchronized positions. */
export function diff(o: DiffApiOptions): Promise<DiffResult> {
  return runDiff(resolveDiffOptions(o));
}

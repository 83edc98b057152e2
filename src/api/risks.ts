/** risks as a library call: typed options in, a RisksResult out; never prints, never exits. */
import { parseDsn, type ConnectionSpec } from '../config/dsn.js';
import { silentLogger } from '../log.js';
import { risksDefaults, runRisks, type RisksOptions, type RisksResult } from '../risks/run-risks.js';

export type { RisksResult, RisksVerdict } from '../risks/run-risks.js';
export type { Finding, Severity } from '../risks/types.js';
export { RULE_IDS } from '../risks/run-risks.js';

export type RisksApiOptions = Partial<Omit<RisksOptions, 'primary' | 'replicas' | 'log'>> & {
  readonly primary?: string | ConnectionSpec | null;
  readonly replicas?: readonly (string | ConnectionSpec)[];
  readonly log?: RisksOptions['log'];
};

const spec = (x: string | ConnectionSpec) => (typeof x === 'string' ? parseDsn(x) : x);

export function resolveRisksOptions(o: RisksApiOptions): RisksOptions {
  return {
    ...risksDefaults,
    sqlFiles: [],
    binlogFiles: [],
    ...o,
    primary: o.primary ? spec(o.primary) : null,
    replicas: (o.replicas ?? []).map(spec),
    log: o.log ?? silentLogger,
  };
}

/** Audits the primary and its replicas (and the SQL or binlog given) for habits that make replicas drift. */
export function risks(o: RisksApiOptions): Promise<RisksResult> {
  return runRisks(resolveRisksOptions(o));
}

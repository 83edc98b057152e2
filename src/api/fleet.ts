/**
 * check over a fleet config: every selected cluster, at most `concurrency` at a time, each under
 * its cluster lock and recorded in the history like a single run; one combined verdict, worst
 * wins (drift > incomplete > consistent). Never prints, never exits.
 */
import pLimit from 'p-limit';
import { extname } from 'node:path';
import type { ClusterCheckOptions, ClusterConfig } from '../config/config-file.js';
import { configError, messageOf } from '../errors.js';
import type { TableFilter } from '../pipeline/plan/table-filter.js';
import { silentLogger, type Logger } from '../log.js';
import { runRecorded, type HistoryRunOptions, type RecordedResult } from '../history/run-recorded.js';
import { RunLockedError, withRunLock } from '../ops/run-lock.js';
import type { CheckApiOptions } from './check.js';

export type FleetVerdict = 'consistent' | 'drift' | 'incomplete';

export type FleetClusterResult =
  | ({ readonly name: string } & RecordedResult)
  | {
      readonly name: string;
      readonly verdict: 'incomplete';
      /** Present when another run held the cluster's lock (the error names it). */
      readonly locked?: true;
      readonly primary: string;
      readonly replicas: string[];
      readonly tables: [];
      readonly notes: string[];
      /** Why the cluster was not checked at all. */
      readonly error: string;
    };

export interface FleetResult {
  readonly schemaVersion: 1;
  readonly command: 'check';
  readonly verdict: FleetVerdict;
  readonly config: string;
  readonly clusters: FleetClusterResult[];
  readonly durationMs: number;
}

export interface FleetOptions {
  readonly configPath: string;
  readonly clusters: readonly ClusterConfig[];
  /** Clusters checked at the same time. Default 2. */
  readonly concurrency?: number;
  /** Check options over every cluster's own (the CLI flags the user typed win over the file). */
  readonly base?: Partial<CheckApiOptions>;
  readonly history?: HistoryRunOptions['history'];
  /** One file per cluster: NAME inserted before the extension when there are several clusters. */
  readonly metricsFile?: string;
  /** The whole fleet run's budget: each cluster gets the time left when it starts. */
  readonly maxRuntimeSeconds?: number;
  readonly lock?: boolean;
  readonly log?: Logger;
  readonly signal?: AbortSignal;
}

const RANK: Record<FleetVerdict, number> = { consistent: 0, incomplete: 1, drift: 2 };

export function worstVerdict(verdicts: readonly FleetVerdict[]): FleetVerdict {
  return verdicts.reduce<FleetVerdict>((w, v) => (RANK[v] > RANK[w] ? v : w), 'consistent');
}

/** Check options of a config file (seconds) in the API's units (milliseconds). */
export function apiOptionsOf(o: ClusterCheckOptions): Partial<CheckApiOptions> {
  const ms = (s: number | undefined) => (s === undefined ? undefined : s * 1000);
  const out: Record<string, unknown> = {
    chunkTime: o.chunkTime,
    hash: o.hash,
    noKeyMaxRows: o.nokeyMaxRows,
    concurrency: o.concurrency,
    retries: o.retries,
    maxLagSeconds: o.maxLag,
    lagWaitMs: ms(o.lagWait),
    syncMethod: o.syncMethod,
    maxSnapshotAgeMs: ms(o.maxSnapshotAge),
    lockWaitMs: ms(o.lockWaitTimeout),
    maxLockMs: ms(o.maxLockTime),
    syncTimeoutMs: ms(o.syncTimeout),
    connectTimeoutMs: ms(o.connectTimeout),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as Partial<CheckApiOptions>;
}

export function metricsFileFor(path: string, cluster: string, several: boolean): string {
  if (!several) return path;
  const ext = extname(path);
  return `${ext ? path.slice(0, -ext.length) : path}-${cluster.replace(/[^A-Za-z0-9_.-]/g, '_')}${ext}`;
}

export async function checkFleet(o: FleetOptions): Promise<FleetResult> {
  const started = Date.now();
  const log = o.log ?? silentLogger;
  const limit = pLimit(Math.max(1, o.concurrency ?? 2));
  const several = o.clusters.length > 1;
  const results = await Promise.all(
    o.clusters.map((c) =>
      limit(async (): Promise<FleetClusterResult> => {
        const clog = log.child({ cluster: c.name });
        if (o.signal?.aborted) {
          return { name: c.name, verdict: 'incomplete', primary: c.primary.label, replicas: [], tables: [], notes: [], error: 'not started: the run was interrupted' };
        }
        // --max-runtime bounds the whole fleet run: a cluster gets what is left when it starts.
        const left = o.maxRuntimeSeconds === undefined ? undefined : o.maxRuntimeSeconds - (Date.now() - started) / 1000;
        if (left !== undefined && left < 1) {
          return { name: c.name, verdict: 'incomplete', primary: c.primary.label, replicas: [], tables: [], notes: [], error: `not started: --max-runtime ${o.maxRuntimeSeconds}s was used up by the clusters before it` };
        }
        const run = () =>
          runRecorded('check', {
            ...apiOptionsOf(c.options),
            ...o.base,
            primary: c.primary,
            replicas: c.replicas,
            filter: mergeFilters(o.base?.filter, c.filters),
            // A command-line filter applies to every cluster: one with no such table is a note.
            ...(hasIncludes(o.base?.filter) ? { filterMaySelectNothing: true } : {}),
            ...(c.addresses.size ? { addresses: c.addresses } : {}),
            cluster: c.name,
            ...(o.history !== undefined ? { history: o.history } : {}),
            ...(o.metricsFile ? { metricsFile: metricsFileFor(o.metricsFile, c.name, several) } : {}),
            ...(left !== undefined ? { maxRuntimeSeconds: left } : {}),
            log: clog,
            ...(o.signal ? { signal: o.signal } : {}),
          } as Parameters<typeof runRecorded>[1]);
        try {
          clog.info(`checking cluster ${c.name} (${c.primary.label})`);
          const r = o.lock === false ? await run() : await withRunLock(c.primary.label, `syncpoint check --config ${o.configPath} (cluster ${c.name})`, run);
          return { name: c.name, ...r };
        } catch (err) {
          const locked = err instanceof RunLockedError;
          clog.warn(`cluster ${c.name}: ${messageOf(err)}`);
          return { name: c.name, verdict: 'incomplete', ...(locked ? { locked: true as const } : {}), primary: c.primary.label, replicas: [], tables: [], notes: [], error: messageOf(err) };
        }
      }),
    ),
  );
  // ...but a filter that selects no table on any cluster checked nothing at all.
  if (hasIncludes(o.base?.filter) && results.every((r) => !r.error && r.tables.length === 0)) {
    throw configError('the table filter selects no table on any cluster of the fleet: nothing was checked');
  }
  return {
    schemaVersion: 1,
    command: 'check',
    verdict: worstVerdict(results.map((r) => r.verdict as FleetVerdict)),
    config: o.configPath,
    clusters: results,
    durationMs: Date.now() - started,
  };
}

function hasIncludes(f: { readonly databases?: readonly string[]; readonly tables?: readonly string[] } | undefined): boolean {
  return (f?.databases?.length ?? 0) + (f?.tables?.length ?? 0) > 0;
}

/**
 * A cluster's filter with the command line's over it: the typed --databases/--tables win over the
 * file's (they narrow this run), and the ignore lists of both apply (an --ignore-tables typed for
 * one run must not be dropped because the file ignores other tables).
 */
export function mergeFilters(typed: TableFilter | undefined, file: TableFilter): TableFilter {
  const t = typed ?? {};
  const both = (a?: readonly string[], b?: readonly string[]) => (a?.length || b?.length ? [...new Set([...(b ?? []), ...(a ?? [])])] : undefined);
  const out: { -readonly [K in keyof TableFilter]: TableFilter[K] } = { ...file };
  if (t.databases?.length) out.databases = t.databases;
  if (t.tables?.length) out.tables = t.tables;
  const ignoreDatabases = both(t.ignoreDatabases, file.ignoreDatabases);
  const ignoreTables = both(t.ignoreTables, file.ignoreTables);
  if (ignoreDatabases) out.ignoreDatabases = ignoreDatabases;
  if (ignoreTables) out.ignoreTables = ignoreTables;
  return out;
}

/**
 * Flags of check/counts for scheduled runs: history (local or --history DSN), --resume,
 * --max-runtime, --metrics-file, --cluster; and turning them into options of a recorded run.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { CheckApiOptions } from '../api/check.js';
import type { RecordedCheckOptions, RecordedResult } from '../history/run-recorded.js';

export interface HistoryFlags {
  history?: string | false;
  cluster?: string;
  resume?: string | true;
  maxRuntime?: number;
  metricsFile?: string;
}

export function addHistoryFlags(cmd: Command): Command {
  return cmd
    .option('--history <dsn>', 'record the run in table syncpoint_history of this database (mysql://user@host/DB, postgres://user@host/DB?schema=S; created if missing) instead of the local state dir ($SYNCPOINT_STATE_DIR, ~/.local/state/syncpoint)')
    .option('--no-history', 'record nothing (the run cannot be resumed)')
    .option('--cluster <name>', 'name of the cluster in the history and metrics (default: the primary host:port)')
    .option('--resume [run]', 'continue an interrupted run from its last finished chunks (default: the cluster\'s newest run, if it was interrupted); options default to the original run\'s')
    .option('--max-runtime <seconds>', 'stop cleanly after this long: verdict incomplete, resumable with --resume', (v) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('--max-runtime must be a positive number of seconds');
      return n;
    })
    .option('--metrics-file <path>', 'write Prometheus text metrics of the run here (atomically), e.g. for the node_exporter textfile collector');
}

/** API option -> the commander attributes that set it. */
const FLAGS_OF: Record<string, readonly string[]> = {
  primary: ['primary'],
  replicas: ['replica'],
  filter: ['databases', 'tables', 'ignoreDatabases', 'ignoreTables'],
  chunkTime: ['chunkTime'],
  hash: ['hash'],
  noKeyMaxRows: ['nokeyMaxRows'],
  concurrency: ['concurrency'],
  retries: ['retries'],
  maxLagSeconds: ['maxLag'],
  lagWaitMs: ['lagWait'],
  syncMethod: ['syncMethod'],
  maxSnapshotAgeMs: ['maxSnapshotAge'],
  lockWaitMs: ['lockWaitTimeout'],
  maxLockMs: ['maxLockTime'],
  syncTimeoutMs: ['syncTimeout'],
  connectTimeoutMs: ['connectTimeout'],
};

/**
 * The options of a recorded run. When resuming, only what the user typed is passed on: the
 * original run's options fill in the rest (defaults must not override them).
 */
export function recordedOptions(f: HistoryFlags, cmd: Command, o: Partial<CheckApiOptions>): RecordedCheckOptions {
  let base: Partial<CheckApiOptions> = o;
  if (f.resume !== undefined) {
    const typed = (attr: string) => ['cli', 'env'].includes(cmd.getOptionValueSource(attr) ?? '');
    base = Object.fromEntries(Object.entries(o).filter(([k]) => !FLAGS_OF[k] || FLAGS_OF[k]!.some(typed)));
  }
  return {
    ...base,
    ...(f.history !== undefined ? { history: f.history } : {}),
    ...(f.cluster !== undefined ? { cluster: f.cluster } : {}),
    ...(f.resume !== undefined ? { resume: f.resume } : {}),
    ...(f.maxRuntime !== undefined ? { maxRuntimeSeconds: f.maxRuntime } : {}),
    ...(f.metricsFile !== undefined ? { metricsFile: f.metricsFile } : {}),
  };
}

/** The lines under a check table that say which run this was. */
export function renderRunInfo(r: RecordedResult): string {
  const run = r.run;
  if (!run.id) return '';
  const resumed = run.resumedFrom ? `, resumed ${run.resumedFrom}: ${run.carriedChunks} chunk(s) carried over, ${run.checkedChunks} checked now` : '';
  return `run: ${run.id} (cluster ${run.cluster}${resumed}); see syncpoint history ${run.id}\n`;
}

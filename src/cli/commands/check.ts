/** `syncpoint check` and `syncpoint counts`: flags -> options -> api -> render -> exit code. */
import { InvalidArgumentError, type Command } from 'commander';
import { openHistoryStore } from '../../history/open-store.js';
import { findResumable, runRecorded } from '../../history/run-recorded.js';
import { addHistoryFlags, recordedOptions, renderRunInfo, type HistoryFlags } from '../history-flags.js';
import { checkDefaults } from '../../pipeline/run-check.js';
import { renderCheck } from '../render/check-table.js';
import { addConnectionFlags, addFilterFlags, addOutputFlags, connectionSpecs, nonNegativeInt, positiveNumber, tableFilter, type ConnectionFlags, type FilterFlags } from '../options.js';
import { runCommand, type CommandOutput, type OutputFlags } from '../run-command.js';
import { progressReporter } from '../render/progress.js';
import { addHashFlag, addSyncPointFlags, syncPointOptions, type ChunkFlags, type SyncPointFlags } from '../sync-flags.js';
import { usageError } from '../../errors.js';
import { parseAddressEntries } from '../../pipeline/topology/address-map.js';
import { withRunLock } from '../../ops/run-lock.js';

interface CheckFlags extends ConnectionFlags, FilterFlags, ChunkFlags, OutputFlags, HistoryFlags, SyncPointFlags {
  retries: number;
  progress: boolean;
  config?: string;
  clustersConcurrency: number;
  address: string[];
  lock: boolean;
}

function addCheckFlags(cmd: Command, withChunks: boolean): Command {
  addConnectionFlags(cmd);
  addFilterFlags(cmd);
  if (withChunks) {
    cmd
      .option('--chunk-time <seconds>', 'target time per chunk', positiveNumber('--chunk-time'), checkDefaults.chunkTime)
      .option('--nokey-max-rows <n>', 'check a table without a usable key as one chunk up to this many estimated rows', nonNegativeInt('--nokey-max-rows'), checkDefaults.noKeyMaxRows);
    addHashFlag(cmd);
  }
  addSyncPointFlags(cmd)
    .option('--retries <n>', 're-check a differing chunk this many times at fresh sync points before reporting it', nonNegativeInt('--retries'), checkDefaults.retries)
    .option('--no-progress', 'no progress line on a terminal');
  addHistoryFlags(cmd);
  cmd
    .option('--config <file>', 'check every cluster of a fleet config (YAML or JSON); --cluster NAME[,NAME] picks some')
    .option('--clusters-concurrency <n>', 'with --config: clusters checked at the same time', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 32) throw new InvalidArgumentError('--clusters-concurrency must be 1..32');
      return n;
    }, 2)
    .option('--address <name=host:port>', 'discovery: where to reach a server the primary reports without a usable address (repeatable)', (v: string, prev: string[] = []) => [...prev, v], [])
    .option('--no-lock', 'do not take the per-cluster run lock (another run on the same primary may overlap)')
    .option('--quiet', 'print the report only on drift or error (for cron); the exit code is unchanged');
  addOutputFlags(cmd);
  return cmd;
}

export function registerCheck(program: Command): void {
  for (const mode of ['check', 'counts'] as const) {
    const cmd = program
      .command(mode)
      .description(mode === 'check'
        ? 'row counts and chunked checksums on the primary and replicas at synchronized replication positions; differences re-checked before they are reported'
        : 'exact row counts per table on the primary and replicas at a synchronized position (fast triage)');
    addCheckFlags(cmd, mode === 'check').action(async (f: CheckFlags) => {
      await runCommand<unknown>(f, async ({ log, signal, flags }): Promise<CommandOutput<unknown>> => {
        if (f.config) {
          if (mode !== 'check') throw usageError('--config is for check');
          // Loaded on demand: the fleet config reader (and its YAML parser) only matters with --config.
          const { runFleetCheck } = await import('./check-fleet.js');
          return runFleetCheck({ ...f, config: f.config }, cmd, {
            filter: tableFilter(f),
            chunkTime: f.chunkTime, hash: f.hash, noKeyMaxRows: f.nokeyMaxRows, concurrency: f.concurrency, retries: f.retries,
            maxLagSeconds: f.maxLag, lagWaitMs: f.lagWait * 1000, ...(f.syncMethod ? { syncMethod: f.syncMethod } : {}),
            maxSnapshotAgeMs: f.maxSnapshotAge * 1000, lockWaitMs: f.lockWaitTimeout * 1000, maxLockMs: f.maxLockTime * 1000,
            syncTimeoutMs: f.syncTimeout * 1000, connectTimeoutMs: f.connectTimeout * 1000,
          }, { log, signal, flags }) as Promise<CommandOutput<unknown>>;
        }
        // --resume takes the connections of the run it continues unless given again
        const { primary, replicas } = f.resume !== undefined && !f.primary ? { primary: undefined, replicas: [] } : connectionSpecs(f, log);
        const progress = f.progress && f.format !== 'json' ? progressReporter(mode) : null;
        try {
          const addresses = parseAddressEntries(f.address);
          const run = () => runRecorded(mode, recordedOptions(f, cmd, {
            ...(addresses.size ? { addresses } : {}),
            ...(primary ? { primary } : {}),
            replicas,
            filter: tableFilter(f),
            ...(mode === 'check' ? { chunkTime: f.chunkTime, hash: f.hash, noKeyMaxRows: f.nokeyMaxRows } : {}),
            ...syncPointOptions(f),
            retries: f.retries,
            connectTimeoutMs: f.connectTimeout * 1000,
            log,
            signal,
            ...(progress ? { onProgress: progress.update } : {}),
          }));
          // One run per primary at a time (cron overlap), a resumed one too: without --primary, the
          // primary is the one the run it continues checked (the same lock as the cron job's).
          const lockKey = primary?.label ?? (f.resume !== undefined ? await resumedPrimary(f) : null) ?? f.cluster ?? null;
          const result = f.lock && lockKey ? await withRunLock(lockKey, `syncpoint ${mode} --primary ${lockKey}`, run) : await run();
          return { result, verdict: result.verdict, render: (r: unknown) => renderCheck(r as typeof result) + renderRunInfo(r as typeof result) };
        } finally {
          progress?.done();
        }
      });
    });
  }
}

/** The primary (host:port) of the run --resume continues; null when it cannot be told here (runRecorded then says why). */
async function resumedPrimary(f: HistoryFlags): Promise<string | null> {
  if (f.history === false) return null;
  const store = await openHistoryStore(typeof f.history === 'string' ? f.history : undefined).catch(() => null);
  if (!store) return null;
  try {
    return (await findResumable(store, f.resume ?? true, f.cluster ?? null)).start.primary;
  } catch {
    return null;
  } finally {
    await store.close().catch(() => undefined);
  }
}

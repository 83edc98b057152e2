/** `syncpoint check --config FILE [--cluster NAME]`: every cluster of a fleet config, one combined verdict. */
import type { Command } from 'commander';
import { checkFleet, type FleetResult } from '../../api/fleet.js';
import type { CheckApiOptions } from '../../api/check.js';
import { loadFleetConfig, selectClusters } from '../../config/config-file.js';
import { usageError } from '../../errors.js';
import { renderFleet } from '../render/fleet-table.js';
import type { CommandContext, CommandOutput } from '../run-command.js';

export interface FleetFlags {
  config: string;
  cluster?: string;
  clustersConcurrency: number;
  primary?: string;
  replica: string[];
  address: string[];
  resume?: string | true;
  history?: string | false;
  metricsFile?: string;
  maxRuntime?: number;
  lock: boolean;
}

/** Check options the user typed on the command line (defaults must not override the file). */
function typedOptions(cmd: Command, all: Partial<CheckApiOptions>): Partial<CheckApiOptions> {
  const typed = (attr: string) => ['cli', 'env'].includes(cmd.getOptionValueSource(attr) ?? '');
  const flagsOf: Record<string, string[]> = {
    chunkTime: ['chunkTime'], hash: ['hash'], noKeyMaxRows: ['nokeyMaxRows'], concurrency: ['concurrency'], retries: ['retries'],
    maxLagSeconds: ['maxLag'], lagWaitMs: ['lagWait'], syncMethod: ['syncMethod'], maxSnapshotAgeMs: ['maxSnapshotAge'],
    lockWaitMs: ['lockWaitTimeout'], maxLockMs: ['maxLockTime'], syncTimeoutMs: ['syncTimeout'], connectTimeoutMs: ['connectTimeout'],
    filter: ['databases', 'tables', 'ignoreDatabases', 'ignoreTables'],
  };
  return Object.fromEntries(Object.entries(all).filter(([k]) => !flagsOf[k] || flagsOf[k]!.some(typed)));
}

export async function runFleetCheck(f: FleetFlags, cmd: Command, all: Partial<CheckApiOptions>, ctx: CommandContext): Promise<CommandOutput<FleetResult>> {
  if (f.primary || f.replica.length > 0) throw usageError('--config names the servers: drop --primary/--replica, or drop --config');
  if (f.address.length > 0) throw usageError('--config: give addresses per cluster in the file (addresses: {NAME: HOST:PORT}), not with --address');
  if (f.resume !== undefined) throw usageError('--resume continues one run: use it with --primary (or alone), not with --config');
  const config = loadFleetConfig(f.config);
  for (const w of config.warnings) ctx.log.warn(w);
  const names = f.cluster ? f.cluster.split(',').map((s) => s.trim()).filter(Boolean) : [];
  const clusters = selectClusters(config, names);
  const result = await checkFleet({
    configPath: f.config,
    clusters,
    concurrency: f.clustersConcurrency,
    base: typedOptions(cmd, all),
    ...(f.history !== undefined ? { history: f.history } : {}),
    ...(f.metricsFile ? { metricsFile: f.metricsFile } : {}),
    ...(f.maxRuntime !== undefined ? { maxRuntimeSeconds: f.maxRuntime } : {}),
    lock: f.lock,
    log: ctx.log,
    signal: ctx.signal,
  });
  return { result, verdict: result.verdict, render: renderFleet };
}

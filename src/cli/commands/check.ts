/** `syncpoint check` and `syncpoint counts`: flags -> options -> api -> render -> exit code. */
import { InvalidArgumentError, type Command } from 'commander';
import { check, counts } from '../../api/check.js';
import { checkDefaults } from '../../pipeline/run-check.js';
import { renderCheck } from '../render/check-table.js';
import { addConnectionFlags, addFilterFlags, addOutputFlags, connectionSpecs, nonNegativeInt, positiveNumber, tableFilter, type ConnectionFlags } from '../options.js';
import { runCommand, type OutputFlags } from '../run-command.js';
import { progressReporter } from '../render/progress.js';

interface CheckFlags extends ConnectionFlags, OutputFlags {
  databases?: string[];
  tables?: string[];
  ignoreDatabases?: string[];
  ignoreTables?: string[];
  chunkTime: number;
  concurrency: number;
  retries: number;
  maxLag: number;
  lagWait: number;
  syncMethod?: 'replica-until' | 'primary-lock';
  maxSnapshotAge: number;
  lockWaitTimeout: number;
  maxLockTime: number;
  syncTimeout: number;
  nokeyMaxRows: number;
  progress: boolean;
}

function addCheckFlags(cmd: Command, withChunks: boolean): Command {
  addConnectionFlags(cmd);
  addFilterFlags(cmd);
  if (withChunks) {
    cmd
      .option('--chunk-time <seconds>', 'target time per chunk', positiveNumber('--chunk-time'), checkDefaults.chunkTime)
      .option('--nokey-max-rows <n>', 'check a table without a usable key as one chunk up to this many estimated rows', nonNegativeInt('--nokey-max-rows'), checkDefaults.noKeyMaxRows);
  }
  cmd
    .option('--concurrency <n>', 'parallel lanes (one session per server each)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('--concurrency must be 1..64');
      return n;
    }, checkDefaults.concurrency)
    .option('--retries <n>', 're-check a differing chunk this many times at fresh sync points before reporting it', nonNegativeInt('--retries'), checkDefaults.retries)
    .option('--max-lag <seconds>', 'pause while a replica lags more than this', nonNegativeInt('--max-lag'), checkDefaults.maxLagSeconds)
    .option('--lag-wait <seconds>', 'give up on a replica that lags over --max-lag this long', positiveNumber('--lag-wait'), checkDefaults.lagWaitMs / 1000)
    .option('--sync-method <method>', 'replica-until (MariaDB: no primary locks) or primary-lock (brief SHARE table locks on the primary)', (v) => {
      if (v !== 'replica-until' && v !== 'primary-lock') throw new InvalidArgumentError('--sync-method must be replica-until or primary-lock');
      return v;
    })
    .option('--max-snapshot-age <seconds>', 'renew sync points this often (snapshots hold read views and block DDL on the primary)', positiveNumber('--max-snapshot-age'), checkDefaults.maxSnapshotAgeMs / 1000)
    .option('--lock-wait-timeout <seconds>', "the tool's own lock waits give up after this (then retry)", positiveNumber('--lock-wait-timeout'), checkDefaults.lockWaitMs / 1000)
    .option('--max-lock-time <seconds>', 'primary-lock: never hold table locks on the primary longer than this', positiveNumber('--max-lock-time'), checkDefaults.maxLockMs / 1000)
    .option('--sync-timeout <seconds>', 'replica-until: how long a replica may take to reach a sync position', positiveNumber('--sync-timeout'), checkDefaults.syncTimeoutMs / 1000)
    .option('--no-progress', 'no progress line on a terminal');
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
      await runCommand(f, async ({ log, signal }) => {
        const { primary, replicas } = connectionSpecs(f, log);
        const progress = f.progress && f.format !== 'json' ? progressReporter(mode) : null;
        try {
          const result = await (mode === 'check' ? check : counts)({
            primary,
            replicas,
            filter: tableFilter(f),
            ...(mode === 'check' ? { chunkTime: f.chunkTime, noKeyMaxRows: f.nokeyMaxRows } : {}),
            concurrency: f.concurrency,
            retries: f.retries,
            maxLagSeconds: f.maxLag,
            lagWaitMs: f.lagWait * 1000,
            ...(f.syncMethod ? { syncMethod: f.syncMethod } : {}),
            maxSnapshotAgeMs: f.maxSnapshotAge * 1000,
            lockWaitMs: f.lockWaitTimeout * 1000,
            maxLockMs: f.maxLockTime * 1000,
            syncTimeoutMs: f.syncTimeout * 1000,
            connectTimeoutMs: f.connectTimeout * 1000,
            log,
            signal,
            ...(progress ? { onProgress: progress.update } : {}),
          });
          return { result, verdict: result.verdict, render: renderCheck };
        } finally {
          progress?.done();
        }
      });
    });
  }
}

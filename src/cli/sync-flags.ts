/** The sync-point flags shared by check, counts, diff and repair (one definition, one set of defaults). */
import { InvalidArgumentError, type Command } from 'commander';
import { checkDefaults } from '../pipeline/run-check.js';
import { ROW_HASHES, type RowHash } from '../engine/types.js';
import { nonNegativeInt, positiveNumber } from './options.js';

export interface SyncPointFlags {
  concurrency: number;
  maxLag: number;
  lagWait: number;
  syncMethod?: 'replica-until' | 'primary-lock';
  maxSnapshotAge: number;
  lockWaitTimeout: number;
  maxLockTime: number;
  syncTimeout: number;
}

export function addSyncPointFlags(cmd: Command): Command {
  return cmd
    .option('--concurrency <n>', 'parallel lanes (one session per server each)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('--concurrency must be 1..64');
      return n;
    }, checkDefaults.concurrency)
    .option('--max-lag <seconds>', 'pause while a replica lags more than this', nonNegativeInt('--max-lag'), checkDefaults.maxLagSeconds)
    .option('--lag-wait <seconds>', 'give up on a replica that lags over --max-lag this long', positiveNumber('--lag-wait'), checkDefaults.lagWaitMs / 1000)
    .option('--sync-method <method>', 'replica-until (MariaDB: no primary locks) or primary-lock (brief SHARE table locks on the primary)', (v) => {
      if (v !== 'replica-until' && v !== 'primary-lock') throw new InvalidArgumentError('--sync-method must be replica-until or primary-lock');
      return v;
    })
    .option('--max-snapshot-age <seconds>', 'renew sync points this often (snapshots hold read views and block DDL on the primary)', positiveNumber('--max-snapshot-age'), checkDefaults.maxSnapshotAgeMs / 1000)
    .option('--lock-wait-timeout <seconds>', "the tool's own lock waits give up after this (then retry)", positiveNumber('--lock-wait-timeout'), checkDefaults.lockWaitMs / 1000)
    .option('--max-lock-time <seconds>', 'primary-lock: never hold table locks on the primary longer than this', positiveNumber('--max-lock-time'), checkDefaults.maxLockMs / 1000)
    .option('--sync-timeout <seconds>', 'replica-until: how long a replica may take to reach a sync position', positiveNumber('--sync-timeout'), checkDefaults.syncTimeoutMs / 1000);
}

/** How check, diff and repair cut tables into chunks and hash them. */
export interface ChunkFlags {
  chunkTime: number;
  hash: RowHash;
  nokeyMaxRows: number;
}

/** --hash, for the commands that compare chunk checksums (check, diff, repair). */
export function addHashFlag(cmd: Command): Command {
  return cmd.option(
    '--hash <kind>',
    'row hash of chunk checksums: fast (CRC32 on MySQL/MariaDB, 64-bit hashtextextended pairs on PostgreSQL) or strong (SHA1/md5, 128 bits, about 2x the CPU)',
    (v: string): RowHash => {
      if (!(ROW_HASHES as readonly string[]).includes(v)) throw new InvalidArgumentError(`--hash must be ${ROW_HASHES.join(' or ')}`);
      return v as RowHash;
    },
    checkDefaults.hash,
  );
}

/** The sync-point flags as the options check, counts, diff and repair take (seconds -> ms). */
export function syncPointOptions(f: SyncPointFlags) {
  return {
    concurrency: f.concurrency,
    maxLagSeconds: f.maxLag,
    lagWaitMs: f.lagWait * 1000,
    ...(f.syncMethod ? { syncMethod: f.syncMethod } : {}),
    maxSnapshotAgeMs: f.maxSnapshotAge * 1000,
    lockWaitMs: f.lockWaitTimeout * 1000,
    maxLockMs: f.maxLockTime * 1000,
    syncTimeoutMs: f.syncTimeout * 1000,
  };
}

/** `syncpoint diff`: flags -> options -> api -> render -> exit code. */
import { InvalidArgumentError, type Command } from 'commander';
import { diff, type DiffApiOptions } from '../../api/diff.js';
import { readCheckResult } from '../../pipeline/diff/from-check.js';
import { diffDefaults } from '../../pipeline/diff/run-diff.js';
import { checkDefaults } from '../../pipeline/run-check.js';
import type { Logger } from '../../log.js';
import { renderDiff } from '../render/diff-table.js';
import { addConnectionFlags, addFilterFlags, addOutputFlags, connectionSpecs, nonNegativeInt, positiveNumber, tableFilter, type ConnectionFlags, type FilterFlags } from '../options.js';
import { withRunLock } from '../../ops/run-lock.js';
import { runCommand, type OutputFlags } from '../run-command.js';
import { addHashFlag, addSyncPointFlags, syncPointOptions, type ChunkFlags, type SyncPointFlags } from '../sync-flags.js';

export interface SyncFlags extends ConnectionFlags, FilterFlags, ChunkFlags, SyncPointFlags {
  /** --no-lock: false. */
  lock: boolean;
}

export interface DiffFlags extends SyncFlags, OutputFlags {
  fromCheck?: string;
  maxRows: number;
  showValues: boolean;
  bisectRows: number;
}

/** The connection, table and synchronization flags check has, for diff and repair. */
export function addSyncFlags(cmd: Command): Command {
  addConnectionFlags(cmd);
  addFilterFlags(cmd);
  cmd
    .option('--chunk-time <seconds>', 'target time per checksum chunk', positiveNumber('--chunk-time'), checkDefaults.chunkTime)
    .option('--nokey-max-rows <n>', 'compare a table without a usable key (whole rows as a multiset) up to this many rows', nonNegativeInt('--nokey-max-rows'), checkDefaults.noKeyMaxRows);
  addHashFlag(cmd);
  cmd.option('--no-lock', 'do not take the per-cluster run lock (a check, diff or repair on the same primary may overlap: their sync points stop and start the same replicas)');
  return addSyncPointFlags(cmd);
}

/**
 * `fn` under the run lock check takes (one run per primary at a time): two runs holding sync
 * points on the same replicas at once restart each other's held replicas. No primary named, or
 * --no-lock: no lock.
 */
export function underRunLock<T>(f: { lock: boolean }, primary: string | { label: string } | undefined, command: string, fn: () => Promise<T>): Promise<T> {
  const label = typeof primary === 'object' ? primary.label : null;
  return f.lock && label ? withRunLock(label, `syncpoint ${command} --primary ${label}`, fn) : fn();
}

export function addDiffFlags(cmd: Command, maxRowsDefault: number): Command {
  return cmd
    .option('--from-check <file>', 'start from a previous `check --format json` result: only its drifting tables and chunks are narrowed down')
    .option('--max-rows <n>', 'list at most this many differing rows (the totals still count every one)', nonNegativeInt('--max-rows'), maxRowsDefault)
    .option('--bisect-rows <n>', 'bisect a differing chunk until a range holds at most this many rows, then compare rows', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new InvalidArgumentError('--bisect-rows must be 1..100000');
      return n;
    }, diffDefaults.leafRows);
}

/** Flags to the options diff (and repair, when it runs diff) takes. */
export function diffOptionsFrom(f: SyncFlags & { fromCheck?: string; maxRows: number; bisectRows: number; showValues?: boolean }, log: Logger, signal: AbortSignal): DiffApiOptions {
  const { primary, replicas } = connectionSpecs(f, log);
  return {
    primary,
    replicas,
    filter: tableFilter(f),
    chunkTime: f.chunkTime,
    hash: f.hash,
    noKeyMaxRows: f.nokeyMaxRows,
    ...syncPointOptions(f),
    connectTimeoutMs: f.connectTimeout * 1000,
    maxRows: f.maxRows,
    leafRows: f.bisectRows,
    showValues: f.showValues ?? false,
    ...(f.fromCheck ? { fromCheck: readCheckResult(f.fromCheck) } : {}),
    log,
    signal,
  };
}

export function registerDiff(program: Command): void {
  const cmd = program
    .command('diff')
    .description('narrow differing chunks down to rows at synchronized positions: missing and extra rows on each replica, and changed rows with the columns that differ');
  addSyncFlags(cmd);
  addDiffFlags(cmd, diffDefaults.maxRows).option('--show-values', 'show the differing values (truncated); off by default, as they may be private data', false);
  addOutputFlags(cmd);
  cmd.action(async (f: DiffFlags) => {
    await runCommand(f, async ({ log, signal }) => {
      const o = diffOptionsFrom(f, log, signal);
      const result = await underRunLock(f, o.primary, 'diff', () => diff(o));
      return { result, verdict: result.verdict, render: renderDiff };
    });
  });
}

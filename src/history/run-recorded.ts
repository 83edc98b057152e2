/**
 * A check/counts run with history, --resume, --max-runtime and --metrics-file around it:
 *   1. open the store; for --resume, find the interrupted run and take its options as defaults
 *   2. start record (DSNs without passwords), journal writer, checkpoint recorder
 *   3. the run itself, stopped cleanly at --max-runtime through the same path as Ctrl-C
 *   4. end record + summary; a note naming the exact --resume command when it stopped early
 *   5. the metrics file, written atomically
 */
import { existsSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { resolveCheckOptions, type CheckApiOptions } from '../api/check.js';
import type { ConnectionSpec } from '../config/dsn.js';
import { configError, messageOf, SyncpointError, usageError } from '../errors.js';
import { renderRunMetrics } from '../metrics/run-metrics.js';
import { writeFileAtomic } from '../metrics/write-atomic.js';
import type { CheckResult } from '../pipeline/report/check-result.js';
import { runCheck } from '../pipeline/run-check.js';
import { dsnWithoutPassword } from './dsn-text.js';
import { openHistoryStore } from './open-store.js';
import type { JournalRecord, RunOptions, StartRecord } from './records.js';
import { RunRecorder } from './recorder.js';
import { checkRunId, clusterName, newRunId } from './run-id.js';
import { isAlive, type HistoryStore } from './store.js';

export interface HistoryRunOptions {
  /** false: record nothing; a DSN: the --history table; a store; default: the local file store. */
  readonly history?: false | string | HistoryStore;
  /** Cluster name (a config file's, --cluster); default: the primary's host:port. */
  readonly cluster?: string;
  /** Continue this run id, or (true) the newest resumable run of the cluster. */
  readonly resume?: string | true;
  /** Stop cleanly after this many seconds: verdict incomplete, resumable. */
  readonly maxRuntimeSeconds?: number;
  readonly metricsFile?: string;
}

/** Options of a recorded run: when resuming, every one left undefined comes from the original run. */
export type RecordedCheckOptions = Partial<CheckApiOptions> & HistoryRunOptions;

export interface RunInfo {
  readonly id: string | null;
  readonly cluster: string;
  /** Where the history is, null with --no-history. */
  readonly store: string | null;
  readonly resumedFrom?: string;
  /** Chunks taken over from the interrupted run (not checked again). */
  readonly carriedChunks: number;
  /** Chunks this run checked. */
  readonly checkedChunks: number;
}

export type RecordedResult = CheckResult & { run: RunInfo };

export async function runRecorded(mode: 'check' | 'counts', o: RecordedCheckOptions): Promise<RecordedResult> {
  if (o.resume !== undefined && o.history === false) throw usageError('--resume needs the history (drop --no-history)');
  if (o.maxRuntimeSeconds !== undefined && !(o.maxRuntimeSeconds > 0)) throw usageError('--max-runtime must be a positive number of seconds');
  if (o.metricsFile) checkWritableDir(o.metricsFile);
  // 1. store, and the run to resume
  const ownStore = o.history === undefined || typeof o.history === 'string';
  const store = o.history === false ? null : typeof o.history === 'object' ? o.history : await openHistoryStore(o.history);
  try {
    const prev = o.resume !== undefined ? await findResumable(store!, o.resume, o.cluster ?? (o.primary ? labelOf(o.primary) : null)) : null;
    if (prev && prev.start.mode !== mode) throw usageError(`run ${prev.start.runId} was a ${prev.start.mode} run: resume it with syncpoint ${prev.start.mode} --resume`);
    const merged: RecordedCheckOptions = prev ? { ...optionsOf(prev.start.options), ...defined(o) } : o;
    if (!merged.primary) throw usageError('--primary is required');
    if (prev) {
      const was = prev.start.options.hash;
      if (was && merged.hash && merged.hash !== was) throw usageError(`run ${prev.start.runId} checksummed with --hash ${was}: resume it with the same hash (chunks of two hashes never compare)`);
      const primaryNow = labelOf(merged.primary);
      if (primaryNow && primaryNow !== prev.start.primary) throw usageError(`run ${prev.start.runId} checked primary ${prev.start.primary}, not ${primaryNow}`);
    }
    const opts = resolveCheckOptions(merged as CheckApiOptions);
    const cluster = clusterName(opts.primary, o.cluster ?? prev?.start.cluster);
    if (prev && prev.start.cluster !== cluster) throw usageError(`run ${prev.start.runId} belongs to cluster "${prev.start.cluster}", not "${cluster}"`);
    const maxRuntime = merged.maxRuntimeSeconds;
    if (store && [opts.primary, ...opts.replicas].some((x) => store.where.includes(`@${x.label}/`))) {
      opts.log.warn(`--history writes to ${store.where}, a server of the checked cluster: its rows replicate like any other (PostgreSQL: a FOR ALL TABLES publication would publish the history table too); prefer a separate database server`);
    }

    // 2. start record and recorder
    const runId = store ? newRunId() : null;
    const start: StartRecord | null = runId ? {
      type: 'start',
      runId,
      cluster,
      mode,
      startedAt: new Date().toISOString(),
      host: hostname(),
      pid: process.pid,
      primary: opts.primary.label,
      options: runOptions(opts, merged, maxRuntime),
      ...(prev ? { resumedFrom: prev.start.runId } : {}),
    } : null;
    const writer = start ? await store!.begin(start) : null;
    const recorder = writer ? new RunRecorder(writer, prev?.records ?? null) : null;
    const flushing = writer ? setInterval(() => writer.flush().catch((err) => opts.log.warn(`history: ${messageOf(err)}`)), 1_000) : null;
    flushing?.unref();

    // 3. the run; --max-runtime stops it like Ctrl-C, with its own reason
    const ctl = new AbortController();
    const stopAt = maxRuntime !== undefined ? `stopped at --max-runtime ${maxRuntime}s` : null;
    const onParent = () => ctl.abort(o.signal?.reason);
    if (o.signal?.aborted) ctl.abort(o.signal.reason);
    o.signal?.addEventListener('abort', onParent, { once: true });
    const timer = maxRuntime !== undefined ? setTimeout(() => {
      opts.log.warn(`${stopAt}: finishing chunks in flight, restoring replicas`);
      ctl.abort(new SyncpointError('interrupted', stopAt!));
    }, maxRuntime * 1000) : null;
    let result: CheckResult;
    const startedMs = Date.now();
    try {
      result = await runCheck(mode, { ...opts, signal: ctl.signal, ...(recorder ? { checkpoint: recorder } : {}) });
    } catch (err) {
      // A run that failed outright (primary unreachable, bad option) is still a run: history and
      // metrics say so, so that a cron job failing every hour shows up as failing, not as silence.
      const failed: CheckResult = {
        schemaVersion: 1, command: mode, verdict: 'incomplete', primary: opts.primary.label, replicas: [], tables: [],
        durationMs: Date.now() - startedMs, notes: [], sync: { method: '', epochs: 0, maxLockMs: 0, maxReplicaPauseMs: 0, lanes: opts.concurrency }, error: messageOf(err),
      };
      await writer?.finish({ type: 'end', endedAt: new Date().toISOString(), result: failed, lagSeconds: {} }).catch(() => undefined);
      if (o.metricsFile) {
        try {
          writeFileAtomic(o.metricsFile, renderRunMetrics([{ cluster, endedAt: new Date(), result: failed }]));
        } catch (e) {
          opts.log.warn(messageOf(e));
        }
      }
      throw err;
    } finally {
      if (timer) clearTimeout(timer);
      if (flushing) clearInterval(flushing);
      o.signal?.removeEventListener('abort', onParent);
    }

    // 4. end record, and how to go on
    const endedAt = new Date();
    const run: RunInfo = {
      id: runId,
      cluster,
      store: store?.where ?? null,
      ...(prev ? { resumedFrom: prev.start.runId } : {}),
      carriedChunks: recorder?.carriedChunks ?? 0,
      checkedChunks: recorder?.checkedChunks ?? 0,
    };
    const out: RecordedResult = Object.assign(result, { run });
    if (prev && run.carriedChunks > 0) {
      // Carried chunks were read when the first run of the chain started, not now: say when.
      const since = await chainStart(store!, prev.start);
      out.notes.push(`${run.carriedChunks} chunk(s) carried from run ${prev.start.runId}${since.runId !== prev.start.runId ? ` (resumed from ${since.runId})` : ''}: compared as the data stood then (from ${since.startedAt}), not again`);
    }
    if (result.error !== undefined) {
      out.notes.push(runId
        ? `resumable: syncpoint ${mode} --resume ${runId}${typeof o.history === 'string' ? ` --history '${store!.where}'` : ''} (finished chunks are not checked again)`
        : 'not resumable: history is off (--no-history)');
    }
    if (writer) {
      try {
        await writer.finish({ type: 'end', endedAt: endedAt.toISOString(), result: out, lagSeconds: result.replicaLagSeconds ?? {} });
      } catch (err) {
        opts.log.warn(`history: could not record the end of run ${runId}: ${messageOf(err)}`);
        out.notes.push(`history: the end of this run was not recorded (${messageOf(err)})`);
      }
    }

    // 5. metrics
    if (o.metricsFile) {
      try {
        writeFileAtomic(o.metricsFile, renderRunMetrics([{ cluster, endedAt, result: out }]));
      } catch (err) {
        opts.log.warn(messageOf(err));
        out.notes.push(`metrics: ${messageOf(err)}`);
      }
    }
    return out;
  } finally {
    if (ownStore) await store?.close();
  }
}

/** The first run of a --resume chain (its chunks are the oldest a resumed run carries). */
async function chainStart(store: HistoryStore, start: StartRecord): Promise<StartRecord> {
  let at = start;
  for (let i = 0; i < 100 && at.resumedFrom; i++) {
    const records: JournalRecord[] = await store.read(at.resumedFrom).catch(() => []);
    const before = records.find((r): r is StartRecord => r.type === 'start');
    if (!before) break;
    at = before;
  }
  return at;
}

export interface Resumable {
  readonly start: StartRecord;
  readonly records: JournalRecord[];
}

/** The run `--resume` continues: the one named, or the newest unfinished run of `cluster` not already resumed. */
export async function findResumable(store: HistoryStore, which: string | true, cluster: string | null): Promise<Resumable> {
  let id: string;
  if (which === true) {
    if (cluster === null) throw usageError('--resume without a run id needs --primary or --cluster to know which cluster');
    const runs = await store.list({ cluster });
    const resumedAlready = new Set(runs.map((r) => r.start.resumedFrom).filter((x): x is string => !!x));
    // Only the newest run (not one still running) may be resumed: once a later run has finished,
    // an older interrupted one's chunks describe data that has moved on since, and carrying them
    // would call "consistent" what was read then.
    const newest = runs.find((r) => r.state !== 'running');
    const resumable = (r: (typeof runs)[number]) => !resumedAlready.has(r.start.runId) && (r.state === 'interrupted' || r.summary?.stopped);
    if (!newest || !resumable(newest)) {
      const why = !newest ? 'no run' : resumedAlready.has(newest.start.runId) ? `its latest run ${newest.start.runId} was resumed already` : `its latest run ${newest.start.runId} finished`;
      throw usageError(`no interrupted run of cluster "${cluster}" to resume in ${store.where}: ${why} (see syncpoint history --cluster '${cluster}'; an older run is resumed only by its id)`);
    }
    id = newest.start.runId;
  } else {
    id = checkRunId(which);
  }
  const records = await store.read(id);
  const start = records.find((r): r is StartRecord => r.type === 'start');
  if (!start) throw usageError(`run ${id} has no start record in ${store.where}`);
  if (isAlive(start, hostname()) && start.pid !== process.pid) throw usageError(`run ${id} is still running (pid ${start.pid} on ${start.host})`);
  const end = records.find((r) => r.type === 'end');
  if (end && end.type === 'end' && end.result.error === undefined) {
    throw usageError(`run ${id} finished (verdict ${end.result.verdict}): nothing to resume; run check again for a new result`);
  }
  return { start, records };
}

function labelOf(p: string | ConnectionSpec): string | null {
  if (typeof p !== 'string') return p.label;
  try {
    return resolveCheckOptions({ primary: p }).primary.label;
  } catch {
    return null;
  }
}

/** Only the options the caller actually set, so the original run's fill the rest. */
function defined(o: RecordedCheckOptions): RecordedCheckOptions {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || k === 'resume' || k === 'history') continue;
    if (k === 'replicas' && Array.isArray(v) && v.length === 0) continue;
    if (k === 'filter' && v && typeof v === 'object' && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  if (o.signal) out['signal'] = o.signal;
  if (o.log) out['log'] = o.log;
  return out as RecordedCheckOptions;
}

function optionsOf(r: RunOptions): RecordedCheckOptions {
  return {
    primary: r.primaryDsn,
    replicas: r.replicaDsns,
    filter: r.filter,
    ...(r.chunkTime !== undefined ? { chunkTime: r.chunkTime } : {}),
    ...(r.hash ? { hash: r.hash } : {}),
    ...(r.noKeyMaxRows !== undefined ? { noKeyMaxRows: r.noKeyMaxRows } : {}),
    concurrency: r.concurrency,
    retries: r.retries,
    maxLagSeconds: r.maxLagSeconds,
    lagWaitMs: r.lagWaitMs,
    ...(r.syncMethod ? { syncMethod: r.syncMethod as 'replica-until' | 'primary-lock' } : {}),
    maxSnapshotAgeMs: r.maxSnapshotAgeMs,
    lockWaitMs: r.lockWaitMs,
    maxLockMs: r.maxLockMs,
    syncTimeoutMs: r.syncTimeoutMs,
    connectTimeoutMs: r.connectTimeoutMs,
    ...(r.maxRuntimeSeconds !== undefined ? { maxRuntimeSeconds: r.maxRuntimeSeconds } : {}),
  };
}

function runOptions(opts: ReturnType<typeof resolveCheckOptions>, given: RecordedCheckOptions, maxRuntime: number | undefined): RunOptions {
  return {
    primaryDsn: dsnWithoutPassword(opts.primary),
    replicaDsns: opts.replicas.map(dsnWithoutPassword),
    filter: opts.filter,
    ...(given.chunkTime !== undefined ? { chunkTime: opts.chunkTime } : {}),
    // Always: a resume must checksum the rest with the hash the first chunks had.
    hash: opts.hash,
    ...(given.noKeyMaxRows !== undefined ? { noKeyMaxRows: opts.noKeyMaxRows } : {}),
    concurrency: opts.concurrency,
    retries: opts.retries,
    maxLagSeconds: opts.maxLagSeconds,
    lagWaitMs: opts.lagWaitMs,
    ...(opts.syncMethod ? { syncMethod: opts.syncMethod } : {}),
    maxSnapshotAgeMs: opts.maxSnapshotAgeMs,
    lockWaitMs: opts.lockWaitMs,
    maxLockMs: opts.maxLockMs,
    syncTimeoutMs: opts.syncTimeoutMs,
    connectTimeoutMs: opts.connectTimeoutMs,
    ...(maxRuntime !== undefined ? { maxRuntimeSeconds: maxRuntime } : {}),
  };
}

function checkWritableDir(path: string): void {
  const dir = dirname(path);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw configError(`--metrics-file ${path}: directory ${dir} does not exist`);
  if (existsSync(path) && statSync(path).isDirectory()) throw configError(`--metrics-file ${path} is a directory`);
}

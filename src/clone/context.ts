/**
 * What one clone run knows and has done so far: the steps read and extend it, the failure path
 * and the manifest read it. The source's state is tracked here (never guessed), so the
 * `finally` knows exactly what to undo, and the guardian is told every change.
 */
import type { Logger } from 'pino';
import { SyncpointError } from '../errors.js';
import type { CloneAdapter } from './adapters/adapter.js';
import type { Guardian } from './guardian.js';
import type { CommandLog } from './shell.js';
import type { StepName } from './phases.js';
import type { CloneManifest, CloneOptions, CopyPass, PreconditionCheck, RecordedPosition, StepRecord } from './types.js';

/**
 * running: untouched. apply-paused: SQL thread stopped / replay paused. replication-stopped: both
 * threads stopped. stopping: shutdown requested. stopped: the server process is gone.
 */
export type SourceState = 'running' | 'apply-paused' | 'replication-stopped' | 'stopping' | 'stopped';

export interface CloneTimes {
  replicationPausedAt: number | null;
  replicationResumedAt: number | null;
  shutdownRequestedAt: number | null;
  sourceGoneAt: number | null;
  stoppedCopyMs: number;
  sourceStartRequestedAt: number | null;
  sourceBackAt: number | null;
  catchUpMs: number | null;
}

export class CloneContext {
  adapter: CloneAdapter | null = null;
  /** The step running (or that failed): the manifest names it. */
  currentStep: StepName | null = null;
  guardian: Guardian | null = null;
  sourceState: SourceState = 'running';
  /** Pid of the source's server process, read from its pid file before it is stopped. */
  sourcePid: number | null = null;
  sourceDatadir: string | null = null;
  datadirBytes: number | null = null;
  readonly checks: PreconditionCheck[] = [];
  readonly notes: string[] = [];
  readonly steps: StepRecord[] = [];
  recorded: RecordedPosition | null = null;
  readonly copyPasses: CopyPass[] = [];
  /** Two-phase: when the last pass made while the source ran started (files copied since then are suspect). */
  lastLivePassStartedAt: number | null = null;
  tempTableRetries = 0;
  /** --copy-cleanup has run. */
  snapshotReleased = false;
  readonly times: CloneTimes = {
    replicationPausedAt: null,
    replicationResumedAt: null,
    shutdownRequestedAt: null,
    sourceGoneAt: null,
    stoppedCopyMs: 0,
    sourceStartRequestedAt: null,
    sourceBackAt: null,
    catchUpMs: null,
  };
  /** Something in the target directory was written: from then on a failure must mark it incomplete. */
  targetTouched = false;
  targetStarted = false;
  /** Pid the target's start command got (the server itself when the command execs it). */
  targetSpawnPid: number | null = null;
  targetServerId: number | null = null;
  targetSlot: string | null = null;
  /** PostgreSQL: a slot this run created on the primary (dropped again if the clone fails). */
  createdSlot: string | null = null;
  sourceRestartedBy: CloneManifest['source']['restartedBy'] = null;
  sourceReplicating: boolean | null = null;
  verification: CloneManifest['verification'] = null;
  readonly startedAt = new Date();

  constructor(
    readonly opts: CloneOptions,
    readonly log: Logger,
    readonly commandLog: CommandLog,
  ) {}

  get signal(): AbortSignal | undefined {
    return this.opts.signal;
  }

  /** Throws when the user interrupted: steps call it between actions. */
  checkAborted(): void {
    if (this.opts.signal?.aborted) throw new SyncpointError('interrupted', 'interrupted (SIGINT/SIGTERM)');
  }

  requireAdapter(): CloneAdapter {
    if (!this.adapter) throw new Error('clone: engine adapter used before preconditions');
    return this.adapter;
  }

  setSourceState(s: SourceState): void {
    this.sourceState = s;
    if (s === 'apply-paused' || s === 'replication-stopped') this.times.replicationPausedAt ??= Date.now();
    // Restarted before anything else happened (temp-table retries): the pause starts again later.
    if (s === 'running' && this.times.shutdownRequestedAt === null && this.times.replicationResumedAt === null) this.times.replicationPausedAt = null;
    this.guardian?.setState({
      sourceDown: s === 'stopping' || s === 'stopped',
      replicationPaused: s !== 'running',
      sourcePid: this.sourcePid,
    });
  }

  note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
    this.log.info(text);
  }

  trackPid = (pid: number): void => {
    this.guardian?.trackPid(pid, true);
  };

  untrackPid = (pid: number): void => {
    this.guardian?.trackPid(pid, false);
  };

  /** Environment for the user's commands: what they may want to know, never a password. */
  commandEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const o = this.opts;
    return {
      ...process.env,
      SYNCPOINT_SOURCE_DATADIR: this.sourceDatadir ?? o.sourceDatadir ?? '',
      SYNCPOINT_TARGET_DATADIR: o.targetDatadir,
      SYNCPOINT_TARGET_PORT: String(o.target.port),
      ...(this.targetServerId !== null ? { SYNCPOINT_SERVER_ID: String(this.targetServerId) } : {}),
      ...extra,
    };
  }
}

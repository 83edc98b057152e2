/**
 * What a clone needs from an engine family, in the order the steps use it. The steps are
 * engine-agnostic; each adapter sequences its engine's clone SQL (src/engine/.../*-clone.ts) and
 * the file work only that engine knows (master.info, standby.signal, postgresql.auto.conf).
 */
import type { ConnectionSpec } from '../../config/dsn.js';
import { connectEngine } from '../../engine/detect.js';
import type { Engine } from '../../engine/engine.js';
import type { CloneContext } from '../context.js';
import type { CloneEngineName, RecordedPosition } from '../types.js';

/** A directory of the source outside its datadir that the copy must carry. */
export interface OutsideDir {
  readonly what: string;
  readonly path: string;
  /** False: copied only when mapped with --copy-dir, else only noted (e.g. relay logs, which are discarded anyway). */
  readonly required: boolean;
  /** Copy only files named like these (rsync patterns), e.g. SQL_LOAD-* in a shared tmpdir. */
  readonly only?: readonly string[];
}

export interface StepLines {
  readonly quiesce: readonly string[];
  readonly restart: readonly string[];
  readonly prepare: readonly string[];
  readonly start: readonly string[];
}

export interface CloneAdapter {
  readonly engine: CloneEngineName;
  readonly serverVersion: string;
  readonly sourceLabel: string;
  readonly primaryLabel: string | null;
  readonly sourceServerId: number | null;
  readonly replicationMode: 'gtid' | 'file-pos' | 'physical' | null;
  /** rsync excludes for this engine's data directory (runtime files). */
  readonly copyExcludes: readonly string[];
  /** Directories outside the data directory the copy must or may carry. */
  readonly outsideDirs: readonly OutsideDir[];
  /** Where the source's pid file is (read before it is stopped). */
  readonly sourcePidFile: string | null;

  /** Reads the source and its primary; pushes precondition checks; fills the facts above. */
  inspect(ctx: CloneContext): Promise<void>;
  /** Plan lines for the dry run and the log. */
  describe(ctx: CloneContext): StepLines;

  /** Stop applying (SQL thread / replay) at a point where a copy can restart: no temp tables open. */
  pauseApply(ctx: CloneContext): Promise<void>;
  /** Stop receiving too, and read what the source has executed. */
  stopReplicationAndRecord(ctx: CloneContext): Promise<RecordedPosition>;
  /** Clean shutdown, waiting for the process to be gone. */
  shutdownSource(ctx: CloneContext): Promise<void>;
  /** Work that needs the source stopped but not yet copied (PostgreSQL: the new standby's slot). */
  afterSourceStopped(ctx: CloneContext): Promise<void>;
  sourceAnswers(): Promise<boolean>;
  /** Replication running again on the source (after a restart or a pause), within a bound. */
  resumeSourceReplication(ctx: CloneContext): Promise<boolean>;
  /** Statements the guardian runs on a restarted source. */
  restoreSql(): readonly string[];

  /** File-level preparation of the copy before it starts; returns what was done. */
  prepareTarget(ctx: CloneContext): Promise<string[]>;
  targetAnswers(): Promise<boolean>;
  /** After the target answers: identity, the recorded position, replication started and running. */
  configureTarget(ctx: CloneContext): Promise<string[]>;
  /** Until the target has applied what the primary had when called; returns milliseconds. */
  waitCaughtUp(ctx: CloneContext): Promise<number>;
  /** The primary and target as `check` takes them. */
  primarySpec(): ConnectionSpec;
  /** Stops a target that failed half-way; false when no server of it was running. */
  stopTarget(ctx: CloneContext): Promise<boolean>;
  /** Undo what a failed clone left on other servers (PostgreSQL: the new slot). */
  cleanupFailedTarget(ctx: CloneContext): Promise<string[]>;
  close(): Promise<void>;
}

export const CLONE_CONNECT = { lockWaitMs: 5000, appName: 'syncpoint-clone' } as const;

export function connectFor(spec: ConnectionSpec, connectTimeoutMs: number): Promise<Engine> {
  return connectEngine(spec, { ...CLONE_CONNECT, connectTimeoutMs });
}

/** One session, used and closed. */
export async function withSession<T>(engine: Engine, fn: (s: Awaited<ReturnType<Engine['session']>>) => Promise<T>): Promise<T> {
  const s = await engine.session();
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

/** major.minor of a MySQL-family version or the major of a PostgreSQL one, for compatibility checks. */
export function versionKey(version: string): string {
  const m = /(\d+)\.(\d+)/.exec(version.replace(/^5\.5\.5-/, ''));
  return m ? `${m[1]}.${m[2]}` : version;
}

export function compareVersionKeys(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

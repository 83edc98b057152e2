/**
 * clone as a library call: typed options in, a CloneResult (with its manifest) out; never
 * prints, never exits. Bad options and failed preconditions throw a SyncpointError (nothing was
 * changed); a failure once the clone has started is a result with verdict 'incomplete' (or
 * 'drift' when verification found drift), the source restored and the target marked incomplete.
 */
import { isAbsolute, resolve } from 'node:path';
import type { Logger } from 'pino';
import { parseDsn, type ConnectionSpec } from '../config/dsn.js';
import { usageError } from '../errors.js';
import { silentLogger } from '../log.js';
import { runClone } from '../clone/run-clone.js';
import { COPY_METHODS, type CloneOptions, type CloneResult, type CopyDir, type CopyMethod, type StepEvent } from '../clone/types.js';
import type { TableFilter } from '../pipeline/plan/table-filter.js';

export type { CloneResult, CloneManifest, CloneVerdict, CopyMethod, StepEvent, PreconditionCheck, PlanStep, RecordedPosition } from '../clone/types.js';
export { STEP as CLONE_STEPS } from '../clone/phases.js';

export interface CloneApiOptions {
  readonly source: string | ConnectionSpec;
  readonly sourceDatadir?: string;
  readonly sourceStart?: string;
  readonly sourceStop?: string;
  /** Without user/password the source's are used: the copy holds the same accounts. */
  readonly target: string | ConnectionSpec;
  readonly targetDatadir: string;
  readonly targetStart?: string;
  readonly targetStop?: string;
  readonly targetServerId?: number;
  readonly targetSlot?: string;
  readonly targetAppName?: string;
  /** PostgreSQL settings for the copy's postgresql.auto.conf: { name: value } or "name=value" strings. */
  readonly targetSettings?: Readonly<Record<string, string>> | readonly string[];
  readonly primary?: string | ConnectionSpec;
  readonly replUser?: string;
  /** Default: $SYNCPOINT_REPL_PASSWORD when replUser is given. */
  readonly replPassword?: string;
  readonly copyMethod?: CopyMethod;
  readonly copyCommand?: string;
  readonly copyFrom?: string;
  readonly copyCleanup?: string;
  /** { from, to } or "SRC=DST" strings. */
  readonly copyDirs?: readonly (CopyDir | string)[];
  readonly bwlimitKBps?: number;
  readonly force?: boolean;
  readonly manifestFile?: string;
  /** Default true. */
  readonly verify?: boolean;
  readonly dryRun?: boolean;
  readonly logFile?: string;
  readonly tempTableTimeoutMs?: number;
  readonly startTimeoutMs?: number;
  readonly stopTimeoutMs?: number;
  readonly catchUpTimeoutMs?: number;
  readonly commandTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** Default true: a detached watcher restarts the source if this process dies while it is stopped. */
  readonly guardian?: boolean;
  readonly verifyFilter?: TableFilter;
  readonly log?: Logger;
  readonly signal?: AbortSignal;
  readonly onStep?: (e: StepEvent) => void | Promise<void>;
}

export const cloneDefaults = {
  copyMethod: 'cold' as CopyMethod,
  tempTableTimeoutMs: 300_000,
  startTimeoutMs: 600_000,
  stopTimeoutMs: 600_000,
  catchUpTimeoutMs: 3_600_000,
  // A copy of a large data directory may take hours; the bound is for commands that hang.
  commandTimeoutMs: 24 * 3_600_000,
  connectTimeoutMs: 10_000,
} as const;

const spec = (x: string | ConnectionSpec) => (typeof x === 'string' ? parseDsn(x) : x);

function withCredentials(s: ConnectionSpec, user: string, password: string | undefined, source: ConnectionSpec['passwordSource']): ConnectionSpec {
  const next = { ...s, user, passwordSource: source } as ConnectionSpec;
  Object.defineProperty(next, 'password', { value: password, enumerable: false, writable: false });
  return Object.freeze(next);
}

/** The target DSN borrows the source's user and password when it names none. */
export function targetSpec(target: string | ConnectionSpec, source: ConnectionSpec): ConnectionSpec {
  if (typeof target !== 'string') return target;
  const parsed = parseDsn(target);
  let hasUser = true;
  try {
    hasUser = new URL(target).username !== '';
  } catch {
    /* parseDsn already accepted it */
  }
  const user = hasUser ? parsed.user : source.user;
  if (parsed.passwordSource !== 'none') return hasUser ? parsed : withCredentials(parsed, user, parsed.password, parsed.passwordSource);
  return withCredentials(parsed, user, source.password, source.passwordSource);
}

function parseCopyDir(d: CopyDir | string): CopyDir {
  let from: string;
  let to: string;
  if (typeof d === 'string') {
    const i = d.indexOf('=');
    if (i <= 0 || i === d.length - 1) throw usageError(`--copy-dir ${JSON.stringify(d)}: expected SRC=DST`);
    from = d.slice(0, i);
    to = d.slice(i + 1);
  } else ({ from, to } = d);
  if (!isAbsolute(from) || !isAbsolute(to)) throw usageError(`--copy-dir ${from}=${to}: both paths must be absolute`);
  if (resolve(from) === resolve(to)) throw usageError(`--copy-dir ${from}=${to}: source and destination are the same`);
  return { from: resolve(from), to: resolve(to) };
}

function parseSettings(s: CloneApiOptions['targetSettings']): [string, string][] {
  if (!s) return [];
  const pairs: [string, string][] = Array.isArray(s)
    ? (s as readonly string[]).map((x) => {
        const i = x.indexOf('=');
        if (i <= 0) throw usageError(`--target-setting ${JSON.stringify(x)}: expected NAME=VALUE`);
        return [x.slice(0, i).trim(), x.slice(i + 1)];
      })
    : Object.entries(s as Record<string, string>);
  for (const [k] of pairs) if (!/^[a-z_][a-z0-9_.]*$/i.test(k)) throw usageError(`--target-setting: invalid setting name ${JSON.stringify(k)}`);
  return pairs;
}

function positiveMs(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v <= 0) throw usageError(`${name} must be a positive duration`);
  return v;
}

export function resolveCloneOptions(o: CloneApiOptions): CloneOptions {
  const source = spec(o.source);
  const copyMethod = o.copyMethod ?? cloneDefaults.copyMethod;
  if (!COPY_METHODS.includes(copyMethod)) throw usageError(`--copy-method must be ${COPY_METHODS.join(', ')}`);
  if (!o.targetDatadir) throw usageError('--target-datadir is required');
  if (o.targetServerId !== undefined && (!Number.isInteger(o.targetServerId) || o.targetServerId < 1 || o.targetServerId > 4294967295)) {
    throw usageError('--target-server-id must be a whole number from 1 to 4294967295');
  }
  if (o.bwlimitKBps !== undefined && !(Number.isInteger(o.bwlimitKBps) && o.bwlimitKBps > 0)) throw usageError('--bwlimit must be a positive whole number (KiB/s)');
  const replPassword = o.replPassword ?? (o.replUser ? process.env['SYNCPOINT_REPL_PASSWORD'] : undefined) ?? null;
  const opts: CloneOptions = {
    source,
    sourceDatadir: o.sourceDatadir ? resolve(o.sourceDatadir) : null,
    sourceStart: o.sourceStart ?? null,
    sourceStop: o.sourceStop ?? null,
    target: targetSpec(o.target, source),
    targetDatadir: resolve(o.targetDatadir),
    targetStart: o.targetStart ?? null,
    targetStop: o.targetStop ?? null,
    targetServerId: o.targetServerId ?? null,
    targetSlot: o.targetSlot ?? null,
    targetAppName: o.targetAppName ?? null,
    targetSettings: parseSettings(o.targetSettings),
    primary: o.primary ? spec(o.primary) : null,
    replUser: o.replUser ?? null,
    replPassword: null,
    copyMethod,
    copyCommand: o.copyCommand ?? null,
    copyFrom: o.copyFrom ? resolve(o.copyFrom) : null,
    copyCleanup: o.copyCleanup ?? null,
    copyDirs: (o.copyDirs ?? []).map(parseCopyDir),
    bwlimitKBps: o.bwlimitKBps ?? null,
    force: o.force ?? false,
    manifestFile: o.manifestFile ? resolve(o.manifestFile) : null,
    verify: o.verify ?? true,
    dryRun: o.dryRun ?? false,
    logFile: o.logFile ? resolve(o.logFile) : null,
    tempTableTimeoutMs: positiveMs('--temp-table-timeout', o.tempTableTimeoutMs, cloneDefaults.tempTableTimeoutMs),
    startTimeoutMs: positiveMs('--start-timeout', o.startTimeoutMs, cloneDefaults.startTimeoutMs),
    stopTimeoutMs: positiveMs('--stop-timeout', o.stopTimeoutMs, cloneDefaults.stopTimeoutMs),
    catchUpTimeoutMs: positiveMs('--catch-up-timeout', o.catchUpTimeoutMs, cloneDefaults.catchUpTimeoutMs),
    commandTimeoutMs: positiveMs('--command-timeout', o.commandTimeoutMs, cloneDefaults.commandTimeoutMs),
    connectTimeoutMs: positiveMs('--connect-timeout', o.connectTimeoutMs, cloneDefaults.connectTimeoutMs),
    guardian: o.guardian ?? true,
    verifyFilter: o.verifyFilter ?? {},
    log: o.log ?? silentLogger,
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.onStep ? { onStep: o.onStep } : {}),
  };
  // Secrets stay non-enumerable: a logged or serialized options object never shows them.
  Object.defineProperty(opts, 'replPassword', { value: replPassword, enumerable: false, writable: false });
  return opts;
}

/** A new replica from a stopped replica's data directory, caught up and verified (DOMAIN.md §5). */
export function clone(o: CloneApiOptions): Promise<CloneResult> {
  return runClone(resolveCloneOptions(o));
}

/**
 * One run per cluster at a time: scheduled runs (cron, a CronJob with a shared volume) that
 * overlap would double the load on the primary and race on the history. The lock is a file
 * under the state dir, created with O_EXCL, holding the owner's pid, host, start time and the
 * kernel's start time of that pid (so a recycled pid is not mistaken for the owner). A lock
 * whose owner is gone (SIGKILL, reboot) is stale and taken over.
 */
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SyncpointError } from '../errors.js';
import { stateDir } from '../history/state-dir.js';

export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  readonly key: string;
  readonly command: string;
  /** /proc/<pid>/stat start time (clock ticks since boot); null where /proc is missing. */
  readonly procStart: string | null;
}

/** Another live run holds the lock: nothing was checked, exit code 3 (src/cli/exit-codes.ts). */
export class RunLockedError extends SyncpointError {
  constructor(readonly owner: LockOwner, readonly path: string) {
    super('config', `another syncpoint run holds the lock for ${owner.key}: pid ${owner.pid} on ${owner.host}, started ${owner.startedAt} (${owner.command}); lock file ${path}`);
    this.name = 'RunLockedError';
  }
}

export interface RunLock {
  readonly path: string;
  release(): void;
}

function procStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22, counted after the command name (which may contain spaces) in parentheses.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function alive(owner: LockOwner): boolean {
  // A lock written on another host (a shared volume) cannot be probed: trust it.
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = procStart(owner.pid);
  return owner.procStart === null || now === null || now === owner.procStart;
}

export function lockFileFor(key: string, env: NodeJS.ProcessEnv = process.env): string {
  const safe = key.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 120);
  return join(stateDir(env), 'locks', `${safe}.lock`);
}

function readOwner(path: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
    return typeof o.pid === 'number' ? o : null;
  } catch {
    return null;
  }
}

const sameOwner = (a: LockOwner | null, b: LockOwner | null) => (a === null || b === null ? a === b : a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt);

/**
 * Removes a stale lock file, and only that one: two runs that both found the same dead owner
 * must not both take over (the slower one would unlink the faster one's fresh lock). The file is
 * renamed away first (one rename of it succeeds); what was moved is checked to be the stale
 * owner's, and a live run's lock moved by mistake is put back (link: never over a newer one).
 */
export function takeOverStale(path: string, stale: LockOwner | null): void {
  const aside = `${path}.${process.pid}.${Date.now()}.stale`;
  try {
    renameSync(path, aside);
  } catch {
    return; // gone already: another run took it over; the next open decides
  }
  const moved = readOwner(aside);
  if (!sameOwner(moved, stale) && moved && alive(moved)) {
    try {
      linkSync(aside, path);
    } catch {
      /* a newer lock is there already: that run holds it */
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    /* gone */
  }
}

/**
 * Takes the lock for `key` (a cluster name or the primary's host:port) or throws RunLockedError.
 * `command` is shown to the run that finds the lock taken.
 */
export function acquireRunLock(key: string, command: string, env: NodeJS.ProcessEnv = process.env): RunLock {
  const path = lockFileFor(key, env);
  try {
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new SyncpointError('config', `cannot create the lock directory ${join(path, '..')}: ${(err as Error).message} (set SYNCPOINT_STATE_DIR to a writable directory)`);
  }
  const me: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), key, command, procStart: procStart(process.pid) };
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new SyncpointError('config', `cannot create the lock file ${path}: ${(err as Error).message}`);
      const owner = readOwner(path);
      // A half-written file (the owner is between open and write) reads as null: give it a moment.
      if (owner && alive(owner)) throw new RunLockedError(owner, path);
      if (!owner && attempt === 0) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
        continue;
      }
      takeOverStale(path, owner);
      continue;
    }
    writeSync(fd, JSON.stringify(me));
    closeSync(fd);
    let released = false;
    return {
      path,
      release() {
        if (released) return;
        released = true;
        // Only our own lock: a stale-lock takeover by another run must not be undone.
        const owner = readOwner(path);
        if (owner && owner.pid === me.pid && owner.startedAt === me.startedAt) {
          try {
            unlinkSync(path);
          } catch {
            /* gone */
          }
        }
      },
    };
  }
  const owner = readOwner(path);
  if (owner) throw new RunLockedError(owner, path);
  throw new SyncpointError('config', `cannot take the lock file ${path}: it keeps changing (another run starting at the same moment?)`);
}

/** Runs `fn` holding the lock for `key`; released however fn ends. */
export async function withRunLock<T>(key: string, command: string, fn: () => Promise<T>, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const lock = acquireRunLock(key, command, env);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

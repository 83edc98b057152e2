/**
 * The user's shell commands (start, stop, snapshot, cleanup): run with /bin/sh -c, output
 * appended to the clone log, never waited on without a bound.
 *
 * Start commands are spawned detached (own session, stdin closed, output to the log) and never
 * awaited: a command that daemonizes (systemctl, pg_ctl start) exits, one that runs the server in
 * the foreground (mariadbd ...) keeps running after we exit; either way readiness is judged by
 * connecting to the server, and an early non-zero exit is reported at once.
 */
import { spawn } from 'node:child_process';
import { accessSync, appendFileSync, closeSync, constants, openSync } from 'node:fs';
import { join } from 'node:path';
import { SyncpointError } from '../errors.js';
import { redactDsns } from '../config/dsn.js';

export interface CommandLog {
  readonly file: string;
}

export function logLine(log: CommandLog, text: string): void {
  try {
    appendFileSync(log.file, `${new Date().toISOString()} ${text}\n`);
  } catch {
    /* the log is a convenience; a failing write must not fail the clone */
  }
}

export interface DetachedProcess {
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  hasExited(): boolean;
  exitInfo(): { code: number | null; signal: string | null } | null;
}

/** /bin/sh -c `command`, detached, unref'd, output to the log. */
export function spawnDetached(command: string, o: { what: string; log: CommandLog; env?: NodeJS.ProcessEnv }): DetachedProcess {
  logLine(o.log, `${o.what}: ${redactDsns(command)}`);
  const fd = openSync(o.log.file, 'a');
  let info: { code: number | null; signal: string | null } | null = null;
  try {
    const child = spawn('/bin/sh', ['-c', command], { detached: true, stdio: ['ignore', fd, fd], env: o.env ?? process.env });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      child.once('exit', (code, signal) => {
        info = { code, signal };
        resolve(info);
      });
      child.once('error', (err) => {
        info = { code: null, signal: null };
        logLine(o.log, `${o.what}: could not run /bin/sh: ${err.message}`);
        resolve(info);
      });
    });
    child.unref();
    return { pid: child.pid ?? -1, exited, hasExited: () => info !== null, exitInfo: () => info };
  } finally {
    closeSync(fd);
  }
}

export interface RunOptions {
  readonly what: string;
  readonly log: CommandLog;
  readonly timeoutMs: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  /** Told the pid (process group) while the command runs: the guardian kills it if we die. */
  readonly onSpawn?: (pid: number) => void;
  readonly onExit?: (pid: number) => void;
}

/**
 * Runs `command` to completion within `timeoutMs`. The command leads its own process group, so
 * a timeout or an abort ends everything it started (SIGTERM, then SIGKILL after 5 s).
 */
export function runShell(command: string, o: RunOptions): Promise<void> {
  logLine(o.log, `${o.what}: ${redactDsns(command)}`);
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) {
      reject(new SyncpointError('interrupted', `${o.what}: not run, the clone was interrupted`));
      return;
    }
    const fd = openSync(o.log.file, 'a');
    const child = spawn('/bin/sh', ['-c', command], { detached: true, stdio: ['ignore', fd, fd], env: o.env ?? process.env });
    closeSync(fd);
    const pid = child.pid ?? -1;
    if (pid > 0) o.onSpawn?.(pid);
    let why: 'timeout' | 'interrupted' | null = null;
    const killGroup = (sig: NodeJS.Signals) => {
      try {
        process.kill(-pid, sig);
      } catch {
        /* gone */
      }
    };
    const stop = (reason: 'timeout' | 'interrupted') => {
      if (why) return;
      why = reason;
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 5000).unref();
    };
    const timer = setTimeout(() => stop('timeout'), o.timeoutMs);
    const onAbort = () => stop('interrupted');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (err) => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      reject(new SyncpointError('config', `${o.what}: cannot run /bin/sh: ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      if (pid > 0) o.onExit?.(pid);
      logLine(o.log, `${o.what}: exited ${signal ? `on ${signal}` : `with code ${code}`}`);
      if (why === 'timeout') reject(new SyncpointError('timeout', `${o.what} did not finish within ${Math.round(o.timeoutMs / 1000)} s; see ${o.log.file}`));
      else if (why === 'interrupted') reject(new SyncpointError('interrupted', `${o.what} was interrupted`));
      else if (code !== 0) reject(new SyncpointError('server', `${o.what} failed (${signal ? `signal ${signal}` : `exit code ${code}`}); see ${o.log.file}`));
      else resolve();
    });
  });
}

/** An executable on PATH (rsync), or null. */
export function which(name: string): string | null {
  for (const dir of (process.env['PATH'] ?? '/usr/bin:/bin').split(':').filter(Boolean)) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

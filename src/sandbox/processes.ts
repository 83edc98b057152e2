/**
 * Server processes: started detached (they outlive `sandbox up`), recognized later by pid *and*
 * by their command line naming the node's data directory (a recycled pid is never signalled),
 * stopped cleanly first and killed after a timeout.
 */
import { spawn, execFile } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface SpawnedServer {
  readonly pid: number;
  /** Resolves when the process exits (only observed while this Node process lives). */
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  /** True once the process has exited. */
  hasExited(): boolean;
}

export function spawnServer(cmd: string, args: string[], opts: { logFile: string; cwd: string; env?: NodeJS.ProcessEnv }): SpawnedServer {
  const fd = openSync(opts.logFile, 'a');
  let done = false;
  try {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, detached: true, stdio: ['ignore', fd, fd] });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      child.once('exit', (code, signal) => {
        done = true;
        resolve({ code, signal });
      });
      child.once('error', () => {
        done = true;
        resolve({ code: null, signal: null });
      });
    });
    child.unref();
    if (child.pid === undefined) {
      done = true;
      return { pid: -1, exited, hasExited: () => true };
    }
    return { pid: child.pid, exited, hasExited: () => done };
  } finally {
    closeSync(fd);
  }
}

function procState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return null;
  }
}

/** The process exists, is not a zombie, and (where /proc exists) its command line mentions `marker`. */
export function isServerAlive(pid: number | null, marker: string): boolean {
  if (pid === null || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const state = procState(pid);
  if (state === null) return process.platform !== 'linux';
  if (state === 'Z' || state === 'X') return false;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    return cmdline.includes(marker);
  } catch {
    return false;
  }
}

function processGroupOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[2]);
  } catch {
    return null;
  }
}

async function waitGone(pid: number, marker: string, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!isServerAlive(pid, marker)) return true;
    await sleep(100);
  }
  return !isServerAlive(pid, marker);
}

/**
 * Clean shutdown with `signal` (mariadbd: SIGTERM; postgres: SIGINT = fast shutdown), SIGKILL to
 * the process group after `timeoutMs`. Returns 'stopped', 'killed' or 'not-running'.
 */
export async function stopServer(pid: number | null, marker: string, signal: NodeJS.Signals, timeoutMs = 30_000): Promise<'stopped' | 'killed' | 'not-running'> {
  if (pid === null || !isServerAlive(pid, marker)) return 'not-running';
  try {
    process.kill(pid, signal);
  } catch {
    return 'not-running';
  }
  if (await waitGone(pid, marker, timeoutMs)) return 'stopped';
  // Servers started detached lead their own process group; killing the group also takes
  // postgres' backends, which would otherwise linger until they notice the postmaster is gone.
  const pgid = processGroupOf(pid);
  try {
    process.kill(pgid === pid ? -pid : pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
  await waitGone(pid, marker, 10_000);
  return 'killed';
}

export interface ToolResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** A short-lived tool (install-db, initdb, pg_basebackup) with a hard time bound. */
export function runTool(cmd: string, args: string[], opts: { timeoutMs: number; cwd?: string; env?: NodeJS.ProcessEnv }): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: opts.timeoutMs, killSignal: 'SIGKILL', cwd: opts.cwd, env: opts.env ?? process.env, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        const e = err as NodeJS.ErrnoException & { killed?: boolean };
        const why = e.killed ? `timed out after ${Math.round(opts.timeoutMs / 1000)} s` : lastLine(stderr) || lastLine(stdout) || e.message;
        reject(Object.assign(new Error(`${cmd.split('/').pop()} failed: ${why}`), { stdout, stderr }));
      } else resolve({ stdout, stderr });
    });
  });
}

export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.length ? lines[lines.length - 1]! : '';
}

/** The last line of a server log that looks like an error (for one-line messages). */
export function lastErrorLine(logFile: string): string {
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return '';
  }
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean).slice(-200);
  const err = [...lines].reverse().find((l) => /\b(ERROR|FATAL|PANIC|\[ERROR\]|Aborting)\b/.test(l) && !/Aborting$/.test(l));
  return (err ?? lines[lines.length - 1] ?? '').slice(0, 300);
}

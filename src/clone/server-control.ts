/**
 * Starting and stopping servers the clone does not own: by the user's command, by SQL, or by a
 * signal to the pid in the server's pid file; readiness and stop are both judged from outside
 * (the server answers; its process is gone), each within a bound.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SyncpointError } from '../errors.js';
import { redactDsns } from '../config/dsn.js';
import type { CloneContext } from './context.js';
import { processAlive, readPidFile, waitProcessGone } from './server-process.js';
import { runShell, spawnDetached } from './shell.js';

export interface StartSpec {
  readonly what: string;
  readonly command: string;
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutMs: number;
  /** True once the server accepts connections. */
  readonly answers: () => Promise<boolean>;
  /** Where a failure should send the reader (the server's own log is unknown to us). */
  readonly hint: string;
  /** Honour Ctrl-C while waiting (not when restoring the source: that must finish). */
  readonly abortable: boolean;
  readonly onSpawn?: (pid: number) => void;
}

/** Spawns the start command detached and waits until the server answers; the command may exit (daemonized) or keep running. */
export async function startWithCommand(ctx: CloneContext, s: StartSpec): Promise<void> {
  const proc = spawnDetached(s.command, { what: s.what, log: ctx.commandLog, env: s.env });
  if (proc.pid > 0) s.onSpawn?.(proc.pid);
  const until = Date.now() + s.timeoutMs;
  let pause = 50;
  for (;;) {
    if (await s.answers()) return;
    const exit = proc.exitInfo();
    if (exit && exit.code !== 0) {
      throw new SyncpointError('server', `${s.what} failed (${exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`}) before the server answered; see ${ctx.commandLog.file}${s.hint}`);
    }
    if (s.abortable) ctx.checkAborted();
    if (Date.now() >= until) {
      throw new SyncpointError('timeout', `${s.what}: the server did not answer within ${Math.round(s.timeoutMs / 1000)} s (command: ${redactDsns(s.command)}); see ${ctx.commandLog.file}${s.hint}`);
    }
    await sleep(pause);
    // Short at first: a restart's downtime is measured, and most servers answer within a second.
    pause = Math.min(250, pause * 1.3);
  }
}

export interface StopSpec {
  readonly what: string;
  /** User's stop command, or null for the default (`byDefault`). */
  readonly command: string | null;
  readonly byDefault: () => Promise<void>;
  readonly pid: number | null;
  readonly timeoutMs: number;
  readonly env: NodeJS.ProcessEnv;
}

/** Stops a server and waits until its process is gone (the only proof that its files are at rest). */
export async function stopServer(ctx: CloneContext, s: StopSpec): Promise<void> {
  const started = Date.now();
  if (s.command) await runShell(s.command, { what: s.what, log: ctx.commandLog, timeoutMs: s.timeoutMs, env: s.env, onSpawn: ctx.trackPid, onExit: ctx.untrackPid });
  else await s.byDefault();
  if (s.pid === null) return;
  const left = Math.max(1000, s.timeoutMs - (Date.now() - started));
  if (!(await waitProcessGone(s.pid, left))) {
    throw new SyncpointError('timeout', `${s.what}: the server process ${s.pid} was still running ${Math.round(s.timeoutMs / 1000)} s after the stop request`);
  }
}

/** SIGINT/SIGTERM to the pid in `pidFile` (PostgreSQL fast shutdown, mariadbd clean shutdown). */
export async function signalServer(pidFile: string, signal: NodeJS.Signals, what: string): Promise<void> {
  const pid = await readPidFile(pidFile);
  if (pid === null || !processAlive(pid)) return;
  try {
    process.kill(pid, signal);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return;
    throw new SyncpointError('config', `${what}: cannot signal the server (pid ${pid}, ${code}): run as root or as the server's OS user, or give a stop command`);
  }
}

/** Polls `probe` until true or `timeoutMs`; returns the last value. */
export async function pollUntil(probe: () => Promise<boolean>, timeoutMs: number, everyMs = 200): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return true;
    if (Date.now() >= until) return false;
    await sleep(everyMs);
  }
}

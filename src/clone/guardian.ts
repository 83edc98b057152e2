/**
 * The guardian: a small detached Node process that outlives the tool. A `finally` restarts the
 * source on errors and Ctrl-C, but not when the tool itself is killed (SIGKILL, OOM, a second
 * Ctrl-C, a lost terminal). The guardian holds an IPC channel to the tool; the channel closes
 * when the tool dies, however it dies. If at that moment the source is stopped (or its
 * replication paused), the guardian ends the copy processes the tool left behind, waits for the
 * source's old process to be gone, runs the source's start command, and once the source answers
 * runs the engine's "replication back on" statements. When the tool finishes normally it tells
 * the guardian, which exits without doing anything.
 *
 * It is a self-contained script (run with `node -e`) so that it works the same from the built
 * CLI and from the TypeScript sources under test; it loads the same database driver the tool
 * uses, by absolute path. Credentials travel over the IPC channel, never on a command line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { ConnectionSpec } from '../config/dsn.js';
import { logLine, type CommandLog } from './shell.js';

const GUARDIAN_SCRIPT = String.raw`
import { appendFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
let cfg = null;
let state = { sourceDown: false, replicationPaused: false, sourcePid: null };
const pids = new Set();
let finished = false;
const log = (t) => { try { if (cfg) appendFileSync(cfg.logFile, new Date().toISOString() + ' guardian: ' + t + '\n'); } catch {} };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
process.on('message', (m) => {
  if (m.type === 'init') { cfg = m; log('watching tool pid ' + m.toolPid); try { process.send({ type: 'ready' }); } catch {} }
  else if (m.type === 'state') state = { ...state, ...m.state };
  else if (m.type === 'pid') { if (m.add) pids.add(m.pid); else pids.delete(m.pid); }
  else if (m.type === 'done') { finished = true; log('tool finished normally'); process.exit(0); }
});
async function connect() {
  const c = cfg.connect;
  const mod = await import(c.driverUrl);
  const lib = mod.default ?? mod;
  if (c.family === 'postgres') {
    const client = new lib.Client({ host: c.socket ? c.socket : c.host, port: c.port, user: c.user, password: c.password, database: c.database || 'postgres', connectionTimeoutMillis: 3000 });
    client.on('error', () => {});
    await client.connect();
    return { run: (s) => client.query(s), end: () => client.end() };
  }
  const conn = await lib.createConnection({ host: c.host, port: c.port, user: c.user, password: c.password, socketPath: c.socket || undefined, connectTimeout: 3000 });
  conn.on('error', () => {});
  return { run: (s) => conn.query(s), end: () => conn.end() };
}
async function answering() {
  try { const c = await connect(); await c.end(); return true; } catch { return false; }
}
async function restore() {
  for (const pid of pids) {
    for (const target of [-pid, pid]) { try { process.kill(target, 'SIGTERM'); } catch {} }
    log('ended copy process ' + pid);
  }
  if (state.sourceDown) {
    if (state.sourcePid) {
      const until = Date.now() + cfg.stopTimeoutMs;
      while (alive(state.sourcePid) && Date.now() < until) await sleep(200);
    }
    if (await answering()) log('the source already answers: not starting it');
    else {
      log('starting the source: ' + cfg.startCommandShown);
      const child = spawn('/bin/sh', ['-c', cfg.startCommand], { detached: true, stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, ...cfg.env } });
      child.unref();
      const until = Date.now() + cfg.startTimeoutMs;
      let up = false;
      while (Date.now() < until) { if (await answering()) { up = true; break; } await sleep(300); }
      if (!up) { log('the source did not answer within ' + Math.round(cfg.startTimeoutMs / 1000) + ' s: start it by hand'); return; }
      log('the source answers again');
    }
  }
  try {
    const c = await connect();
    for (const s of cfg.restoreSql) {
      try { await c.run(s); log('ran: ' + s); } catch (e) { log('failed: ' + s + ': ' + (e && e.message)); }
    }
    await c.end();
  } catch (e) { log('cannot connect to the source to resume replication: ' + (e && e.message)); }
}
process.on('disconnect', () => {
  if (finished || !cfg) process.exit(0);
  if (!state.sourceDown && !state.replicationPaused && pids.size === 0) { log('tool gone, source untouched'); process.exit(0); }
  log('tool gone while the source was ' + (state.sourceDown ? 'stopped' : 'not replicating') + ': restoring it');
  restore().then(() => { log('done'); process.exit(0); }, (e) => { log('restore failed: ' + (e && e.message)); process.exit(1); });
});
`;

export interface GuardianConfig {
  readonly log: CommandLog;
  readonly source: ConnectionSpec;
  /** The source's start command (as given) and how it is shown in logs (redacted). */
  readonly startCommand: string;
  readonly startCommandShown: string;
  readonly env: Readonly<Record<string, string>>;
  readonly startTimeoutMs: number;
  readonly stopTimeoutMs: number;
  readonly restoreSql: readonly string[];
}

export interface GuardianState {
  readonly sourceDown?: boolean;
  readonly replicationPaused?: boolean;
  readonly sourcePid?: number | null;
}

function driverUrl(family: ConnectionSpec['family']): string {
  const require = createRequire(import.meta.url);
  return pathToFileURL(require.resolve(family === 'postgres' ? 'pg' : 'mysql2/promise')).href;
}

export class Guardian {
  private constructor(
    private readonly child: ChildProcess,
    private readonly log: CommandLog,
  ) {}

  /**
   * Starts the guardian and waits (up to 5 s) until it has its configuration, so that a kill
   * right after this returns is already covered; null (and a log line) when it cannot run: the
   * clone goes on without it.
   */
  static async start(cfg: GuardianConfig): Promise<Guardian | null> {
    let fd: number | null = null;
    try {
      fd = openSync(cfg.log.file, 'a');
      const child = spawn(process.execPath, ['--input-type=module', '-e', GUARDIAN_SCRIPT], { detached: true, stdio: ['ignore', fd, fd, 'ipc'] });
      child.on('error', () => undefined);
      const g = new Guardian(child, cfg.log);
      const s = cfg.source;
      g.send({
        type: 'init',
        toolPid: process.pid,
        logFile: cfg.log.file,
        startCommand: cfg.startCommand,
        startCommandShown: cfg.startCommandShown,
        env: cfg.env,
        startTimeoutMs: cfg.startTimeoutMs,
        stopTimeoutMs: cfg.stopTimeoutMs,
        restoreSql: cfg.restoreSql,
        connect: {
          family: s.family,
          driverUrl: driverUrl(s.family),
          host: s.host,
          port: s.port,
          user: s.user,
          password: s.password ?? '',
          database: s.family === 'postgres' ? (s.database ?? 'postgres') : null,
          socket: s.socket,
        },
      });
      const ready = await new Promise<boolean>((resolveReady) => {
        const timer = setTimeout(() => resolveReady(false), 5000);
        child.once('message', (m: { type?: string }) => {
          clearTimeout(timer);
          resolveReady(m?.type === 'ready');
        });
        child.once('exit', () => {
          clearTimeout(timer);
          resolveReady(false);
        });
      });
      if (!ready) {
        logLine(cfg.log, 'guardian: did not confirm within 5 s; the source is restarted only by this process');
        child.kill();
        return null;
      }
      // Neither the process nor its channel may keep the tool alive.
      child.unref();
      (child.channel as { unref?: () => void } | undefined)?.unref?.();
      return g;
    } catch (err) {
      logLine(cfg.log, `guardian: could not start (${(err as Error).message}); the source is restarted only by this process`);
      return null;
    } finally {
      if (fd !== null) closeSync(fd);
    }
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  private send(m: unknown): void {
    try {
      if (this.child.connected) this.child.send(m as object);
    } catch (err) {
      logLine(this.log, `guardian: message lost (${(err as Error).message})`);
    }
  }

  setState(state: GuardianState): void {
    this.send({ type: 'state', state });
  }

  trackPid(pid: number, add: boolean): void {
    this.send({ type: 'pid', pid, add });
  }

  /** The tool is done with the source: the guardian exits. */
  finish(): void {
    this.send({ type: 'done' });
    try {
      if (this.child.connected) this.child.disconnect();
    } catch {
      /* already gone */
    }
  }
}

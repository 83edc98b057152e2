/**
 * sandboxUp / sandboxDown / sandboxStatus: library functions (return data, never print or exit).
 *
 * A second `up` on a directory that holds a sandbox (running or stopped) is refused with a usage
 * error naming the directory: nothing is touched. `up` failing half-way stops what it started and
 * removes the directory, keeping the servers' logs in a temporary directory named in the error.
 */
import { cp, mkdtemp, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { SyncpointError, usageError } from '../errors.js';
import { silentLogger } from '../log.js';
import { defaultEngine, requireMariadb, requirePostgres, versionOf } from './binaries.js';
import { MARIADB_REPL_USER, statusMariadb, stopMariadbNode, upMariadb } from './mariadb-sandbox.js';
import { Deadline, secret, type UpContext } from './node-ops.js';
import { allocatePorts } from './ports.js';
import { PG_PUBLICATION, PG_REPL_USER, statusPostgres, stopPostgresNode, upPostgres } from './postgres-sandbox.js';
import { claimDir, removeSandboxDir, resolveDir, toInfo, writeState } from './state.js';
import type { SandboxDownOptions, SandboxDownResult, SandboxInfo, SandboxNode, SandboxState, SandboxStatusOptions, SandboxUpOptions } from './types.js';
import { syncSandboxPids } from './pids.js';

const MAX_NODES = 10;

function validate(opts: SandboxUpOptions): { replicas: number; logical: number } {
  const replicas = opts.replicas ?? 2;
  const logical = opts.logical ?? 0;
  for (const [flag, v] of [['--replicas', replicas], ['--logical', logical]] as const) {
    if (!Number.isInteger(v) || v < 0) throw usageError(`${flag} must be a whole number >= 0, got ${v}`);
  }
  if (opts.engine && opts.engine !== 'mariadb' && opts.engine !== 'postgres') throw usageError(`unknown sandbox engine "${String(opts.engine)}": use mariadb or postgres`);
  if (opts.binlogFormat && !['ROW', 'STATEMENT', 'MIXED'].includes(opts.binlogFormat)) throw usageError(`--binlog-format must be ROW, STATEMENT or MIXED`);
  if (1 + replicas + logical > MAX_NODES) throw usageError(`a sandbox holds at most ${MAX_NODES} servers (1 primary + ${replicas} + ${logical} asked)`);
  return { replicas, logical };
}

export async function sandboxUp(opts: SandboxUpOptions = {}): Promise<SandboxInfo> {
  const log = opts.log ?? silentLogger;
  const { replicas, logical } = validate(opts);
  const engine = opts.engine ?? defaultEngine();
  if (engine === 'mariadb' && logical > 0) throw usageError('--logical applies to PostgreSQL only (MariaDB replicas are given with --replicas)');
  const mariadb = engine === 'mariadb' ? requireMariadb() : null;
  const postgres = engine === 'postgres' ? requirePostgres() : null;
  const serverVersion = (mariadb ? versionOf(mariadb.mariadbd) : versionOf(postgres!.postgres)) ?? 'unknown';
  const dir = resolveDir(opts.dir);
  const binlogFormat = opts.binlogFormat ?? 'ROW';

  const state: SandboxState = {
    stateVersion: 1,
    state: 'starting',
    engine,
    dir,
    serverVersion,
    createdAt: new Date().toISOString(),
    ...(engine === 'mariadb' ? { binlogFormat } : {}),
    replication: { user: engine === 'mariadb' ? MARIADB_REPL_USER : PG_REPL_USER, password: secret() },
    ...(engine === 'postgres' && logical > 0 ? { publication: PG_PUBLICATION } : {}),
    nodes: [],
  };
  const ports = await allocatePorts(1 + replicas + logical, opts.basePort);
  const { created } = await claimDir(state);
  const started = Date.now();
  let saving: Promise<void> = Promise.resolve();
  log.info({ dir, engine, replicas, logical, ports }, `starting ${engine} sandbox`);
  const ctx: UpContext = {
    state,
    ports,
    replicas,
    logical,
    binlogFormat,
    serverArgs: opts.serverArgs ?? {},
    ...(opts.chain ? { chain: true } : {}),
    adminPassword: secret(),
    deadline: Deadline.in(opts.timeoutMs ?? 120_000),
    log,
    // Serialized: servers start concurrently and each start records its pid.
    save: () => (saving = saving.then(() => writeState({ ...state, nodes: state.nodes.map(stripLive) }))),
  };
  try {
    if (mariadb) await upMariadb(ctx, mariadb);
    else await upPostgres(ctx, postgres!);
    state.state = 'running';
    await ctx.save();
  } catch (err) {
    throw await abandon(state, created, err, log);
  }
  log.info({ ms: Date.now() - started }, `${engine} sandbox up in ${dir}`);
  return toInfo(state);
}

/** Only what sandbox.json should record (live fields come from sandboxStatus). */
function stripLive(n: SandboxNode): SandboxNode {
  const { up: _u, replicating: _r, lagSeconds: _l, lagBytes: _b, position: _p, executedFilePos: _e, error: _x, ...rest } = n;
  return rest;
}

/** Cleanup after a failed `up`: stop everything started, keep the logs elsewhere, remove the dir. */
async function abandon(state: SandboxState, created: boolean, err: unknown, log: Logger): Promise<SyncpointError> {
  await stopNodes(state).catch(() => {});
  let keptLogs: string | null = null;
  try {
    keptLogs = await keepLogs(state);
  } catch {
    keptLogs = null;
  }
  try {
    if (created) await removeSandboxDir(state.dir);
    else for (const e of await readdir(state.dir)) await removeSandboxDir(join(state.dir, e));
  } catch (rmErr) {
    log.warn({ err: String(rmErr) }, `could not remove ${state.dir}`);
  }
  if (err instanceof SyncpointError && keptLogs) {
    const message = err.message.split(state.dir).join(keptLogs);
    return new SyncpointError(err.kind, message, err.where, { cause: err.cause ?? err });
  }
  if (err instanceof SyncpointError) return err;
  return new SyncpointError('server', `sandbox up failed: ${err instanceof Error ? err.message : String(err)}${keptLogs ? `; logs kept in ${keptLogs}` : ''}`, undefined, { cause: err });
}

async function keepLogs(state: SandboxState): Promise<string | null> {
  const logs: Array<[string, string]> = [];
  for (const n of state.nodes) {
    if (!existsSync(n.nodeDir)) continue;
    for (const f of await readdir(n.nodeDir)) if (f.endsWith('.log')) logs.push([n.name, f]);
  }
  if (logs.length === 0) return null;
  const keep = await mkdtemp(join(tmpdir(), 'syncpoint-sandbox-failed-'));
  for (const [node, f] of logs) await cp(join(state.dir, node, f), join(keep, node, f));
  return keep;
}

/** Stops every server of the state: replicas first (so they do not log the primary vanishing), then the primary. */
async function stopNodes(state: SandboxState): Promise<string[]> {
  const stop = state.engine === 'mariadb' ? stopMariadbNode : stopPostgresNode;
  const stopped: string[] = [];
  const others = state.nodes.filter((n) => n.role !== 'primary');
  const primaries = state.nodes.filter((n) => n.role === 'primary');
  for (const group of [others, primaries]) {
    const results = await Promise.all(group.map(async (n) => [n, await stop(n)] as const));
    for (const [n, r] of results) if (r !== 'not-running') stopped.push(n.name);
  }
  return stopped;
}

export async function sandboxDown(opts: SandboxDownOptions = {}): Promise<SandboxDownResult> {
  const dir = resolveDir(opts.dir);
  // A node restarted outside sandboxUp (clone's restart of its source) has a new pid: pick it up first.
  const state = await syncSandboxPids(dir);
  if (!state) {
    if (!existsSync(dir)) return { stopped: [], removed: false };
    throw usageError(`${dir} holds no sandbox (no sandbox.json); not touching it`);
  }
  const stopped = await stopNodes(state);
  (opts.log ?? silentLogger).info({ dir, stopped }, 'sandbox stopped');
  if (opts.keep) {
    state.state = 'stopped';
    for (const n of state.nodes) n.pid = null;
    await writeState(state);
    return { stopped, removed: false };
  }
  await removeSandboxDir(dir);
  return { stopped, removed: true };
}

/** The sandbox in `dir` with each node's live state; null when there is none. */
export async function sandboxStatus(opts: SandboxStatusOptions = {}): Promise<SandboxInfo | null> {
  const dir = resolveDir(opts.dir);
  const state = await syncSandboxPids(dir);
  if (!state) return null;
  const info = toInfo(state);
  const nodes = info.engine === 'mariadb' ? await statusMariadb(info) : await statusPostgres(info);
  return { ...info, nodes };
}

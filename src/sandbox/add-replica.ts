/**
 * `sandbox add-replica --clone-from NAME`: grows a sandbox with the same code as `syncpoint
 * clone`. The sandbox knows how each server was started: the running process's own command line
 * (/proc/<pid>/cmdline) is the source's start command, and the new node's is the same line with
 * its own data directory, port, socket, pid file, log and server id. PostgreSQL commands run as
 * the postgres OS user when we are root, as `sandbox up` does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { clone, type CloneApiOptions, type CloneResult, type CopyMethod, type StepEvent } from '../api/clone.js';
import { SyncpointError, usageError } from '../errors.js';
import { silentLogger } from '../log.js';
import { nodeOf } from './catch-up.js';
import { asUser, chownTo, ensureTraversable, postgresRunAs } from './os-user.js';
import { allocatePorts } from './ports.js';
import { isServerAlive, stopServer } from './processes.js';
import { adminPasswordOf, resolveDir, writeState } from './state.js';
import type { SandboxNode, SandboxState } from './types.js';
import { pidFileOf, pidFromFile, syncSandboxPids } from './pids.js';

export interface AddReplicaOptions {
  dir?: string;
  /** The replica (MariaDB) or standby (PostgreSQL) to clone. */
  cloneFrom: string;
  /** Default: the next free replicaN / standbyN. */
  name?: string;
  copyMethod?: CopyMethod;
  /** Default true. */
  verify?: boolean;
  dryRun?: boolean;
  bwlimitKBps?: number;
  log?: Logger;
  signal?: AbortSignal;
  onStep?: (e: StepEvent) => void | Promise<void>;
  /** Further clone options (timeouts, guardian...); the sandbox's own choices above win. */
  cloneOptions?: Partial<Omit<CloneApiOptions, 'source' | 'target' | 'targetDatadir' | 'sourceStart' | 'targetStart'>>;
}

export interface AddReplicaResult {
  /** The node added to the sandbox; null after a dry run or a failed clone. */
  readonly node: SandboxNode | null;
  readonly clone: CloneResult;
}

// Same bound as the sandbox's own nodes (unix socket paths are limited to 108 bytes).
const MAX_SOCKET_PATH = 100;

const shq = (a: string) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

function cmdlineOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** The command line that starts `n` again, as it was started (exec: the shell becomes the server). */
export function sandboxStartCommand(state: Pick<SandboxState, 'engine'>, n: SandboxNode): string {
  if (!isServerAlive(n.pid, n.dataDir)) throw usageError(`sandbox node ${n.name} is not running`);
  const argv = cmdlineOf(n.pid!);
  if (argv.length === 0) throw new SyncpointError('config', `cannot read the command line of ${n.name} (pid ${n.pid}): /proc is needed`);
  if (state.engine === 'mariadb') return `exec ${argv.map(shq).join(' ')}`;
  const run = asUser(postgresRunAs(), argv[0]!, argv.slice(1));
  return `exec ${[run.cmd, ...run.args].map(shq).join(' ')} >>${shq(n.logFile)} 2>&1`;
}

/** The clone picks a server id free in the whole topology and hands it to the start command. */
const SERVER_ID_ARG = '--server-id=$SYNCPOINT_SERVER_ID';
const shqArg = (a: string) => (a === SERVER_ID_ARG ? `"${a}"` : shq(a));

function rewriteMariadbArgs(argv: readonly string[], target: SandboxNode): string[] {
  const set: Record<string, string> = {
    '--datadir': target.dataDir,
    '--port': String(target.port),
    '--socket': target.socket ?? join(tmpdir(), `syncpoint-mariadb-${target.port}.sock`),
    '--pid-file': join(target.nodeDir, 'mariadbd.pid'),
    '--log-error': target.logFile,
    '--report-port': String(target.port),
  };
  return argv.map((a) => {
    const eq = a.indexOf('=');
    const key = eq > 0 ? a.slice(0, eq) : a;
    if (key === '--server-id') return SERVER_ID_ARG;
    return key in set ? `${key}=${set[key]}` : a;
  });
}

function nextName(state: SandboxState, base: string): string {
  for (let i = 1; ; i++) {
    const name = `${base}${i}`;
    if (!state.nodes.some((n) => n.name === name) && !existsSync(join(state.dir, name))) return name;
  }
}

export async function addReplica(opts: AddReplicaOptions): Promise<AddReplicaResult> {
  const log = opts.log ?? silentLogger;
  const dir = resolveDir(opts.dir);
  const state = await syncSandboxPids(dir);
  if (!state) throw usageError(`no sandbox in ${dir}; start one with "syncpoint sandbox up --dir ${dir}"`);
  if (state.state !== 'running') throw usageError(`the sandbox in ${dir} is ${state.state}, not running`);
  const source = nodeOf({ ...state, nodes: state.nodes }, opts.cloneFrom);
  const role = state.engine === 'mariadb' ? 'replica' : 'standby';
  if (source.role !== role) throw usageError(`--clone-from ${source.name} is the ${source.role}: clone a ${role} (${state.nodes.filter((n) => n.role === role).map((n) => n.name).join(', ') || 'none'})`);
  const name = opts.name ?? nextName(state, role);
  if (!/^[a-z][a-z0-9_]{0,30}$/.test(name)) throw usageError(`--name ${JSON.stringify(name)}: lower-case letters, digits and _ only`);
  if (state.nodes.some((n) => n.name === name) || existsSync(join(dir, name))) throw usageError(`the sandbox already has a node or directory named ${name}`);
  const [port] = await allocatePorts(1);
  const password = adminPasswordOf(state);
  const nodeDir = join(dir, name);
  const node: SandboxNode = {
    name,
    role,
    host: '127.0.0.1',
    port: port!,
    pid: null,
    dsn: state.engine === 'mariadb' ? `mysql://root:${password}@127.0.0.1:${port}/` : `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    nodeDir,
    dataDir: join(nodeDir, 'data'),
    logFile: join(nodeDir, state.engine === 'mariadb' ? 'mariadbd.log' : 'postgres.log'),
    socket: state.engine === 'mariadb'
      ? join(nodeDir, 'mariadbd.sock').length <= MAX_SOCKET_PATH ? join(nodeDir, 'mariadbd.sock') : join(tmpdir(), `syncpoint-mariadb-${port}.sock`)
      : join(nodeDir, `.s.PGSQL.${port}`).length <= MAX_SOCKET_PATH ? nodeDir : null,
    ...(state.engine === 'postgres' ? { replicationName: `syncpoint_${name}` } : {}),
  };

  const sourceStart = sandboxStartCommand(state, source);
  let targetStart: string;
  let targetSettings: Record<string, string> = {};
  if (state.engine === 'mariadb') {
    targetStart = `exec ${rewriteMariadbArgs(cmdlineOf(source.pid!), node).map(shqArg).join(' ')}`;
  } else {
    const argv = cmdlineOf(source.pid!).map((a) => (a === source.dataDir ? node.dataDir : a));
    const run = asUser(postgresRunAs(), argv[0]!, argv.slice(1));
    targetStart = `exec ${[run.cmd, ...run.args].map(shq).join(' ')} >>${shq(node.logFile)} 2>&1`;
    targetSettings = { unix_socket_directories: node.socket ?? '', cluster_name: `syncpoint-${name}` };
  }

  if (!opts.dryRun) {
    // The node directory as `sandbox up` makes it: the server's OS user must own and reach it.
    const pgUser = state.engine === 'postgres' ? postgresRunAs() : null;
    await ensureTraversable(pgUser, dir, log);
    await mkdir(nodeDir, { mode: 0o750 });
    await chownTo(pgUser, nodeDir);
    await writeFile(node.logFile, '');
    await chownTo(pgUser, node.logFile);
  }
  log.info({ source: source.name, node: name, port }, `cloning ${source.name} into ${name}`);
  const result = await clone({
    ...opts.cloneOptions,
    source: source.dsn,
    sourceDatadir: source.dataDir,
    sourceStart,
    target: node.dsn,
    targetDatadir: node.dataDir,
    targetStart,
    ...(state.engine === 'postgres' ? { targetSlot: node.replicationName!, targetAppName: name, targetSettings } : {}),
    copyMethod: opts.copyMethod ?? 'cold',
    verify: opts.verify ?? true,
    dryRun: opts.dryRun ?? false,
    logFile: join(nodeDir, 'clone.log'),
    ...(opts.bwlimitKBps ? { bwlimitKBps: opts.bwlimitKBps } : {}),
    log,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onStep ? { onStep: opts.onStep } : {}),
  }).catch(async (err: unknown) => {
    // Refused before anything was copied: the node directory made above goes again.
    if (!opts.dryRun) await rm(nodeDir, { recursive: true, force: true });
    throw err;
  });
  if (opts.dryRun) return { node: null, clone: result };

  // The source was restarted: its new pid. The new node: recorded only when the clone is complete.
  const after = (await syncSandboxPids(dir)) ?? state;
  const pid = pidFromFile(pidFileOf(state, node));
  if (result.manifest?.complete) {
    const serverId = result.manifest.target.serverId;
    const added: SandboxNode = { ...node, ...(serverId !== null ? { serverId } : {}), pid: pid !== null && isServerAlive(pid, node.dataDir) ? pid : null };
    after.nodes.push(added);
    await writeState(after);
    return { node: { ...added, up: true, replicating: true }, clone: result };
  }
  // An incomplete clone left running (verification failed) is stopped: the sandbox keeps only
  // nodes it can vouch for; its directory stays, marked incomplete, until `sandbox down`.
  if (pid !== null && isServerAlive(pid, node.dataDir)) await stopServer(pid, node.dataDir, state.engine === 'mariadb' ? 'SIGTERM' : 'SIGINT');
  return { node: null, clone: result };
}

/**
 * <dir>/sandbox.json: the record of what `up` started (nodes, pids, ports, credentials). Written
 * after every server start, so a sandbox whose `up` was killed half-way can still be taken down.
 */
import { mkdir, open, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { resolve, join } from 'node:path';
import { SyncpointError, usageError } from '../errors.js';
import type { SandboxInfo, SandboxNode, SandboxState } from './types.js';

export const DEFAULT_SANDBOX_DIR = './.syncpoint-sandbox';
export const STATE_FILE = 'sandbox.json';

export function resolveDir(dir: string | undefined): string {
  return resolve(dir ?? DEFAULT_SANDBOX_DIR);
}

export async function readState(dir: string): Promise<SandboxState | null> {
  let text: string;
  try {
    text = await readFile(join(dir, STATE_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new SyncpointError('config', `cannot read ${join(dir, STATE_FILE)}: ${(err as Error).message}`);
  }
  try {
    const s = JSON.parse(text) as SandboxState;
    if (s.stateVersion !== 1 || !Array.isArray(s.nodes)) throw new Error('unknown layout');
    return s;
  } catch (err) {
    throw new SyncpointError('config', `${join(dir, STATE_FILE)} is not a sandbox state file (${(err as Error).message}); remove the directory by hand if it is stale`);
  }
}

let tmpSeq = 0;

/** Atomic replace, owner-only: the file holds the sandbox's passwords. */
export async function writeState(state: SandboxState): Promise<void> {
  const file = join(state.dir, STATE_FILE);
  const tmp = `${file}.tmp-${process.pid}-${++tmpSeq}`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, file);
}

/**
 * Takes `dir` for a new sandbox: refuses a directory that already holds a sandbox (running or
 * not) or anything else. The state file is created exclusively, so two concurrent `up`s on one
 * directory cannot both win. Returns whether the directory was created here.
 */
export async function claimDir(state: SandboxState): Promise<{ created: boolean }> {
  const dir = state.dir;
  let created = false;
  let entries: string[] | null = null;
  try {
    entries = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new SyncpointError('config', `cannot use ${dir}: ${(err as Error).message}`);
  }
  if (entries === null) {
    await mkdir(dir, { recursive: true, mode: 0o755 });
    created = true;
  } else if (entries.includes(STATE_FILE)) {
    throw alreadyThere(dir);
  } else if (entries.length > 0) {
    throw usageError(`${dir} exists and is not empty: not a sandbox directory; pick another --dir`);
  }
  try {
    const fh = await open(join(dir, STATE_FILE), 'wx', 0o600);
    await fh.writeFile(`${JSON.stringify(state, null, 2)}\n`);
    await fh.close();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw alreadyThere(dir);
    throw err;
  }
  return { created };
}

function alreadyThere(dir: string): SyncpointError {
  return usageError(`a sandbox already exists in ${dir}; run "syncpoint sandbox down --dir ${dir}" first (or use another --dir)`);
}

/** Removes the sandbox directory (only one that holds a state file, or that `up` just created). */
export async function removeSandboxDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** The public view of a state (no internal bookkeeping fields). */
export function toInfo(state: SandboxState, nodes: SandboxNode[] = state.nodes): SandboxInfo {
  const { stateVersion: _v, state: _s, ...info } = state;
  return { ...info, nodes: nodes.map((n) => ({ ...n })) };
}

/** The superuser password of every node (root / postgres), as the DSNs carry it. */
export function adminPasswordOf(info: Pick<SandboxInfo, 'dir' | 'nodes'>): string {
  const n = info.nodes[0];
  if (!n) throw new SyncpointError('config', `sandbox in ${info.dir} has no nodes`);
  return decodeURIComponent(new URL(n.dsn).password);
}

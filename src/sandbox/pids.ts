/**
 * Pids of sandbox servers, reread from their pid files: a server restarted outside `sandbox up`
 * (by a clone, or by the clone guardian after the tool was killed) has a new pid, and `status`
 * and `down` must find it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isServerAlive } from './processes.js';
import { readState, resolveDir, writeState } from './state.js';
import type { SandboxNode, SandboxState } from './types.js';

export function pidFromFile(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').split('\n')[0]!.trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Where each engine's server writes its pid in the sandbox layout. */
export function pidFileOf(state: Pick<SandboxState, 'engine'>, n: SandboxNode): string {
  return state.engine === 'mariadb' ? join(n.nodeDir, 'mariadbd.pid') : join(n.dataDir, 'postmaster.pid');
}

export async function syncSandboxPids(dir?: string): Promise<SandboxState | null> {
  const state = await readState(resolveDir(dir));
  if (!state) return null;
  let changed = false;
  for (const n of state.nodes) {
    const pid = pidFromFile(pidFileOf(state, n));
    if (pid !== null && pid !== n.pid && isServerAlive(pid, n.dataDir)) {
      n.pid = pid;
      changed = true;
    }
  }
  if (changed) await writeState(state);
  return state;
}


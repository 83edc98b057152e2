/** "Every replica has what the primary has now": used after setup, after sample data, by tests. */
import { usageError } from '../errors.js';
import { waitMariadbReplicas } from './mariadb-sandbox.js';
import { waitPostgresReplicas } from './postgres-sandbox.js';
import { Deadline } from './node-ops.js';
import { adminPasswordOf } from './state.js';
import type { SandboxInfo, SandboxNode } from './types.js';

export function primaryOf(info: SandboxInfo): SandboxNode {
  const p = info.nodes.find((n) => n.role === 'primary');
  if (!p) throw usageError(`sandbox in ${info.dir} has no primary`);
  return p;
}

export function nodeOf(info: SandboxInfo, name: string): SandboxNode {
  const n = info.nodes.find((x) => x.name === name);
  if (!n) throw usageError(`sandbox in ${info.dir} has no node "${name}" (nodes: ${info.nodes.map((x) => x.name).join(', ')})`);
  return n;
}

/**
 * Waits (bounded) until every replica, standby and subscriber has applied everything the primary
 * had when this was called. Throws a SyncpointError naming the node and its log otherwise.
 */
export async function waitForReplicas(info: SandboxInfo, opts: { timeoutMs?: number } = {}): Promise<void> {
  const deadline = Deadline.in(opts.timeoutMs ?? 60_000);
  const primary = primaryOf(info);
  const others = info.nodes.filter((n) => n.role !== 'primary');
  const password = adminPasswordOf(info);
  if (info.engine === 'mariadb') await waitMariadbReplicas(primary, others, password, deadline);
  else await waitPostgresReplicas(primary, others, password, deadline);
}

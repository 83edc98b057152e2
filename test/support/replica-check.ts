/**
 * For tests that write drift on one replica: tables made on the primary that reach every replica
 * (MariaDB through the binlog; PostgreSQL subscribers get the DDL too), and `syncpoint check` of
 * one replica as JSON, the password taken from the environment.
 */
import { execOnNode, waitForReplicas } from '../../src/sandbox/index.js';
import { cli, splitPassword } from './cli.js';
import { createTablesEverywhere } from './pg-tables.js';
import { withSandbox, type SandboxHandle } from './topology.js';
import type { SandboxEngine } from '../../src/sandbox/index.js';

/** A primary and one writable replica: a MariaDB replica, or a PostgreSQL logical subscriber. */
export function replicaSandbox(engine: SandboxEngine): { sb: SandboxHandle; replica: string } {
  const sb = withSandbox(engine, engine === 'mariadb' ? { replicas: 1 } : { replicas: 0, logical: 1 });
  return { sb, replica: engine === 'mariadb' ? 'replica1' : 'subscriber1' };
}

export async function loadTables(sb: SandboxHandle, ddl: readonly string[], fill: readonly string[]): Promise<void> {
  if (sb.engine === 'mariadb') {
    await execOnNode(sb.info, 'primary', [...ddl, ...fill], { binlog: true });
    await waitForReplicas(sb.info);
  } else {
    await createTablesEverywhere(sb.info, ddl, fill);
  }
}

export function checkReplica<T>(sb: SandboxHandle, replica: string, args: readonly string[]): T {
  const p = splitPassword(sb.primary.dsn);
  const r = splitPassword(sb.node(replica).dsn);
  const env: Record<string, string> = sb.engine === 'postgres' ? { PGPASSWORD: p.pw } : { MYSQL_PWD: p.pw };
  const out = cli(['check', '--primary', p.dsn, '--replica', r.dsn, ...args, '--format', 'json', '--no-history'], env, 180_000);
  try {
    return JSON.parse(out.stdout) as T;
  } catch {
    throw new Error(`no JSON (exit ${out.code}): ${out.stdout.slice(0, 300)} / ${out.stderr.slice(0, 1500)}`);
  }
}

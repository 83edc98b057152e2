/** Helpers for the clone integration tests: is a node replicating, what did a failed clone leave. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectDsn, type SandboxEngine, type SandboxNode } from '../../src/sandbox/index.js';
import { INCOMPLETE_MARKER } from '../../src/clone/phases.js';
import { processesMentioning } from './topology.js';

/** MariaDB: both threads running, no error; PostgreSQL: the WAL receiver streams. */
export async function replicating(engine: SandboxEngine, dsn: string): Promise<boolean> {
  let c;
  try {
    c = await connectDsn(dsn, { connectTimeoutMs: 2000 });
  } catch {
    return false;
  }
  try {
    if (engine === 'mariadb') {
      const s = (await c.query('SHOW SLAVE STATUS'))[0];
      return !!s && s['Slave_IO_Running'] === 'Yes' && s['Slave_SQL_Running'] === 'Yes' && !s['Last_SQL_Error'] && !s['Last_IO_Error'];
    }
    const r = (await c.query('SELECT status FROM pg_stat_wal_receiver'))[0];
    return r?.['status'] === 'streaming';
  } finally {
    await c.close();
  }
}

/** Polls until the node replicates (true) or `ms` passed (false). */
export async function waitReplicating(engine: SandboxEngine, dsn: string, ms = 30_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await replicating(engine, dsn)) return true;
    await sleep(250);
  }
  return replicating(engine, dsn);
}

/** The incomplete marker a failed clone leaves in the target data directory, or null. */
export function markerIn(dataDir: string): { stage: string; error?: string } | null {
  const f = join(dataDir, INCOMPLETE_MARKER);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as { stage: string; error?: string }) : null;
}

/** Live server processes whose command line names this data directory. */
export function serversOn(dataDir: string): number[] {
  return processesMentioning(dataDir);
}

export async function rowCounts(engine: SandboxEngine, node: Pick<SandboxNode, 'dsn'>, tables: readonly string[]): Promise<Record<string, number>> {
  const c = await connectDsn(node.dsn);
  try {
    const out: Record<string, number> = {};
    for (const t of tables) out[t] = Number((await c.query(`SELECT count(*) AS n FROM ${engine === 'mariadb' ? `shop.${t}` : `"shop"."${t}"`}`))[0]!['n']);
    return out;
  } finally {
    await c.close();
  }
}

type Passes = { readonly copyPasses: readonly { readonly whileRunning: boolean; readonly bytes: number; readonly literalBytes: number }[] };

/** Size of the files a clone updated while its source was stopped (whole files, changed or not). */
export function stoppedCopyBytes(m: Passes): number {
  return m.copyPasses.filter((p) => !p.whileRunning).reduce((n, p) => n + p.bytes, 0);
}

/**
 * Data a clone actually wrote to the target while its source was stopped: rsync's literal data
 * (a two-phase delta sends only the changed blocks of a file written since the live pass; a cold
 * copy sends every byte). What two-phase copying shrinks.
 */
export function stoppedLiteralBytes(m: Passes): number {
  return m.copyPasses.filter((p) => !p.whileRunning).reduce((n, p) => n + p.literalBytes, 0);
}

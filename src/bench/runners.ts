/**
 * The two tools under measurement, each as a child process the way a user runs it:
 * `syncpoint check|counts` (the built CLI, peak RSS sampled) and `pt-table-checksum`.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectDsn, type SandboxInfo, type SandboxNode } from '../sandbox/index.js';
import { runChild, type ChildResult } from './child.js';
import { BENCH_SCHEMA } from './dataset.js';

/** The bundled program bin/syncpoint starts, from this build's directory (the build it was made with). */
const CLI = fileURLToPath(new URL('../bundle/entry.js', import.meta.url));

/** A DSN without its password, and the password apart (for MYSQL_PWD / PGPASSWORD / a cnf file). */
export function splitDsn(dsn: string): { dsn: string; password: string } {
  const u = new URL(dsn);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { dsn: u.toString(), password };
}

export interface SyncpointRun {
  readonly ms: number;
  readonly peakRssMb: number;
  readonly verdict: string;
  readonly maxLockMs: number;
  readonly maxReplicaPauseMs: number;
  readonly epochs: number;
  readonly chunks: number;
}

function failure(what: string, r: ChildResult): Error {
  const tail = (r.stderr || r.stdout).trim().split('\n').slice(-5).join(' | ');
  return new Error(`${what} exited with ${r.code ?? r.signal}: ${tail}`);
}

export async function runSyncpoint(info: SandboxInfo, mode: 'check' | 'counts', extraArgs: readonly string[], timeoutMs: number): Promise<SyncpointRun> {
  const nodes = info.nodes;
  const primary = splitDsn(nodes.find((n) => n.role === 'primary')!.dsn);
  const args = [CLI, mode, '--primary', primary.dsn];
  for (const n of nodes.filter((x) => x.role !== 'primary')) args.push('--replica', splitDsn(n.dsn).dsn);
  args.push('--databases', BENCH_SCHEMA, '--format', 'json', '--no-progress', '--log-level', 'error', ...extraArgs);
  // History stays on (a default run records it, and that is part of what is timed), but in the
  // sandbox's own state dir, removed with it, not the user's ~/.local/state.
  const env = { ...process.env, SYNCPOINT_STATE_DIR: join(info.dir, 'bench-state'), [info.engine === 'postgres' ? 'PGPASSWORD' : 'MYSQL_PWD']: primary.password };
  const r = await runChild(process.execPath, args, { env, timeoutMs, rss: true });
  if (r.code !== 0) throw failure(`syncpoint ${mode}`, r);
  const res = JSON.parse(r.stdout) as { verdict: string; sync: { maxLockMs: number; maxReplicaPauseMs: number; epochs: number }; tables: { chunks: number }[] };
  return {
    ms: r.ms,
    peakRssMb: r.peakRssMb ?? NaN,
    verdict: res.verdict,
    maxLockMs: res.sync.maxLockMs,
    maxReplicaPauseMs: res.sync.maxReplicaPauseMs,
    epochs: res.sync.epochs,
    chunks: res.tables.reduce((n, t) => n + t.chunks, 0),
  };
}

export function ptAvailable(): boolean {
  try {
    execFileSync('pt-table-checksum', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * pt-table-checksum needs, on a ROW-format topology: --no-check-binlog-format (it switches its
 * own session to STATEMENT so replicas recompute), and replicas named in a DSN table, since the
 * sandbox's report_host discovery is not what it uses by default. The DSN table lives in a
 * `percona` database on the primary, which replicates; the password stays in a 0600 option file.
 */
export async function preparePt(info: SandboxInfo): Promise<{ dsn: string; recursion: string }> {
  const primary = info.nodes.find((n) => n.role === 'primary')!;
  const { password } = splitDsn(primary.dsn);
  const cnf = join(info.dir, 'bench-pt.cnf');
  writeFileSync(cnf, `[client]\nuser=root\npassword=${password}\n`, { mode: 0o600 });
  const dsnOf = (n: SandboxNode) => `h=127.0.0.1,P=${n.port},F=${cnf}`;
  const c = await connectDsn(primary.dsn);
  try {
    await c.exec('CREATE DATABASE IF NOT EXISTS percona');
    await c.exec('DROP TABLE IF EXISTS percona.dsns');
    await c.exec('CREATE TABLE percona.dsns (id INT AUTO_INCREMENT PRIMARY KEY, parent_id INT NULL, dsn VARCHAR(255) NOT NULL)');
    for (const n of info.nodes.filter((x) => x.role !== 'primary')) await c.exec('INSERT INTO percona.dsns (dsn) VALUES (?)', [dsnOf(n)]);
  } finally {
    await c.close();
  }
  return { dsn: dsnOf(primary), recursion: `dsn=${dsnOf(primary)},D=percona,t=dsns` };
}

export async function runPt(pt: { dsn: string; recursion: string }, timeoutMs: number): Promise<{ ms: number; diffs: number }> {
  const args = [
    '--databases', BENCH_SCHEMA,
    '--no-check-binlog-format',
    '--recursion-method', pt.recursion,
    '--replicate', 'percona.checksums',
    '--no-version-check',
    pt.dsn,
  ];
  const r = await runChild('pt-table-checksum', args, { timeoutMs });
  // Exit status is a bit field: 16 (DIFFS) and the warning bits are results; 1 (ERROR) and 2 (ALREADY_RUNNING) are not.
  if (r.code === null || (r.code & 0b11) !== 0) throw failure('pt-table-checksum', r);
  let diffs = 0;
  let errors = 0;
  for (const line of r.stdout.split('\n')) {
    // TS ERRORS DIFFS ROWS DIFF_ROWS CHUNKS SKIPPED TIME TABLE
    const m = /^\S+\s+(\d+)\s+(\d+)\s+\d+\s+\d+\s+\d+\s+(\d+)\s+[\d.]+\s+\S+$/.exec(line.trim());
    if (m) {
      errors += Number(m[1]);
      diffs += Number(m[2]);
      if (Number(m[3]) > 0) errors++;
    }
  }
  if (errors > 0) throw failure('pt-table-checksum (errors or skipped chunks in its report)', r);
  return { ms: r.ms, diffs };
}

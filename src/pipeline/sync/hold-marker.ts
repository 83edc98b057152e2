/**
 * Hold markers: a file that says "this process is holding these replicas stopped". Written before
 * replica-until stops any replica and removed once every one of them runs again. A process that
 * dies in between (SIGKILL, OOM, power loss of the client host) cannot restart them itself; the
 * next run finds its marker, sees the owner is gone, and restores the replicas it names.
 *
 * The marker holds no credentials: only host:port labels and what was running before the hold.
 * The next run restores a replica only through a connection it was given for that replica.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { stateDir } from '../../history/state-dir.js';

export interface HeldReplica {
  /** host:port, as the run labels the replica. */
  readonly label: string;
  /** IO (receive) thread was running before the hold. */
  readonly receiving: boolean;
  /** SQL (apply) thread was running before the hold. */
  readonly applying: boolean;
}

export interface HoldMarker {
  readonly version: 1;
  readonly pid: number;
  /** The owner's start time (clock ticks since boot, /proc/<pid>/stat field 22): tells a reused pid apart. */
  readonly pidStart: string | null;
  readonly host: string;
  readonly createdAt: string;
  readonly replicas: readonly HeldReplica[];
}

export interface FoundMarker {
  readonly path: string;
  readonly marker: HoldMarker;
}

export { stateDir };

export function holdsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), 'holds');
}

/** Field 22 of /proc/<pid>/stat; null where there is no /proc (the pid alone then decides). */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? null;
  } catch {
    return null;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the marker's owner is certainly gone. A marker from another host is never judged
 * (a shared home directory): its owner may be alive there.
 */
export function ownerIsDead(m: HoldMarker, host = hostname()): boolean {
  if (m.host !== host) return false;
  if (m.pid === process.pid) return false;
  if (!pidAlive(m.pid)) return true;
  const now = processStartTime(m.pid);
  return m.pidStart !== null && now !== null && now !== m.pidStart;
}

/** Write a marker atomically (a reader never sees half a file). */
export function writeHoldMarker(replicas: readonly HeldReplica[], dir = holdsDir()): FoundMarker {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const marker: HoldMarker = {
    version: 1,
    pid: process.pid,
    pidStart: processStartTime(process.pid),
    host: hostname(),
    createdAt: new Date().toISOString(),
    replicas,
  };
  const name = `hold-${process.pid}-${randomBytes(4).toString('hex')}.json`;
  const path = join(dir, name);
  const tmp = join(dir, `.${name}.tmp`);
  writeFileSync(tmp, JSON.stringify(marker, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, path);
  return { path, marker };
}

export function removeHoldMarker(path: string): void {
  rmSync(path, { force: true });
}

/** Replace a marker's replica list (some were restored, the rest still need it). */
export function rewriteHoldMarker(found: FoundMarker, replicas: readonly HeldReplica[]): void {
  if (replicas.length === 0) {
    removeHoldMarker(found.path);
    return;
  }
  const tmp = `${found.path}.tmp`;
  writeFileSync(tmp, JSON.stringify({ ...found.marker, replicas }, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, found.path);
}

function isMarker(v: unknown): v is HoldMarker {
  const m = v as HoldMarker;
  return Boolean(m) && m.version === 1 && Number.isInteger(m.pid) && typeof m.host === 'string' && Array.isArray(m.replicas) &&
    m.replicas.every((r) => typeof r?.label === 'string' && typeof r.receiving === 'boolean' && typeof r.applying === 'boolean');
}

/** Markers whose owner is dead. Unreadable or foreign files are left alone. */
export function orphanedHoldMarkers(dir = holdsDir()): FoundMarker[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: FoundMarker[] = [];
  for (const name of names.filter((n) => /^hold-.*\.json$/.test(n)).sort()) {
    const path = join(dir, name);
    try {
      const marker: unknown = JSON.parse(readFileSync(path, 'utf8'));
      if (isMarker(marker) && ownerIsDead(marker)) out.push({ path, marker });
    } catch {
      /* removed meanwhile, or being written */
    }
  }
  return out;
}

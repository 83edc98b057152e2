/**
 * A server's process, seen from its pid file: the clone stops and restarts servers it did not
 * start, so it learns the pid from the file the server writes (MariaDB/MySQL pid_file, the first
 * line of PostgreSQL's postmaster.pid) and waits for that process to be gone.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export async function readPidFile(path: string): Promise<number | null> {
  try {
    const pid = Number((await readFile(path, 'utf8')).split('\n')[0]!.trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Alive and not a zombie (a zombie has exited; its parent just has not reaped it yet). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    // No /proc (not Linux): kill(0) said it exists.
    return process.platform !== 'linux';
  }
}

/** The process's arguments, [] when unknown. */
export function argvOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** The process's command line, '' when unknown. */
export function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** True when gone within `timeoutMs`. */
export async function waitProcessGone(pid: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (!processAlive(pid)) return true;
    await sleep(50);
  }
  return !processAlive(pid);
}

/** Live processes (not ourselves) whose command line names `path`: a server running on a data directory. */
export function processesNaming(path: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    const pid = Number(e);
    const argv = argvOf(pid);
    if (argv.some((a) => a === path || a.endsWith(`=${path}`) || a === `${path}/` || a.endsWith(`=${path}/`)) && processAlive(pid)) out.push(pid);
  }
  return out;
}

/** The parent pid of `pid` (0 when it cannot be read). */
function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) || 0;
  } catch {
    return 0;
  }
}

/**
 * Database servers (mysqld, mariadbd, postgres) running on the data directory `path`: not a
 * wrapper that names it (mysqld_safe, or timeout/sudo/npx around this very tool), never one of
 * this process's ancestors.
 */
export function serversOn(path: string): number[] {
  const ancestors = new Set<number>();
  for (let p = process.ppid; p > 1 && !ancestors.has(p); p = parentOf(p)) ancestors.add(p);
  return processesNaming(path).filter((pid) => !ancestors.has(pid) && /^(mysqld|mariadbd|postgres|postmaster)$/.test(basename(argvOf(pid)[0] ?? '')));
}

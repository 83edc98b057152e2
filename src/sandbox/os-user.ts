/**
 * PostgreSQL refuses to run as root ("root execution of the PostgreSQL server is not permitted"),
 * so when we are root every PostgreSQL command runs as the `postgres` OS user, and the sandbox
 * directories must be reachable and writable by it.
 */
import { chmod, chown, stat } from 'node:fs/promises';
import { readFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { SyncpointError } from '../errors.js';

export interface OsUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

const PG_OS_USER = 'postgres';

function lookupUser(name: string): OsUser | null {
  let text: string;
  try {
    text = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 7) return { name, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '/' };
  }
  return null;
}

/** The OS user PostgreSQL servers run as: null when we are not root (run as ourselves). */
export function postgresRunAs(): OsUser | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const u = lookupUser(PG_OS_USER);
  if (!u) throw new SyncpointError('config', `running as root, and PostgreSQL servers cannot run as root, but there is no "${PG_OS_USER}" OS user to run them as; create one (useradd --system ${PG_OS_USER}) or run as an ordinary user`);
  return u;
}

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'];
const RUNUSER = ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'];

/**
 * The command line that runs `cmd args` as `user`. setpriv execs in place (the pid we get is the
 * server's own); runuser forks, so with it the server pid must be read from postmaster.pid.
 */
export function asUser(user: OsUser | null, cmd: string, args: string[]): { cmd: string; args: string[]; execsInPlace: boolean } {
  if (!user) return { cmd, args, execsInPlace: true };
  const setpriv = SETPRIV.find((p) => existsSync(p));
  if (setpriv) return { cmd: setpriv, args: [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', cmd, ...args], execsInPlace: true };
  const runuser = RUNUSER.find((p) => existsSync(p));
  if (runuser) return { cmd: runuser, args: ['-u', user.name, '--', cmd, ...args], execsInPlace: false };
  throw new SyncpointError('config', `running as root: need setpriv or runuser (util-linux) to run PostgreSQL as "${user.name}"`);
}

export async function chownTo(user: OsUser | null, path: string): Promise<void> {
  if (user) await chown(path, user.uid, user.gid);
}

/**
 * Every ancestor of `dir` must be searchable by `user`; adds o+x (search only, never read) where
 * it is missing, and says so in the log.
 */
export async function ensureTraversable(user: OsUser | null, dir: string, log: Logger): Promise<void> {
  if (!user) return;
  const chain: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    chain.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of chain.reverse()) {
    const s = await stat(d);
    const ok = s.uid === user.uid ? (s.mode & 0o100) !== 0 : s.gid === user.gid ? (s.mode & 0o010) !== 0 : (s.mode & 0o001) !== 0;
    if (!ok) {
      await chmod(d, (s.mode & 0o7777) | 0o001);
      log.warn({ dir: d }, `added o+x to ${d} so the ${user.name} OS user can reach the sandbox`);
    }
  }
}

/**
 * Finding installed server binaries. Distribution packages put them in places that are not on a
 * plain user's PATH (/usr/sbin/mariadbd, Debian's /usr/lib/postgresql/<major>/bin), so those are
 * searched too.
 */
import { accessSync, constants, existsSync, readdirSync, realpathSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { delimiter, dirname, join } from 'node:path';
import { SyncpointError } from '../errors.js';
import type { SandboxEngine } from './types.js';

export interface MariadbBinaries {
  readonly mariadbd: string;
  readonly installDb: string;
}

export interface PostgresBinaries {
  readonly binDir: string;
  readonly initdb: string;
  readonly postgres: string;
  readonly pgBasebackup: string;
}

const SYSTEM_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/usr/bin', '/usr/local/mysql/bin', '/usr/local/mariadb/bin', '/opt/mariadb/bin', '/usr/libexec'];

function searchDirs(): string[] {
  const fromPath = (process.env['PATH'] ?? '').split(delimiter).filter(Boolean);
  return [...new Set([...fromPath, ...SYSTEM_DIRS])];
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findFirst(names: readonly string[], dirs: readonly string[]): string | null {
  for (const name of names) {
    for (const d of dirs) {
      const p = join(d, name);
      if (executable(p)) return p;
    }
  }
  return null;
}

/** MariaDB's server; `mysqld` counts only when it is MariaDB (Oracle MySQL initializes differently). */
export function findMariadb(): MariadbBinaries | null {
  const dirs = searchDirs();
  const installDb = findFirst(['mariadb-install-db', 'mysql_install_db'], dirs);
  if (!installDb) return null;
  const mariadbd = findFirst(['mariadbd'], dirs);
  if (mariadbd) return { mariadbd, installDb };
  const mysqld = findFirst(['mysqld'], dirs);
  if (mysqld && /mariadb/i.test(versionOf(mysqld, ['--version']) ?? '')) return { mariadbd: mysqld, installDb };
  return null;
}

/** The directory that holds initdb, postgres and pg_basebackup together, newest major first. */
export function findPostgres(): PostgresBinaries | null {
  const candidates: string[] = [];
  for (const d of searchDirs()) {
    const p = join(d, 'initdb');
    if (executable(p)) {
      try {
        candidates.push(dirname(realpathSync(p)));
      } catch {
        /* dangling link */
      }
    }
  }
  for (const root of ['/usr/lib/postgresql', '/usr/pgsql']) {
    if (!existsSync(root)) continue;
    const majors = readdirSync(root).filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...majors.map((v) => join(root, v, 'bin')));
  }
  for (const v of ['17', '16', '15', '14', '13']) candidates.push(`/usr/pgsql-${v}/bin`);
  candidates.push('/usr/local/pgsql/bin');
  for (const binDir of candidates) {
    const initdb = join(binDir, 'initdb');
    const postgres = join(binDir, 'postgres');
    const pgBasebackup = join(binDir, 'pg_basebackup');
    if (executable(initdb) && executable(postgres) && executable(pgBasebackup)) return { binDir, initdb, postgres, pgBasebackup };
  }
  return null;
}

/** Engines whose server binaries are installed here, MariaDB first. */
export function installedEngines(): SandboxEngine[] {
  const out: SandboxEngine[] = [];
  if (findMariadb()) out.push('mariadb');
  if (findPostgres()) out.push('postgres');
  return out;
}

export function defaultEngine(): SandboxEngine {
  const engines = installedEngines();
  if (engines.length === 0) {
    throw new SyncpointError('config', 'no MariaDB (mariadbd + mariadb-install-db) or PostgreSQL (initdb, postgres, pg_basebackup) server binaries found on PATH, in /usr/sbin or /usr/lib/postgresql/*/bin; Debian: apt-get install mariadb-server postgresql');
  }
  return engines[0]!;
}

export function requireMariadb(): MariadbBinaries {
  const b = findMariadb();
  if (!b) throw new SyncpointError('config', 'MariaDB server binaries not found (mariadbd or a MariaDB mysqld, plus mariadb-install-db) on PATH or in /usr/sbin, /usr/local/bin; Debian: apt-get install mariadb-server');
  return b;
}

export function requirePostgres(): PostgresBinaries {
  const b = findPostgres();
  if (!b) throw new SyncpointError('config', 'PostgreSQL server binaries not found (initdb, postgres, pg_basebackup) on PATH or in /usr/lib/postgresql/*/bin; Debian: apt-get install postgresql');
  return b;
}

/** First line of `<bin> --version`, or null. */
export function versionOf(bin: string, args: string[] = ['--version']): string | null {
  try {
    return execFileSync(bin, args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0]!.trim();
  } catch {
    return null;
  }
}

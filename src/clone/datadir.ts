/**
 * Data-directory facts and file work: emptiness, size, free space, symlinks leading out,
 * recently modified files (two-phase), the incomplete marker, ownership of files we add.
 */
import { chown, lstat, mkdir, readdir, readlink, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';

export type DirState = 'absent' | 'empty' | 'non-empty';

export async function dirState(dir: string): Promise<DirState> {
  try {
    const entries = await readdir(dir);
    return entries.length === 0 ? 'empty' : 'non-empty';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'absent';
    throw err;
  }
}

/** `child` is `parent` or lies below it (both absolute, normalized). */
export function isInside(child: string, parent: string): boolean {
  const rel = relative(resolve(parent), resolve(child));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Bytes and regular files below `dir` (symlinks are not followed: rsync copies them as links). */
export async function dirSize(dir: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (err) {
      // A file that vanished while a running server was being measured.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        try {
          bytes += (await lstat(p)).size;
          files++;
        } catch {
          /* vanished */
        }
      }
    }
  };
  await walk(dir);
  return { bytes, files };
}

/** Free bytes for an unprivileged writer on the filesystem that holds `path` (or its nearest existing ancestor). */
export async function freeBytes(path: string): Promise<number> {
  for (let p = resolve(path); ; p = dirname(p)) {
    try {
      const s = await statfs(p);
      return s.bavail * s.bsize;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(p) === p) throw err;
    }
  }
}

export interface OutgoingLink {
  /** Relative to the data directory. */
  readonly path: string;
  /** Absolute target the link resolves to. */
  readonly target: string;
}

/** Symlinks below `dir` whose target lies outside it (PostgreSQL tablespaces, a pg_wal elsewhere, MyISAM DATA DIRECTORY). */
export async function outgoingSymlinks(dir: string, maxDepth = 4): Promise<OutgoingLink[]> {
  const out: OutgoingLink[] = [];
  const walk = async (d: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isSymbolicLink()) {
        const raw = await readlink(p);
        const target = resolve(dirname(p), raw);
        if (!isInside(target, dir)) out.push({ path: relative(dir, p), target });
      } else if (e.isDirectory() && depth < maxDepth) await walk(p, depth + 1);
    }
  };
  await walk(dir, 0);
  return out;
}

/**
 * Regular files below `dir` modified at or after `sinceMs`. Used on the *target* after the live
 * passes: a file whose copy is that recent may have been written again within the same
 * timestamp tick after rsync read it, which rsync's size+mtime check cannot see, so it is copied
 * again unconditionally while the source is stopped.
 */
export async function filesModifiedSince(dir: string, sinceMs: number, skip: ReadonlySet<string> = new Set()): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      const rel = relative(dir, p);
      if (skip.has(rel)) continue;
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        try {
          if ((await lstat(p)).mtimeMs >= sinceMs) out.push(rel);
        } catch {
          /* vanished */
        }
      }
    }
  };
  await walk(dir);
  return out.sort();
}

/** Owner of `path` (the server's OS user, for a data directory). */
export async function ownerOf(path: string): Promise<{ uid: number; gid: number } | null> {
  try {
    const s = await stat(path);
    return { uid: s.uid, gid: s.gid };
  } catch {
    return null;
  }
}

/**
 * Writes a file the server will find in its data directory, owned like the directory: PostgreSQL
 * tools (pg_basebackup from this standby later) must be able to read every file there.
 */
export async function writeOwnedFile(path: string, content: string, mode = 0o600): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content, { mode });
  const owner = await ownerOf(dirname(path));
  if (owner && typeof process.getuid === 'function' && process.getuid() === 0) await chown(path, owner.uid, owner.gid).catch(() => undefined);
}

export async function removeIfPresent(path: string): Promise<boolean> {
  try {
    await lstat(path);
  } catch {
    return false;
  }
  await rm(path, { recursive: true, force: true });
  return true;
}

export function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

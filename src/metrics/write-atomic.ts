/**
 * Replace a file so that a reader (the node_exporter textfile collector scraping every few
 * seconds) sees the old or the new content, never half of one: write a temp file in the same
 * directory (rename is atomic only within a file system), fsync it, rename it over the target,
 * fsync the directory. The temp name does not end in .prom, so the collector never reads it.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { configError } from '../errors.js';

export function writeFileAtomic(path: string, content: string): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', 0o644);
  } catch (err) {
    throw configError(`cannot write ${path}: ${(err as Error).message}`);
  }
  try {
    const buf = Buffer.from(content);
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      /* closed already */
    }
    rmSync(tmp, { force: true });
    throw configError(`cannot write ${path}: ${(err as Error).message}`);
  }
  try {
    const d = openSync(dir, 'r');
    try {
      fsyncSync(d);
    } finally {
      closeSync(d);
    }
  } catch {
    // some file systems refuse fsync on a directory; the rename itself has happened
  }
}

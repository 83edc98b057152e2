import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireRunLock, lockFileFor, RunLockedError, takeOverStale, withRunLock } from '../../../src/ops/run-lock.js';
import { EXIT, exitCodeForError, exitCodeForVerdict } from '../../../src/cli/exit-codes.js';

const dirs: string[] = [];
function env(): NodeJS.ProcessEnv {
  const d = mkdtempSync(join(tmpdir(), 'syncpoint-lock-'));
  dirs.push(d);
  return { SYNCPOINT_STATE_DIR: d };
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('run lock', () => {
  it('one holder at a time; the second is told who holds it; released after', () => {
    const e = env();
    const lock = acquireRunLock('db1:3306', 'syncpoint check --primary db1:3306', e);
    const held = JSON.parse(readFileSync(lock.path, 'utf8')) as { pid: number; host: string };
    expect(held).toMatchObject({ pid: process.pid, host: hostname() });
    let err: unknown;
    try {
      acquireRunLock('db1:3306', 'second', e);
    } catch (x) {
      err = x;
    }
    expect(err).toBeInstanceOf(RunLockedError);
    expect((err as Error).message).toMatch(new RegExp(`holds the lock for db1:3306: pid ${process.pid} on ${hostname()}, started \\d{4}-`));
    // Nothing was checked: could not complete (the contract has no other code for it).
    expect(exitCodeForError(err)).toBe(EXIT.INCOMPLETE);
    // Another cluster is not blocked.
    acquireRunLock('db2:3306', 'other', e).release();
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
    acquireRunLock('db1:3306', 'third', e).release();
  });

  it('a lock left by a dead process is stale and taken over', async () => {
    const e = env();
    const path = lockFileFor('db1:3306', e);
    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    await withRunLock('db1:3306', 'probe', async () => undefined, e); // creates the directory
    writeFileSync(path, JSON.stringify({ pid: dead, host: hostname(), startedAt: '2026-01-01T00:00:00Z', key: 'db1:3306', command: 'killed', procStart: null }));
    const result = await withRunLock('db1:3306', 'next', async () => JSON.parse(readFileSync(path, 'utf8')) as { pid: number }, e);
    expect(result.pid).toBe(process.pid);
    expect(existsSync(path)).toBe(false);
  });

  it('two runs that found the same dead owner: the slower one does not remove the faster one\'s fresh lock', async () => {
    const e = env();
    const path = lockFileFor('db1:3306', e);
    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    await withRunLock('db1:3306', 'probe', async () => undefined, e);
    const stale = { pid: dead, host: hostname(), startedAt: '2026-01-01T00:00:00Z', key: 'db1:3306', command: 'killed', procStart: null };
    // The faster run took over already: the file is its (live) lock, the slower one still thinks "stale".
    const fast = acquireRunLock('db1:3306', 'fast', e);
    takeOverStale(path, stale);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid, command: 'fast' });
    expect(() => acquireRunLock('db1:3306', 'slow', e)).toThrow(RunLockedError);
    fast.release();
    // The stale file itself is removed, and nothing is left aside.
    writeFileSync(path, JSON.stringify(stale));
    takeOverStale(path, stale);
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(join(path, '..')).filter((f) => f.endsWith('.stale'))).toEqual([]);
  });

  it('a recycled pid (same pid, other process start time) is not the owner', async () => {
    const e = env();
    const path = lockFileFor('db1:3306', e);
    await withRunLock('db1:3306', 'probe', async () => undefined, e);
    writeFileSync(path, JSON.stringify({ pid: process.pid, host: hostname(), startedAt: '2026-01-01T00:00:00Z', key: 'db1:3306', command: 'old', procStart: '1' }));
    const ok = existsSync('/proc/self/stat');
    if (ok) await expect(withRunLock('db1:3306', 'next', async () => 'ran', e)).resolves.toBe('ran');
    else await expect(withRunLock('db1:3306', 'next', async () => 'ran', e)).rejects.toBeInstanceOf(RunLockedError);
  });

  it('the lock is released when the run throws', async () => {
    const e = env();
    await expect(withRunLock('k', 'c', async () => { throw new Error('boom'); }, e)).rejects.toThrow('boom');
    expect(existsSync(lockFileFor('k', e))).toBe(false);
  });

  it('a lock held elsewhere is no verdict of its own: the exit codes are 0 to 3 only', () => {
    expect(() => exitCodeForVerdict('locked')).toThrow(/no exit code/);
    expect(Object.values(EXIT).sort()).toEqual([0, 1, 2, 3]);
  });
});

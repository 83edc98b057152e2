/**
 * The copy engine on real files (rsync, no servers): stats, excludes protecting the clone's own
 * files, and two-phase's re-copy of files written in the same timestamp tick as their copy.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveCloneOptions } from '../../../src/api/clone.js';
import type { CloneAdapter } from '../../../src/clone/adapters/adapter.js';
import { CloneContext } from '../../../src/clone/context.js';
import { INCOMPLETE_MARKER } from '../../../src/clone/phases.js';
import { parseRsyncStats, parseTransferred, rsyncArgs } from '../../../src/clone/rsync.js';
import { which } from '../../../src/clone/shell.js';
import { copyLive, copyStopped } from '../../../src/clone/steps/copy.js';
import { silentLogger } from '../../../src/log.js';

describe('rsync output and arguments', () => {
  it('reads the transferred bytes and files, thousands separators included', () => {
    const out = 'Number of regular files transferred: 1,204\nTotal file size: 3,000,000 bytes\nTotal transferred file size: 2,500,123 bytes\n';
    expect(parseRsyncStats(`${out}Literal data: 12,345 bytes\n`)).toEqual({ bytes: 2500123, literalBytes: 12345, files: 1204 });
    expect(parseRsyncStats('')).toEqual({ bytes: 0, literalBytes: 0, files: 0 });
    expect(parseTransferred('XFER\t8192\tbase/1/123\nXFER\t4096\tbase/\nother line\nXFER\t33554432\tib_logfile0\n')).toEqual([{ path: 'base/1/123', bytes: 8192 }, { path: 'ib_logfile0', bytes: 33554432 }]);
  });

  it('copies contents (trailing slashes), archive mode with numeric ids, anchored excludes', () => {
    const args = rsyncArgs('/src/data/', '/dst/data', { excludes: ['/postmaster.pid'], delete: true, bwlimitKBps: 500 });
    expect(args).toEqual(['-a', '-H', '--numeric-ids', '--stats', '--delete', '--bwlimit=500', '--exclude=/postmaster.pid', '/src/data/', '/dst/data/']);
    expect(rsyncArgs('/a', '/b', { excludes: [], onlyFiles: ['SQL_LOAD-*'], delete: false, bwlimitKBps: null })).toEqual(['-a', '-H', '--numeric-ids', '--stats', '--include=SQL_LOAD-*', '--exclude=*', '/a/', '/b/']);
  });
});

const haveRsync = which('rsync') !== null;

describe.skipIf(!haveRsync)('copy passes on real files', () => {
  let root: string;
  let src: string;
  let dst: string;
  const adapter = { engine: 'mariadb', copyExcludes: ['/*.pid'], outsideDirs: [] } as unknown as CloneAdapter;

  function ctxFor(copyMethod: 'cold' | 'two-phase'): CloneContext {
    const opts = resolveCloneOptions({ source: 'mysql://root@127.0.0.1:3307/', target: 'mysql://127.0.0.1:3308/', targetDatadir: dst, copyMethod, log: silentLogger, guardian: false });
    const ctx = new CloneContext(opts, silentLogger, { file: join(root, 'clone.log') });
    ctx.adapter = adapter;
    ctx.sourceDatadir = src;
    return ctx;
  }

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'syncpoint-copy-test-'));
    src = join(root, 'src');
    dst = join(root, 'dst', 'data');
    mkdirSync(join(src, 'db1'), { recursive: true });
    writeFileSync(join(src, 'ibdata1'), 'A'.repeat(4096));
    writeFileSync(join(src, 'db1', 't.ibd'), 'B'.repeat(8192));
    writeFileSync(join(src, 'server.pid'), '123');
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('cold: copies everything but runtime files, marks the target, counts the bytes', async () => {
    const ctx = ctxFor('cold');
    const detail = await copyStopped(ctx);
    expect(readFileSync(join(dst, 'db1', 't.ibd'), 'utf8')).toBe('B'.repeat(8192));
    expect(existsSync(join(dst, 'server.pid'))).toBe(false);
    expect(existsSync(join(dst, INCOMPLETE_MARKER))).toBe(true);
    expect(ctx.copyPasses).toHaveLength(1);
    expect(ctx.copyPasses[0]!.bytes).toBe(4096 + 8192);
    expect(detail).toMatch(/while stopped/);
  });

  it('--delete removes what the source lost but never the marker', async () => {
    const ctx = ctxFor('cold');
    writeFileSync(join(root, 'keep'), '');
    mkdirSync(dst, { recursive: true });
    writeFileSync(join(dst, 'stale.ibd'), 'old');
    await copyStopped(ctx);
    expect(existsSync(join(dst, 'stale.ibd'))).toBe(false);
    expect(existsSync(join(dst, INCOMPLETE_MARKER))).toBe(true);
  });

  it('two-phase: a file rewritten with the same size and mtime right after its copy is copied again while stopped', async () => {
    const ctx = ctxFor('two-phase');
    // An old file, untouched since long before the copy began: not suspect.
    writeFileSync(join(src, 'old.ibd'), 'O'.repeat(100));
    const longAgo = new Date(Date.now() - 3600_000);
    utimesSync(join(src, 'old.ibd'), longAgo, longAgo);
    await copyLive(ctx);
    expect(readFileSync(join(dst, 'db1', 't.ibd'), 'utf8')).toBe('B'.repeat(8192));
    // The server writes again within the same timestamp tick: same size, same mtime. rsync's
    // size+mtime check cannot see it; only the re-copy of recently written files does.
    const before = statSync(join(src, 'db1', 't.ibd'));
    writeFileSync(join(src, 'db1', 't.ibd'), 'C'.repeat(8192));
    utimesSync(join(src, 'db1', 't.ibd'), before.atime, before.mtime);
    writeFileSync(join(src, 'new.ibd'), 'N');
    // Removed by the server meanwhile (a temporary tablespace): neither an error nor kept.
    rmSync(join(src, 'ibdata1'));
    const detail = await copyStopped(ctx);
    expect(readFileSync(join(dst, 'db1', 't.ibd'), 'utf8')).toBe('C'.repeat(8192));
    expect(readFileSync(join(dst, 'new.ibd'), 'utf8')).toBe('N');
    expect(existsSync(join(dst, 'ibdata1'))).toBe(false);
    expect(detail).toMatch(/recently written file\(s\) re-checked/);
    expect(ctx.copyPasses.map((p) => p.whileRunning)).toEqual([true, false, false]);
    // The old file was not among the forced ones.
    expect(ctx.copyPasses[1]!.files).toBeLessThan(4);
  });
});

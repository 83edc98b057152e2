/**
 * Pins a bug: with --copy-method command, directories mapped with --copy-dir (InnoDB redo and undo,
 * a pg_wal or tablespaces outside the data directory) were never copied: the target came up
 * without them. They are copied after the command, while the source is still stopped.
 * A filesystem test (rsync and a shell command on temporary directories), no server.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveCloneOptions } from '../../../src/api/clone.js';
import type { CloneAdapter } from '../../../src/clone/adapters/adapter.js';
import { CloneContext } from '../../../src/clone/context.js';
import { copyStopped } from '../../../src/clone/steps/copy.js';
import { silentLogger } from '../../../src/log.js';

const adapter = { engine: 'mariadb', copyExcludes: [], outsideDirs: [{ what: 'InnoDB redo log (innodb_log_group_home_dir)', path: '', required: true }] } as unknown as CloneAdapter;

describe('copy with --copy-method command', () => {
  let root = '';
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('copies the --copy-dir directories too, after the command', async () => {
    root = mkdtempSync(join(tmpdir(), 'sp-copycmd-'));
    const src = join(root, 'src');
    const redo = join(root, 'redo');
    mkdirSync(src);
    mkdirSync(redo);
    writeFileSync(join(src, 'ibdata1'), 'data');
    writeFileSync(join(redo, 'ib_logfile0'), 'redo');
    const target = join(root, 't', 'data');
    const opts = resolveCloneOptions({
      source: 'mysql://root@127.0.0.1:3307/', target: 'mysql://127.0.0.1:3308/', targetDatadir: target, sourceStart: 'true', targetStart: 'true', log: silentLogger,
      copyMethod: 'command', copyCommand: `cp -a '${src}/.' '${target}/'`, copyDirs: [`${redo}=${join(root, 't', 'redo')}`],
    });
    const ctx = new CloneContext(opts, silentLogger, { file: join(root, 'clone.log') });
    ctx.adapter = adapter;
    ctx.sourceDatadir = src;
    const said = await copyStopped(ctx);
    expect(readFileSync(join(target, 'ibdata1'), 'utf8')).toBe('data');
    expect(existsSync(join(root, 't', 'redo', 'ib_logfile0')), said).toBe(true);
    expect(said).toMatch(/from 1 --copy-dir directory/);
  });
});

/** clone option validation: usage errors for bad input, credentials inherited, secrets never enumerable. */
import { describe, expect, it } from 'vitest';
import { resolveCloneOptions, targetSpec } from '../../../src/api/clone.js';
import { parseDsn } from '../../../src/config/dsn.js';
import { SyncpointError } from '../../../src/errors.js';

const base = { source: 'mysql://root:s3cret@127.0.0.1:3307/', target: 'mysql://127.0.0.1:3308/', targetDatadir: '/tmp/x/data' };

function usage(fn: () => unknown, match: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SyncpointError);
    expect((err as SyncpointError).kind).toBe('usage');
    expect((err as Error).message).toMatch(match);
    return;
  }
  throw new Error('expected a usage error');
}

describe('resolveCloneOptions', () => {
  it('applies the defaults', () => {
    const o = resolveCloneOptions(base);
    expect(o).toMatchObject({ copyMethod: 'cold', verify: true, dryRun: false, force: false, guardian: true, targetServerId: null, copyDirs: [], bwlimitKBps: null });
    expect(o.tempTableTimeoutMs).toBe(300_000);
    expect(o.targetDatadir).toBe('/tmp/x/data');
  });

  it('refuses bad values with one clear usage error each', () => {
    usage(() => resolveCloneOptions({ ...base, copyMethod: 'hot' as never }), /--copy-method must be cold, two-phase, command/);
    usage(() => resolveCloneOptions({ ...base, targetServerId: 0 }), /--target-server-id/);
    usage(() => resolveCloneOptions({ ...base, targetServerId: 2 ** 32 }), /--target-server-id/);
    usage(() => resolveCloneOptions({ ...base, targetServerId: 1.5 }), /--target-server-id/);
    usage(() => resolveCloneOptions({ ...base, bwlimitKBps: -1 }), /--bwlimit/);
    usage(() => resolveCloneOptions({ ...base, copyDirs: ['/a'] }), /expected SRC=DST/);
    usage(() => resolveCloneOptions({ ...base, copyDirs: ['relative=/b'] }), /absolute/);
    usage(() => resolveCloneOptions({ ...base, copyDirs: ['/a=/a'] }), /the same/);
    usage(() => resolveCloneOptions({ ...base, targetSettings: ['port'] }), /NAME=VALUE/);
    usage(() => resolveCloneOptions({ ...base, targetSettings: ["x'y=1"] }), /invalid setting name/);
    usage(() => resolveCloneOptions({ ...base, tempTableTimeoutMs: 0 }), /--temp-table-timeout/);
    usage(() => resolveCloneOptions({ ...base, source: 'oracle://x' }), /unsupported scheme/);
    usage(() => resolveCloneOptions({ ...base, targetDatadir: '' }), /--target-datadir is required/);
  });

  it('parses --copy-dir and --target-setting', () => {
    const o = resolveCloneOptions({ ...base, copyDirs: ['/var/lib/redo=/srv/redo2', { from: '/u1', to: '/u2' }], targetSettings: ['unix_socket_directories=/run/pg2', 'cluster_name=a=b'] });
    expect(o.copyDirs).toEqual([{ from: '/var/lib/redo', to: '/srv/redo2' }, { from: '/u1', to: '/u2' }]);
    expect(o.targetSettings).toEqual([['unix_socket_directories', '/run/pg2'], ['cluster_name', 'a=b']]);
  });

  it('keeps the replication password out of enumeration and JSON', () => {
    const o = resolveCloneOptions({ ...base, replUser: 'repl', replPassword: 'r3pl-pw' });
    expect(o.replPassword).toBe('r3pl-pw');
    expect(Object.keys(o)).not.toContain('replPassword');
    const json = JSON.stringify(o, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
    expect(json).not.toContain('r3pl-pw');
    expect(json).not.toContain('s3cret');
  });

  it('takes the replication password from SYNCPOINT_REPL_PASSWORD when a user is given', () => {
    const before = process.env['SYNCPOINT_REPL_PASSWORD'];
    process.env['SYNCPOINT_REPL_PASSWORD'] = 'from-env';
    try {
      expect(resolveCloneOptions({ ...base, replUser: 'repl' }).replPassword).toBe('from-env');
      expect(resolveCloneOptions(base).replPassword).toBeNull();
    } finally {
      if (before === undefined) delete process.env['SYNCPOINT_REPL_PASSWORD'];
      else process.env['SYNCPOINT_REPL_PASSWORD'] = before;
    }
  });
});

describe('targetSpec', () => {
  const source = parseDsn('mysql://admin:pw1@127.0.0.1:3307/', { env: {}, home: '/nonexistent' });

  it("borrows the source's user and password when the target names none (the copy has the same accounts)", () => {
    const t = targetSpec('mysql://127.0.0.1:3308/', source);
    expect(t.user).toBe('admin');
    expect(t.password).toBe('pw1');
    expect(t.port).toBe(3308);
    expect(JSON.stringify(t)).not.toContain('pw1');
  });

  it('keeps what the target names', () => {
    const t = targetSpec('mysql://other:pw2@127.0.0.1:3308/', source);
    expect(t.user).toBe('other');
    expect(t.password).toBe('pw2');
  });

  it('borrows only the password when only the user is named', () => {
    const t = targetSpec('mysql://other@127.0.0.1:3308/', source);
    expect(t.user).toBe('other');
    expect(t.password).toBe('pw1');
  });
});

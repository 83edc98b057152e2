/** The dry-run plan (step order per copy method, redaction) and the manifest's shape, from a context without servers. */
import { describe, expect, it } from 'vitest';
import { resolveCloneOptions, type CloneApiOptions } from '../../../src/api/clone.js';
import type { CloneAdapter } from '../../../src/clone/adapters/adapter.js';
import { CloneContext } from '../../../src/clone/context.js';
import { buildManifest, formatRecorded } from '../../../src/clone/manifest-build.js';
import { buildPlan } from '../../../src/clone/plan.js';
import { silentLogger } from '../../../src/log.js';

const fakeAdapter = { engine: 'mariadb', serverVersion: '10.11.19-MariaDB', sourceLabel: '127.0.0.1:3307', primaryLabel: '127.0.0.1:3306', sourceServerId: 2, replicationMode: 'gtid', copyExcludes: [], outsideDirs: [], sourcePidFile: '/x/mariadbd.pid', describe: () => ({ quiesce: ['q'], restart: ['r'], prepare: ['p'], start: ['s'] }) } as unknown as CloneAdapter;

function ctxFor(extra: Partial<CloneApiOptions> = {}): CloneContext {
  const opts = resolveCloneOptions({ source: 'mysql://root:s3cret@127.0.0.1:3307/', target: 'mysql://127.0.0.1:3308/', targetDatadir: '/tmp/t/data', sourceStart: 'start-src', targetStart: 'start-tgt', log: silentLogger, ...extra });
  const ctx = new CloneContext(opts, silentLogger, { file: '/tmp/t/data.clone.log' });
  ctx.adapter = fakeAdapter;
  ctx.sourceDatadir = '/var/lib/mysql';
  ctx.datadirBytes = 5 * 1024 * 1024;
  return ctx;
}

const order = (ctx: CloneContext) => buildPlan(ctx).map((s) => `${s.step}:${s.name}`);

describe('the plan', () => {
  it('cold: the issue numbering, in order', () => {
    expect(order(ctxFor())).toEqual(['1:preconditions', '2:quiesce', '3:copy', '4:restart-source', '5:prepare-target', '6:start-target', '7:verify', '8:manifest']);
  });

  it('two-phase: the first copy pass runs before the quiesce', () => {
    expect(order(ctxFor({ copyMethod: 'two-phase' }))).toEqual(['1:preconditions', '3:copy-live', '2:quiesce', '3:copy', '4:restart-source', '5:prepare-target', '6:start-target', '7:verify', '8:manifest']);
  });

  it('command with --copy-from: the snapshot is copied after the source is back', () => {
    const plan = buildPlan(ctxFor({ copyMethod: 'command', copyCommand: 'lvcreate -s -n snap vg/data', copyFrom: '/mnt/snap', copyCleanup: 'lvremove -f vg/snap' }));
    expect(plan.map((s) => s.name)).toEqual(['preconditions', 'quiesce', 'copy', 'restart-source', 'copy-snapshot', 'prepare-target', 'start-target', 'verify', 'manifest']);
    expect(plan.find((s) => s.name === 'copy')!.actions[0]).toBe('run: lvcreate -s -n snap vg/data');
    expect(plan.find((s) => s.name === 'copy-snapshot')!.actions.join(' ')).toMatch(/rsync .* \/mnt\/snap\/ \/tmp\/t\/data\/.*lvremove/);
  });

  it('names the rsync, the size, the manifest; --no-verify skips verification', () => {
    const plan = buildPlan(ctxFor({ verify: false, bwlimitKBps: 1000, manifestFile: '/tmp/m.json' }));
    expect(plan.find((s) => s.name === 'copy')!.actions[0]).toBe('rsync -aH --numeric-ids --delete --bwlimit=1000 /var/lib/mysql/ /tmp/t/data/ (5.0 MiB)');
    expect(plan.find((s) => s.name === 'verify')!.actions).toEqual(['skipped (--no-verify)']);
    expect(plan.find((s) => s.name === 'manifest')!.actions[0]).toBe('write /tmp/m.json');
  });

  it('never shows a password that a command line carries in a DSN', () => {
    const plan = buildPlan(ctxFor({ copyMethod: 'command', copyCommand: 'backup --from mysql://root:hunter2@db1/ --to /x' }));
    const text = JSON.stringify(plan);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('s3cret');
  });
});

describe('the manifest', () => {
  it('has every field the issue asks for, downtime from the recorded times, and no password', () => {
    const ctx = ctxFor({ copyMethod: 'two-phase' });
    ctx.recorded = { kind: 'mariadb-gtid', file: 'mariadb-bin.000001', pos: '2525', gtid: '0-1-13' };
    ctx.copyPasses.push({ name: 'live pass 1', whileRunning: true, bytes: 1000, literalBytes: 1000, files: 3, durationMs: 50 }, { name: 'stopped pass', whileRunning: false, bytes: 10, literalBytes: 4, files: 1, durationMs: 5 });
    Object.assign(ctx.times, { replicationPausedAt: 1000, shutdownRequestedAt: 1100, sourceGoneAt: 1300, sourceStartRequestedAt: 1400, sourceBackAt: 1900, replicationResumedAt: 1900, catchUpMs: 700 });
    ctx.targetServerId = 3;
    ctx.verification = { verdict: 'consistent', tables: 5, driftTables: [], durationMs: 1200 };
    ctx.steps.push({ step: 1, name: 'preconditions', status: 'done', startedAt: new Date().toISOString(), durationMs: 12 });
    const m = buildManifest(ctx, 'consistent', true);
    expect(m).toMatchObject({
      schemaVersion: 1,
      kind: 'syncpoint-clone-manifest',
      complete: true,
      verdict: 'consistent',
      engine: 'mariadb',
      source: { address: '127.0.0.1:3307', datadir: '/var/lib/mysql', serverId: 2 },
      primary: { address: '127.0.0.1:3306' },
      target: { address: '127.0.0.1:3308', datadir: '/tmp/t/data', serverId: 3 },
      position: { kind: 'mariadb-gtid', gtid: '0-1-13', file: 'mariadb-bin.000001', pos: '2525' },
      replicationMode: 'gtid',
      copyMethod: 'two-phase',
      bytesCopied: 1010,
      bytesSent: 1004,
      sourceDowntimeMs: 800,
      sourceDowntime: { shutdownMs: 200, stoppedCopyMs: 100, restartMs: 500 },
      replicationPausedMs: 900,
      catchUpMs: 700,
      verification: { verdict: 'consistent', tables: 5 },
    });
    expect(m.steps).toHaveLength(1);
    expect(typeof m.durationMs).toBe('number');
    expect(JSON.stringify(m)).not.toContain('s3cret');
  });

  it('a failed clone says where and why, and has no downtime when the source never stopped', () => {
    const ctx = ctxFor();
    const m = buildManifest(ctx, 'incomplete', false, { error: 'boom', step: 'quiesce' });
    expect(m).toMatchObject({ complete: false, verdict: 'incomplete', error: 'boom', failedStep: 'quiesce', sourceDowntimeMs: null, sourceDowntime: null, position: null });
  });

  it('formats recorded positions for people', () => {
    expect(formatRecorded({ kind: 'pg-lsn', lsn: '0/3000148', timeline: 1 })).toBe('LSN 0/3000148 on timeline 1');
    expect(formatRecorded({ kind: 'binlog-file-pos', file: 'b.000002', pos: '4' })).toBe('b.000002:4');
    expect(formatRecorded({ kind: 'mariadb-gtid', file: 'b.000002', pos: '4', gtid: '0-1-9' })).toBe('GTID 0-1-9 (b.000002:4)');
    expect(formatRecorded(null)).toBe('nothing');
  });
});

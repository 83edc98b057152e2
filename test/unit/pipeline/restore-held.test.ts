/**
 * restoreOrphanedHolds' decisions, given what a replica reports. The servers' side (START SLAVE
 * really restarting a replica a killed run left stopped) is covered by check-interrupt.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine, Session } from '../../../src/engine/engine.js';
import type { ReplicaStatus } from '../../../src/engine/types.js';
import { silentLogger } from '../../../src/log.js';
import type { HeldReplica, HoldMarker } from '../../../src/pipeline/sync/hold-marker.js';
import { restoreOrphanedHolds } from '../../../src/pipeline/sync/restore-held.js';

function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

const status = (over: Partial<ReplicaStatus>): ReplicaStatus => ({
  kind: 'binlog', receiving: true, applying: true, lastError: null, lagSeconds: 0, executed: null,
  sourceHost: null, sourcePort: null, openTempTables: null, paused: false, subscriptions: [], ...over,
});

/** A replica whose status changes when started, recording the starts. */
function replica(label: string, before: ReplicaStatus | null, afterStart: ReplicaStatus = status({})) {
  let current = before;
  const calls: string[] = [];
  const engine = {
    replication: {
      replicaStatus: async () => current,
      startApply: async () => {
        calls.push('startApply');
        current = afterStart;
      },
    },
  } as unknown as Engine;
  return { r: { label, engine, control: {} as Session }, calls };
}

describe('restoring replicas a killed run held', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sp-restore-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function orphan(replicas: HeldReplica[], pid = deadPid()): void {
    const m: HoldMarker = { version: 1, pid, pidStart: null, host: hostname(), createdAt: '2026-01-01T00:00:00Z', replicas };
    writeFileSync(join(dir, `hold-${pid}-x.json`), JSON.stringify(m));
  }
  const held = (label: string, running = true): HeldReplica => ({ label, receiving: running, applying: running });

  it('restarts a replica that was running and is stopped without an error, then removes the marker', async () => {
    const a = replica('a:1', status({ receiving: false, applying: false }));
    orphan([held('a:1')]);
    const notes = await restoreOrphanedHolds([a.r], silentLogger, dir);
    expect(a.calls).toEqual(['startApply']);
    expect(notes.join()).toMatch(/a:1: replication left stopped by a killed run was restarted/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('restarts without the UNTIL a replica a killed run left running towards its sync position (it would stop there by itself)', async () => {
    const a = replica('a:1', status({ applyUntil: 'Master' }));
    orphan([held('a:1')]);
    const notes = await restoreOrphanedHolds([a.r], silentLogger, dir);
    expect(a.calls).toEqual(['startApply']);
    expect(notes.join()).toMatch(/a:1: replication left running UNTIL Master by a killed run was restarted without it/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('leaves alone a replica that runs, one with a replication error, and one that was not running before', async () => {
    const running = replica('a:1', status({}));
    const broken = replica('b:2', status({ applying: false, lastError: 'SQL thread error 1062: Duplicate entry' }));
    const wasStopped = replica('c:3', status({ receiving: false, applying: false }));
    orphan([held('a:1'), held('b:2'), held('c:3', false)]);
    const notes = await restoreOrphanedHolds([running.r, broken.r, wasStopped.r], silentLogger, dir);
    expect([running.calls, broken.calls, wasStopped.calls]).toEqual([[], [], []]);
    expect(notes.find((n) => n.startsWith('b:2'))).toMatch(/shows an error, not restarted: SQL thread error 1062/);
    expect(notes.find((n) => n.startsWith('c:3'))).toMatch(/was not fully running before/);
    expect(notes.some((n) => n.startsWith('a:1'))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('keeps the marker for a replica this run cannot reach, and ignores markers of live runs', async () => {
    orphan([held('z:9')]);
    orphan([held('a:1')], process.pid);
    const a = replica('a:1', status({ receiving: false, applying: false }));
    expect(await restoreOrphanedHolds([a.r], silentLogger, dir)).toEqual([]);
    expect(a.calls).toEqual([]);
    expect(readdirSync(dir).length).toBe(2);
  });

  it('a restart that does not take is reported and the replica stays in the marker', async () => {
    const a = replica('a:1', status({ receiving: false, applying: false }), status({ applying: false, lastError: 'SQL thread error 1146: no such table' }));
    orphan([held('a:1')]);
    const notes = await restoreOrphanedHolds([a.r], silentLogger, dir);
    expect(notes.join()).toMatch(/could not restore .*restarted, then replication failed: SQL thread error 1146/);
    expect(readdirSync(dir).length).toBe(1);
  });
});

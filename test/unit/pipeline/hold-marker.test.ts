import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  holdsDir,
  orphanedHoldMarkers,
  ownerIsDead,
  processStartTime,
  removeHoldMarker,
  rewriteHoldMarker,
  stateDir,
  writeHoldMarker,
  type HoldMarker,
} from '../../../src/pipeline/sync/hold-marker.js';
import { tableChangedReason, retryableTableChange } from '../../../src/pipeline/checksum/table-changed.js';

/** A pid that existed and is gone now. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

const marker = (over: Partial<HoldMarker>): HoldMarker => ({
  version: 1,
  pid: process.pid,
  pidStart: processStartTime(process.pid),
  host: hostname(),
  createdAt: new Date().toISOString(),
  replicas: [{ label: '127.0.0.1:3307', receiving: true, applying: true }],
  ...over,
});

describe('hold markers', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sp-holds-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('state dir: SYNCPOINT_STATE_DIR, then XDG_STATE_HOME, then ~/.local/state', () => {
    expect(stateDir({ SYNCPOINT_STATE_DIR: '/x/y', XDG_STATE_HOME: '/z' })).toBe('/x/y');
    expect(stateDir({ XDG_STATE_HOME: '/z' })).toBe('/z/syncpoint');
    expect(stateDir({})).toMatch(/\.local\/state\/syncpoint$/);
    expect(holdsDir({ SYNCPOINT_STATE_DIR: '/x/y' })).toBe('/x/y/holds');
  });

  it('a live owner (this process) is not dead; a finished process is; a reused pid is told apart by its start time', () => {
    expect(ownerIsDead(marker({}))).toBe(false);
    expect(ownerIsDead(marker({ pid: deadPid() }))).toBe(true);
    // pid 1 is alive, but it is not the process that wrote this marker.
    expect(ownerIsDead(marker({ pid: 1, pidStart: '-1' }))).toBe(processStartTime(1) !== null);
  });

  it('a marker from another host is never judged dead (its owner may be alive there)', () => {
    expect(ownerIsDead(marker({ pid: deadPid(), host: `${hostname()}-elsewhere` }))).toBe(false);
  });

  it('written atomically, listed only once its owner is dead, rewritten and removed', () => {
    const mine = writeHoldMarker([{ label: 'a:1', receiving: true, applying: true }], dir);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(orphanedHoldMarkers(dir)).toEqual([]);
    const orphanPath = join(dir, 'hold-1-dead.json');
    writeFileSync(orphanPath, JSON.stringify(marker({ pid: deadPid(), replicas: [{ label: 'b:2', receiving: true, applying: true }, { label: 'c:3', receiving: false, applying: true }] })));
    writeFileSync(join(dir, 'hold-2-garbage.json'), '{not json');
    const found = orphanedHoldMarkers(dir);
    expect(found.map((f) => f.path)).toEqual([orphanPath]);
    rewriteHoldMarker(found[0]!, [{ label: 'c:3', receiving: false, applying: true }]);
    expect(orphanedHoldMarkers(dir)[0]!.marker.replicas.map((r) => r.label)).toEqual(['c:3']);
    rewriteHoldMarker(orphanedHoldMarkers(dir)[0]!, []);
    expect(orphanedHoldMarkers(dir)).toEqual([]);
    removeHoldMarker(mine.path);
    expect(readdirSync(dir).sort()).toEqual(['hold-2-garbage.json']);
  });
});

describe('table changed during check', () => {
  const wrap = (cause: object) => Object.assign(new Error('x'), { cause });
  it('reads the server codes from the driver error', () => {
    expect(tableChangedReason(wrap({ errno: 1146 }))).toMatch(/no longer exists/);
    expect(tableChangedReason(wrap({ code: '42P01' }))).toMatch(/no longer exists/);
    expect(tableChangedReason(wrap({ code: '42703' }))).toMatch(/column/);
    expect(tableChangedReason(wrap({ errno: 1412 }))).toMatch(/definition changed/);
    expect(tableChangedReason(wrap({ errno: 1205 }))).toBeNull();
    expect(tableChangedReason(wrap({ code: 'ECONNRESET' }))).toBeNull();
    expect(retryableTableChange(wrap({ errno: 1412 }))).toBe(true);
    expect(retryableTableChange(wrap({ errno: 1146 }))).toBe(false);
  });
});

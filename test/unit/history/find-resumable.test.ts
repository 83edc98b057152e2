import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileHistoryStore } from '../../../src/history/file-store.js';
import type { RunOptions, StartRecord } from '../../../src/history/records.js';
import { findResumable, runRecorded } from '../../../src/history/run-recorded.js';
import { mergeFilters } from '../../../src/api/fleet.js';

const dir = mkdtempSync(join(tmpdir(), 'sp-resume-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const options: RunOptions = {
  primaryDsn: 'mysql://root@127.0.0.1:1/', replicaDsns: [], filter: {}, hash: 'fast', concurrency: 4, retries: 2, maxLagSeconds: 10, lagWaitMs: 1000,
  maxSnapshotAgeMs: 30_000, lockWaitMs: 1000, maxLockMs: 2000, syncTimeoutMs: 1000, connectTimeoutMs: 1000,
};
const start = (runId: string, extra: Partial<StartRecord> = {}): StartRecord => ({
  type: 'start', runId, cluster: 'c', mode: 'check', startedAt: `2026-01-0${runId.slice(7, 8)}T00:00:00.000Z`, host: 'elsewhere', pid: 1, primary: '127.0.0.1:1', options, ...extra,
});
const finished = { verdict: 'consistent', primary: '127.0.0.1:1', replicas: [], tables: [], notes: [], durationMs: 1, schemaVersion: 1, command: 'check', sync: { method: '', epochs: 0, maxLockMs: 0, maxReplicaPauseMs: 0, lanes: 4 } } as const;

describe('--resume picks only the newest run', () => {
  it('an interrupted run is resumable until a later run finishes; then only by its id', async () => {
    const store = new FileHistoryStore(join(dir, 'a'));
    await (await store.begin(start('20260101T000000000Z-aaaa01'))).abandon();
    expect((await findResumable(store, true, 'c')).start.runId).toBe('20260101T000000000Z-aaaa01');
    const later = await store.begin(start('20260102T000000000Z-bbbb02'));
    await later.finish({ type: 'end', endedAt: '2026-01-02T00:01:00.000Z', result: finished as never, lagSeconds: {} });
    await expect(findResumable(store, true, 'c')).rejects.toThrow(/its latest run 20260102T000000000Z-bbbb02 finished.*an older run is resumed only by its id/);
    expect((await findResumable(store, '20260101T000000000Z-aaaa01', 'c')).start.runId).toBe('20260101T000000000Z-aaaa01');
  });

  it('a resume with another hash or another primary than the run it continues is refused', async () => {
    const store = new FileHistoryStore(join(dir, 'b'));
    await (await store.begin(start('20260103T000000000Z-cccc03', { options: { ...options, hash: 'strong' } }))).abandon();
    await expect(runRecorded('check', { resume: true, cluster: 'c', history: store, hash: 'fast' })).rejects.toThrow(/checksummed with --hash strong: resume it with the same hash/);
    await expect(runRecorded('check', { resume: true, cluster: 'c', history: store, primary: 'mysql://root@127.0.0.1:2/' })).rejects.toThrow(/checked primary 127\.0\.0\.1:1, not 127\.0\.0\.1:2/);
  });
});

describe('fleet filters', () => {
  it('typed includes win over the file, ignore lists of both apply', () => {
    expect(mergeFilters({ ignoreTables: ['shop.big'] }, { databases: ['shop'], ignoreTables: ['shop.tmp_*'] })).toEqual({ databases: ['shop'], ignoreTables: ['shop.tmp_*', 'shop.big'] });
    expect(mergeFilters({ tables: ['shop.orders'] }, { tables: ['shop.*'] })).toEqual({ tables: ['shop.orders'] });
    expect(mergeFilters(undefined, { databases: ['x'] })).toEqual({ databases: ['x'] });
  });
});

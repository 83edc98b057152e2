import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeJson, encodeJson } from '../../../src/history/codec.js';
import { driftFirstSeen } from '../../../src/history/drift-streak.js';
import { FileHistoryStore } from '../../../src/history/file-store.js';
import type { ChunkRecord, RunSummaryRecord, StartRecord, TableRecord } from '../../../src/history/records.js';
import { checkRunId, clusterName, newRunId } from '../../../src/history/run-id.js';
import { resumeFor, tableProgress } from '../../../src/pipeline/checkpoint/resume-state.js';

describe('journal codec', () => {
  it('round-trips binary, bigint and odd key values exactly', () => {
    const key = [Buffer.from([0, 255, 10, 13, 34]), 18446744073709551615n, 'a"\n\u0000b', -0.5, null, true, '2024-01-01 00:00:00.000001'];
    const back = decodeJson<{ lower: unknown[] }>(encodeJson({ lower: key }));
    expect(Buffer.isBuffer(back.lower[0])).toBe(true);
    expect((back.lower[0] as Buffer).equals(key[0] as Buffer)).toBe(true);
    expect(back.lower[1]).toBe(18446744073709551615n);
    expect(back.lower.slice(2)).toEqual(key.slice(2));
    expect(encodeJson({ x: [Buffer.from('hi')] })).not.toContain('"data"');
  });
});

describe('run ids and cluster names', () => {
  it('sort by time as strings', () => {
    const a = newRunId(new Date('2026-01-01T00:00:00.001Z'));
    const b = newRunId(new Date('2026-01-01T00:00:00.010Z'));
    const c = newRunId(new Date('2026-01-02T00:00:00.000Z'));
    expect([c, a, b].sort()).toEqual([a, b, c]);
    expect(checkRunId(a)).toBe(a);
    expect(() => checkRunId('../../etc/passwd')).toThrow(/not a run id/);
  });
  it('default to the primary host:port', () => {
    expect(clusterName({ label: 'db1:3306' })).toBe('db1:3306');
    expect(clusterName({ label: 'db1:3306' }, ' prod ')).toBe('prod');
    expect(() => clusterName({ label: 'x:1' }, 'a\nb')).toThrow(/bad cluster name/);
  });
});

const chunk = (table: string, seq: number, lower: unknown[] | null, upper: unknown[] | null, replicas: ChunkRecord['replicas']): ChunkRecord => ({ type: 'chunk', table, key: ['id'], seq, lower, upper, primaryRows: 10, ms: 1, replicas });
const R1 = 'r1:1';
const R2 = 'r2:2';

describe('resume state', () => {
  it('continues after the last contiguous finished chunk, with its counts and suspects', () => {
    const recs = [
      chunk('d.t', 0, null, [10], { [R1]: { rows: 10, same: true }, [R2]: { rows: 10, same: true } }),
      chunk('d.t', 1, [10], [20], { [R1]: { rows: 9, same: false }, [R2]: { rows: 10, same: true } }),
      chunk('d.t', 3, [30], [40], { [R1]: { rows: 10, same: true }, [R2]: { rows: 10, same: true } }), // after a gap: not trusted
    ];
    const r = resumeFor(tableProgress(recs).get('d.t'), ['id'], [R1, R2])!;
    expect(r.lower).toEqual([20]);
    expect(r.nextSeq).toBe(2);
    expect(r.done).toBe(false);
    expect(r.entries.get(R1)).toMatchObject({ status: 'ok', chunks: 2, primaryRows: 20, replicaRows: 19, driftChunks: 1 });
    expect(r.suspects).toHaveLength(1);
    expect(r.suspects[0]!.range).toEqual({ lower: [10], upper: [20] });
    expect([...r.suspects[0]!.replicas.keys()]).toEqual([R1]);
  });

  it('checks a table again from the start when its key changed, a replica was missing, or it was restarted', () => {
    const recs = [chunk('d.t', 0, null, [10], { [R1]: { rows: 10, same: true } })];
    expect(resumeFor(tableProgress(recs).get('d.t'), ['other'], [R1])).toBeNull();
    expect(resumeFor(tableProgress(recs).get('d.t'), ['id'], [R1, R2])).toBeNull();
    expect(resumeFor(tableProgress([...recs, { type: 'restart', table: 'd.t' }]).get('d.t'), ['id'], [R1])).toBeNull();
    const absent = [chunk('d.t', 0, null, [10], { [R1]: { rows: 10, same: true }, [R2]: { absent: true } })];
    expect(resumeFor(tableProgress(absent).get('d.t'), ['id'], [R1, R2])).toBeNull();
  });

  it('a table whose last chunk reached the end is done; an error is carried as final', () => {
    const recs = [
      chunk('d.t', 0, null, [10], { [R1]: { rows: 10, same: true }, [R2]: { error: 'boom' } }),
      chunk('d.t', 1, [10], null, { [R1]: { rows: 3, same: true } }),
    ];
    const r = resumeFor(tableProgress(recs).get('d.t'), ['id'], [R1, R2])!;
    expect(r.done).toBe(true);
    expect(r.entries.get(R2)).toMatchObject({ status: 'error', reason: 'chunk failed on replica: boom' });
    expect(r.entries.get(R1)).toMatchObject({ status: 'ok', chunks: 2, replicaRows: 13 });
  });

  it('a final "ok" without the chunks to show for it is not trusted (an earlier version closed a table whose last range was never checked)', () => {
    const final = (status: 'ok' | 'skipped'): TableRecord => ({ type: 'table', table: 'd.t', key: ['id'], entries: [{ replica: R1, status, primaryRows: 0, replicaRows: 0, chunks: 0, driftChunks: 0, durationMs: 1 }] });
    expect(resumeFor(tableProgress([final('ok')]).get('d.t'), ['id'], [R1])).toBeNull();
    expect(resumeFor(tableProgress([chunk('d.t', 0, null, [10], { [R1]: { rows: 10, same: true } }), final('ok')]).get('d.t'), ['id'], [R1])).toBeNull();
    // Complete: carried as done. Skipped part-way: carried as it was (nothing claims the rest matched).
    expect(resumeFor(tableProgress([chunk('d.t', 0, null, null, { [R1]: { rows: 10, same: true } }), final('ok')]).get('d.t'), ['id'], [R1])?.done).toBe(true);
    expect(resumeFor(tableProgress([final('skipped')]).get('d.t'), ['id'], [R1])?.entries.get(R1)?.status).toBe('skipped');
  });

  it('carries nothing for a replica the resumed run does not check', () => {
    const recs = [chunk('d.t', 0, null, [10], { [R1]: { rows: 10, same: true }, [R2]: { rows: 9, same: false } })];
    const r = resumeFor(tableProgress(recs).get('d.t'), ['id'], [R1])!;
    expect([...r.entries.keys()]).toEqual([R1]);
    expect(r.suspects).toEqual([]);
  });
});

const summary = (runId: string, drift: string[], unknown: string[] = []): RunSummaryRecord => ({ type: 'summary', runId, cluster: 'c', endedAt: '', verdict: drift.length ? 'drift' : 'consistent', durationMs: 1, tables: 1, drift, unknown, errors: 0, stopped: false });

describe('drift first seen', () => {
  const P = 'd.t\tr1:1';
  it('is the earliest run of the unbroken streak; runs that could not tell do not break it', () => {
    const runs = [summary('1', [P]), summary('2', []), summary('3', [P]), summary('4', [], [P]), summary('5', [P]), summary('6', [P])];
    expect(driftFirstSeen(runs, '6').get(P)).toBe('3');
    expect(driftFirstSeen(runs, '3').get(P)).toBe('3');
    expect(driftFirstSeen(runs, '1').get(P)).toBe('1');
    expect(driftFirstSeen(runs, '2').has(P)).toBe(false);
  });
  it('with the matched pairs kept, a run that failed outright or left the pair out does not break a streak', () => {
    const failed: RunSummaryRecord = { ...summary('2', []), verdict: 'incomplete', tables: 0, ok: [], errors: 1, stopped: true };
    const narrower: RunSummaryRecord = { ...summary('3', []), ok: ['other.t\tr1:1'] };
    const matched: RunSummaryRecord = { ...summary('5', []), ok: [P] };
    const runs = [summary('1', [P]), failed, narrower, { ...summary('4', [P]), ok: [] }, matched, summary('6', [P])];
    expect(driftFirstSeen(runs, '4').get(P)).toBe('1');
    expect(driftFirstSeen(runs, '6').get(P)).toBe('6');
  });
});

describe('file history store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sp-hist-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const start = (runId: string, pid: number): StartRecord => ({ type: 'start', runId, cluster: 'c', mode: 'check', startedAt: new Date().toISOString(), host: 'elsewhere', pid, primary: 'p:1', options: { primaryDsn: 'mysql://u@p:1/', replicaDsns: [], filter: {}, concurrency: 1, retries: 0, maxLagSeconds: 1, lagWaitMs: 1, maxSnapshotAgeMs: 1, lockWaitMs: 1, maxLockMs: 1, syncTimeoutMs: 1, connectTimeoutMs: 1 } });

  it('lists finished and interrupted runs, and skips a torn last line', async () => {
    const store = new FileHistoryStore(dir);
    const a = newRunId(new Date('2026-01-01T00:00:00Z'));
    const b = newRunId(new Date('2026-01-02T00:00:00Z'));
    const wa = await store.begin(start(a, 1));
    await wa.finish({ type: 'end', endedAt: 'x', lagSeconds: {}, result: { schemaVersion: 1, command: 'check', verdict: 'consistent', primary: 'p:1', replicas: [], tables: [], durationMs: 1, notes: [], sync: { method: '', epochs: 0, maxLockMs: 0, maxReplicaPauseMs: 0, lanes: 1 } } });
    const wb = await store.begin(start(b, 2));
    wb.append(chunk('d.t', 0, null, [Buffer.from([1, 2])], { r: { rows: 1, same: true } }));
    await wb.abandon();
    appendFileSync(join(dir, 'runs', `${b}.jsonl`), '{"type":"chunk","tab'); // SIGKILL mid-line
    const runs = await store.list({});
    expect(runs.map((r) => [r.start.runId, r.state, r.verdict])).toEqual([[b, 'interrupted', null], [a, 'finished', 'consistent']]);
    const recs = await store.read(b);
    expect(recs.map((r) => r.type)).toEqual(['start', 'chunk']);
    expect(Buffer.isBuffer((recs[1] as ChunkRecord).upper![0])).toBe(true);
    expect(readFileSync(join(dir, 'index.jsonl'), 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
    await expect(store.read(newRunId())).rejects.toThrow(/no run/);
  });
});

describe('run recorder (resume chains)', () => {
  it('copies carried progress, voids a table it cannot continue, and a resumed journal resumes again', async () => {
    const { RunRecorder } = await import('../../../src/history/recorder.js');
    const written: unknown[] = [];
    const writer = { append: (r: unknown) => void written.push(r), flush: async () => {}, finish: async () => {}, abandon: async () => {} };
    const first = [
      chunk('d.a', 0, null, [10], { [R1]: { rows: 10, same: true } }),
      chunk('d.a', 1, [10], [20], { [R1]: { rows: 10, same: false } }),
      chunk('d.b', 0, null, [5], { [R1]: { rows: 5, same: true } }),
    ];
    const rec = new RunRecorder(writer as never, first);
    expect(written).toHaveLength(3);
    expect(written.every((r) => (r as { carried?: boolean }).carried)).toBe(true);
    const a = rec.resumeTable('d.a', ['id'], [R1])!;
    expect(a.lower).toEqual([20]);
    expect(rec.resumeTable('d.b', ['other_key'], [R1])).toBeNull();
    expect(written.at(-1)).toEqual({ type: 'restart', table: 'd.b' });
    rec.chunkDone({ table: 'd.a', key: ['id'], seq: 2, range: { lower: [20], upper: null }, primaryRows: 3, ms: 1, replicas: { [R1]: { rows: 3, same: true } } });
    expect(rec.carriedChunks).toBe(2);
    expect(rec.checkedChunks).toBe(1);
    // the second journal, read back: d.a is complete (3 chunks, one suspect), d.b starts over
    const again = tableProgress(written as never);
    const a2 = resumeFor(again.get('d.a'), ['id'], [R1])!;
    expect(a2).toMatchObject({ done: true, nextSeq: 3 });
    expect(a2.entries.get(R1)).toMatchObject({ chunks: 3, primaryRows: 23, replicaRows: 23, driftChunks: 1 });
    expect(a2.suspects).toHaveLength(1);
    expect(again.has('d.b')).toBe(false);
  });
});

describe('DSNs kept in the start record', () => {
  it('leave the password out and parse back to the same server, user, database and TLS', async () => {
    const { parseDsn } = await import('../../../src/config/dsn.js');
    const { dsnWithoutPassword } = await import('../../../src/history/dsn-text.js');
    for (const d of ['postgres://ops:secret@127.0.0.1:5433/ops?sslmode=require', 'mysql://u%40x:pw@[::1]:3307/ops', 'mariadb://root:pw@localhost/']) {
      const s = parseDsn(d, { env: {}, home: '/nonexistent' });
      const back = dsnWithoutPassword(s);
      expect(back).not.toMatch(/secret|pw@/);
      const s2 = parseDsn(back, { env: {}, home: '/nonexistent' });
      expect([s2.label, s2.user, s2.database, s2.tls.mode]).toEqual([s.label, s.user, s.database, s.tls.mode]);
    }
  });
});

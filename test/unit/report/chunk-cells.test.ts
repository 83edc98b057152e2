import { describe, expect, it } from 'vitest';
import type { ChunkRecord } from '../../../src/history/records.js';
import type { TableResult } from '../../../src/pipeline/report/check-result.js';
import { keyText, pairCells } from '../../../src/report/html/chunk-cells.js';
import { renderHtmlReport } from '../../../src/report/html/render-html.js';

const R = 'r:1';
const chunk = (seq: number, lower: unknown[] | null, upper: unknown[] | null, o: ChunkRecord['replicas'][string]): ChunkRecord => ({ type: 'chunk', table: 'd.t', key: ['id'], seq, lower, upper, primaryRows: 10, ms: 1, replicas: { [R]: o } });
const entry = (over: Partial<TableResult>): TableResult => ({ table: 'd.t', replica: R, status: 'ok', primaryRows: 30, replicaRows: 30, chunks: 3, driftChunks: 0, durationMs: 1, ...over });

describe('chunk strip cells', () => {
  const chunks = [chunk(0, null, [10], { rows: 10, same: false }), chunk(1, [10], [20], { rows: 10, same: false }), chunk(2, [20], null, { rows: 10, same: true })];

  it('drift only where the chunk still differed after re-checks; the other first-sight difference is "rechecked"', () => {
    const e = entry({ status: 'drift', driftChunks: 1, driftRanges: [{ lower: [10], upper: [20], primaryRows: 10, replicaRows: 10 }] });
    expect(pairCells(chunks, R, e, false).map((c) => c.verdict)).toEqual(['rechecked', 'drift', 'ok']);
  });

  it('a run that stopped shows what it did not reach as not checked', () => {
    const cells = pairCells(chunks.slice(0, 2), R, entry({ status: 'error', reason: 'not checked: stopped at --max-runtime 5s' }), true);
    expect(cells.map((c) => c.verdict)).toEqual(['rechecked', 'rechecked', 'unchecked']);
    expect(cells[2]!.title).toContain('keys after (20)');
  });

  it('a skipped table is one skipped cell; a table missing on the replica one drift cell', () => {
    expect(pairCells([], R, entry({ status: 'skipped', reason: 'no key' }), false).map((c) => c.verdict)).toEqual(['skipped']);
    expect(pairCells([], R, entry({ status: 'drift', reason: 'table missing on the replica' }), false).map((c) => c.verdict)).toEqual(['drift']);
  });

  it('prints binary and big keys readably', () => {
    expect(keyText([Buffer.from([0, 255]), 18446744073709551615n, 'a"b'])).toBe('(0x00ff, 18446744073709551615, "a\\"b")');
  });

  it('the page escapes what it prints and fetches nothing', () => {
    const start = { type: 'start' as const, runId: '20260101T000000000Z-000000', cluster: '<script>alert(1)</script>', mode: 'check' as const, startedAt: '2026-01-01T00:00:00Z', host: 'h', pid: 1, primary: 'p:1', options: { primaryDsn: 'mysql://u@p:1/', replicaDsns: [], filter: {}, concurrency: 1, retries: 0, maxLagSeconds: 1, lagWaitMs: 1, maxSnapshotAgeMs: 1, lockWaitMs: 1, maxLockMs: 1, syncTimeoutMs: 1, connectTimeoutMs: 1 } };
    const html = renderHtmlReport({ journal: { start, chunks, tables: [], end: null }, recent: [], generatedAt: new Date(0) });
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/\b(src|href)\s*=|url\(|https?:\/\//i);
    // no result yet: first-sight differences of an unfinished run are shown as drift, and the page says unfinished
    expect(html).toContain('b-unfinished');
  });
});

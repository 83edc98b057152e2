import { describe, expect, it } from 'vitest';
import { exitCodeForError, exitCodeForVerdict } from '../../../src/cli/exit-codes.js';
import { SyncpointError } from '../../../src/errors.js';
import { verdictOf, type TableResult } from '../../../src/pipeline/report/check-result.js';

const row = (status: TableResult['status']): TableResult => ({ table: 't', replica: 'r', status, primaryRows: 0, replicaRows: 0, chunks: 0, driftChunks: 0, durationMs: 0 });

describe('exit codes', () => {
  it('maps verdicts', () => {
    expect(exitCodeForVerdict('consistent')).toBe(0);
    expect(exitCodeForVerdict('drift')).toBe(1);
    expect(exitCodeForVerdict('no-go')).toBe(1);
    expect(exitCodeForVerdict('incomplete')).toBe(3);
    expect(() => exitCodeForVerdict('maybe')).toThrow();
  });
  it('maps errors: usage/config 2, the rest 3', () => {
    expect(exitCodeForError(new SyncpointError('usage', 'x'))).toBe(2);
    expect(exitCodeForError(new SyncpointError('config', 'x'))).toBe(2);
    expect(exitCodeForError(new SyncpointError('connection', 'x'))).toBe(3);
    expect(exitCodeForError(new Error('x'))).toBe(3);
  });
  it('drift wins over incomplete; anything unchecked is incomplete', () => {
    expect(verdictOf([row('ok'), row('error'), row('drift')], false)).toBe('drift');
    expect(verdictOf([row('ok'), row('skipped')], false)).toBe('incomplete');
    expect(verdictOf([row('ok')], true)).toBe('incomplete');
    expect(verdictOf([row('ok')], false)).toBe('consistent');
  });
});

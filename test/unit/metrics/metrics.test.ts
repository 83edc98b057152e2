import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, describe, expect, it } from 'vitest';
import { renderRunMetrics } from '../../../src/metrics/run-metrics.js';
import { escapeLabelValue, renderFamilies } from '../../../src/metrics/prometheus-text.js';
import { writeFileAtomic } from '../../../src/metrics/write-atomic.js';
import type { CheckResult, TableResult } from '../../../src/pipeline/report/check-result.js';
import { parseStrict, valueOf } from './strict-prometheus.js';

const entry = (table: string, replica: string, status: TableResult['status'], driftChunks = 0): TableResult => ({ table, replica, status, primaryRows: 10, replicaRows: 10, chunks: 3, driftChunks, durationMs: 5 });

const result = (over: Partial<CheckResult> = {}): CheckResult => ({
  schemaVersion: 1,
  command: 'check',
  verdict: 'drift',
  primary: '127.0.0.1:3306',
  replicas: ['127.0.0.1:3307', '127.0.0.1:3308'],
  tables: [
    entry('app.a', '127.0.0.1:3307', 'drift', 2),
    entry('app.a', '127.0.0.1:3308', 'ok'),
    entry('app.b', '127.0.0.1:3307', 'drift', 1),
    entry('app.b', '127.0.0.1:3308', 'error'),
    entry('app.c', '127.0.0.1:3307', 'skipped'),
    entry('app.c', '127.0.0.1:3308', 'skipped'),
  ],
  durationMs: 12_500,
  notes: [],
  sync: { method: 'replica-until', epochs: 1, maxLockMs: 0, maxReplicaPauseMs: 0, lanes: 2 },
  replicaLagSeconds: { '127.0.0.1:3307': 4, '127.0.0.1:3308': null },
  ...over,
});

describe('run metrics', () => {
  const text = renderRunMetrics([{ cluster: 'prod "eu"\\1\nx', endedAt: new Date(1_700_000_000_500), result: result() }]);
  const c = 'prod "eu"\\1\nx';

  it('parse strictly, with the right values', () => {
    const f = parseStrict(text);
    expect(valueOf(f, 'syncpoint_last_run_timestamp_seconds', { cluster: c })).toBe(1_700_000_000.5);
    expect(valueOf(f, 'syncpoint_last_run_duration_seconds', { cluster: c })).toBe(12.5);
    expect(valueOf(f, 'syncpoint_last_run_verdict', { cluster: c, verdict: 'drift' })).toBe(1);
    expect(valueOf(f, 'syncpoint_last_run_verdict', { cluster: c, verdict: 'consistent' })).toBe(0);
    expect(valueOf(f, 'syncpoint_last_run_verdict', { cluster: c, verdict: 'incomplete' })).toBe(0);
    expect(valueOf(f, 'syncpoint_tables_checked', { cluster: c })).toBe(2);
    expect(valueOf(f, 'syncpoint_drift_tables', { cluster: c, replica: '127.0.0.1:3307' })).toBe(2);
    expect(valueOf(f, 'syncpoint_drift_tables', { cluster: c, replica: '127.0.0.1:3308' })).toBe(0);
    expect(valueOf(f, 'syncpoint_drift_chunks', { cluster: c, replica: '127.0.0.1:3307' })).toBe(3);
    expect(valueOf(f, 'syncpoint_errors', { cluster: c })).toBe(1);
    expect(valueOf(f, 'syncpoint_table_drift_chunks', { cluster: c, replica: '127.0.0.1:3307', table: 'app.a' })).toBe(2);
    expect(f.get('syncpoint_table_drift_chunks')!.samples).toHaveLength(2);
    expect(valueOf(f, 'syncpoint_replica_lag_seconds', { cluster: c, replica: '127.0.0.1:3307' })).toBe(4);
    // no reading, no sample (rather than a made-up 0)
    expect(valueOf(f, 'syncpoint_replica_lag_seconds', { cluster: c, replica: '127.0.0.1:3308' })).toBeUndefined();
    for (const fam of f.values()) {
      expect(fam.type, fam.name).toBe('gauge');
      expect(fam.help, fam.name).toBeTruthy();
    }
  });

  it('parse with the prom2json-compatible parser too (escaped label values round-trip)', () => {
    const fams = parsePrometheusTextFormat(text) as { name: string; type: string; metrics: { labels?: Record<string, string>; value: string }[] }[];
    const v = fams.find((x) => x.name === 'syncpoint_last_run_verdict')!;
    expect(v.type).toBe('GAUGE');
    const drift = v.metrics.find((m) => m.labels?.['verdict'] === 'drift')!;
    expect(drift.labels!['cluster']).toBe(c);
    expect(Number(drift.value)).toBe(1);
  });

  it('a stopped run counts as an error and its verdict is incomplete', () => {
    const f = parseStrict(renderRunMetrics([{ cluster: 'c', endedAt: new Date(0), result: result({ verdict: 'incomplete', error: 'stopped at --max-runtime 5s', tables: [] }) }]));
    expect(valueOf(f, 'syncpoint_errors', { cluster: 'c' })).toBe(1);
    expect(valueOf(f, 'syncpoint_last_run_verdict', { cluster: 'c', verdict: 'incomplete' })).toBe(1);
  });

  it('escapes label values and refuses bad names', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(() => renderFamilies([{ name: 'bad-name', help: 'x', type: 'gauge', samples: [] }])).toThrow(/bad metric name/);
    expect(() => renderFamilies([{ name: 'x', help: 'x', type: 'gauge', samples: [{ labels: { __x: 'y' }, value: 1 }] }])).toThrow(/bad label name/);
  });

  it('the strict reader itself rejects malformed text (so the checks above can fail)', () => {
    expect(() => parseStrict('x 1\n')).toThrow(/before its TYPE/);
    expect(() => parseStrict('# TYPE x gauge\nx{a="b\\q"} 1\n')).toThrow(/bad escape/);
    expect(() => parseStrict('# TYPE x gauge\nx 1\n# TYPE y gauge\ny 1\n# TYPE x gauge\n')).toThrow(/twice/);
    expect(() => parseStrict('# TYPE x gauge\nx one\n')).toThrow(/bad value/);
  });
});

describe('atomic metrics file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sp-metrics-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces the file whole and leaves no temp file behind', () => {
    const path = join(dir, 'syncpoint.prom');
    writeFileSync(path, 'old\n');
    writeFileAtomic(path, '# TYPE x gauge\nx 1\n');
    expect(readFileSync(path, 'utf8')).toBe('# TYPE x gauge\nx 1\n');
    expect(readdirSync(dir)).toEqual(['syncpoint.prom']);
  });

  it('says which path cannot be written', () => {
    expect(() => writeFileAtomic(join(dir, 'missing', 'x.prom'), 'x')).toThrow(/cannot write .*missing/);
  });
});

import { describe, expect, it } from 'vitest';
import { median, percentile, ratio } from '../../../src/bench/stats.js';
import { FIXED_COST, summarize, type EngineResults } from '../../../src/bench/report.js';
import { rowsPerTable, TABLES } from '../../../src/bench/dataset.js';

describe('bench statistics', () => {
  it('median of odd and even samples, unsorted input left alone', () => {
    const xs = [5, 1, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
  it('p99 is nearest-rank: the slowest of 100 samples is not hidden by interpolation', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([...xs, 1000], 99)).toBe(100);
  });
  it('ratio of a zero denominator is NaN, never Infinity', () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(1, 0)).toBeNaN();
  });
});

describe('bench dataset split', () => {
  it('shares add up to exactly --rows, in the documented proportions', () => {
    for (const total of [1000, 2_000_000, 20_000_001]) {
      const m = rowsPerTable(total);
      expect([...m.values()].reduce((a, b) => a + b, 0)).toBe(total);
      expect([...m.keys()]).toEqual(TABLES.map((t) => t.name));
    }
    expect(rowsPerTable(2_000_000).get('int_key')).toBe(1_000_000);
    expect(rowsPerTable(2_000_000).get('json_blob')).toBe(200_000);
  });
});

describe('bench summary', () => {
  it('takes the fixed cost of a run out of check before comparing it with the bound', () => {
    const r: EngineResults = {
      engine: 'mariadb', serverVersion: 'x', topology: 't', rows: 1, repeat: 3, loadSeconds: 1, chunkTimeSeconds: 0.5,
      samples: { 'syncpoint check': [2000, 1900, 2100], [FIXED_COST]: [300, 250, 350], 'raw bound, same row hash': [1000, 1000, 1100] },
      peakRssMb: [60], maxLockMs: [0], maxReplicaPauseMs: [10], epochs: [1], chunks: [40], probeDuringCheckMs: [5], probeIdleMs: [4],
    };
    const ratios = summarize(r)['ratios'] as Record<string, number>;
    expect(ratios['check / raw bound (same row hash)']).toBe(2);
    expect(ratios['(check - its fixed cost) / raw bound (same row hash)']).toBe(1.7);
  });
});

/** Bench results: the JSON written under bench/results/ and the table printed at the end. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { median, percentile, ratio, round } from './stats.js';

/** The measure of a run's fixed cost: check of the 100-row probe table only. */
export const FIXED_COST = 'syncpoint check, probe table only';

export interface EngineResults {
  readonly engine: string;
  readonly serverVersion: string;
  readonly topology: string;
  readonly rows: number;
  readonly repeat: number;
  readonly loadSeconds: number;
  /** Wall times in ms per measure, one per repeat. */
  readonly samples: Record<string, number[]>;
  readonly peakRssMb: number[];
  readonly maxLockMs: number[];
  readonly maxReplicaPauseMs: number[];
  readonly epochs: number[];
  readonly chunks: number[];
  readonly probeDuringCheckMs: number[];
  readonly probeIdleMs: number[];
  readonly chunkTimeSeconds: number;
}

export function machine(): Record<string, unknown> {
  const c = cpus();
  return { cpu: c[0]?.model ?? 'unknown', cores: c.length, memoryGb: round(totalmem() / 2 ** 30, 1), node: process.version, platform: `${process.platform} ${process.arch}` };
}

export function summarize(r: EngineResults): Record<string, unknown> {
  const med: Record<string, number> = {};
  for (const [k, v] of Object.entries(r.samples)) med[k] = round(median(v) / 1000, 3);
  const ratios: Record<string, number> = {};
  const add = (name: string, a: string, b: string) => {
    if (r.samples[a]?.length && r.samples[b]?.length) ratios[name] = round(ratio(median(r.samples[a]!), median(r.samples[b]!)));
  };
  add('check / pt-table-checksum', 'syncpoint check', 'pt-table-checksum');
  add('check / raw bound (same row hash)', 'syncpoint check', 'raw bound, same row hash');
  add('check / raw bound (cheap CRC32-style hash)', 'syncpoint check', 'raw bound, cheap hash');
  const check = r.samples['syncpoint check'];
  const fixed = r.samples[FIXED_COST];
  const bound = r.samples['raw bound, same row hash'];
  if (check?.length && fixed?.length && bound?.length) {
    ratios['(check - its fixed cost) / raw bound (same row hash)'] = round(ratio(median(check) - median(fixed), median(bound)));
  }
  add('check --hash strong / check', 'syncpoint check --hash strong', 'syncpoint check');
  add('counts / plain COUNT(*) everywhere', 'syncpoint counts', 'COUNT(*) on every server');
  return {
    medianSeconds: med,
    ratios,
    peakRssMb: round(Math.max(...r.peakRssMb), 1),
    maxLockMs: Math.max(0, ...r.maxLockMs),
    maxReplicaPauseMs: Math.max(0, ...r.maxReplicaPauseMs),
    epochsMedian: median(r.epochs),
    chunksMedian: median(r.chunks),
    probeP99Ms: { duringCheck: round(percentile(r.probeDuringCheckMs, 99), 1), idle: round(percentile(r.probeIdleMs, 99), 1) },
    probeWrites: { duringCheck: r.probeDuringCheckMs.length, idle: r.probeIdleMs.length },
  };
}

export function printSummary(r: EngineResults, s: Record<string, unknown>, say: (m: string) => void): void {
  const med = s['medianSeconds'] as Record<string, number>;
  say('');
  say(`${r.engine} ${r.serverVersion}, ${r.topology}, ${r.rows} rows, median of ${r.repeat}`);
  for (const [k, v] of Object.entries(med)) {
    const xs = r.samples[k]!;
    say(`  ${k.padEnd(32)} ${v.toFixed(3).padStart(8)} s   (min ${(Math.min(...xs) / 1000).toFixed(3)}, max ${(Math.max(...xs) / 1000).toFixed(3)})`);
  }
  for (const [k, v] of Object.entries(s['ratios'] as Record<string, number>)) say(`  ${k.padEnd(54)} ${v.toFixed(2)}x`);
  const p = s['probeP99Ms'] as { duringCheck: number; idle: number };
  say(`  syncpoint peak RSS ${s['peakRssMb']} MB; longest primary lock ${s['maxLockMs']} ms; longest replica apply pause ${s['maxReplicaPauseMs']} ms`);
  say(`  probe write p99 on the primary: ${p.duringCheck} ms during check, ${p.idle} ms idle (--chunk-time ${r.chunkTimeSeconds} s)`);
}

export function writeResults(dir: string, engine: string, rows: number, body: Record<string, unknown>): string {
  mkdirSync(dir, { recursive: true });
  // The minute it is written, UTC: a second run the same day no longer overwrites the first.
  const stamp = new Date().toISOString().slice(0, 16).replace(':', '') + 'Z';
  const file = join(dir, `${stamp}-${engine}-${rows}.json`);
  writeFileSync(file, JSON.stringify(body, null, 2) + '\n');
  return file;
}

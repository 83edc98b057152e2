/**
 * A previous `check --format json` result as diff's starting point: which (table, replica) pairs
 * drifted, and in which chunk ranges. Read strictly: a file that is not a check result is a
 * usage error naming the file and what is wrong.
 */
import { readFileSync } from 'node:fs';
import type { ChunkRange, ColumnInfo, KeyValues, SqlValue } from '../../engine/types.js';
import { usageError } from '../../errors.js';
import type { CheckResult, TableResult } from '../report/check-result.js';

/** check keeps at most this many ranges per pair; a full list may be cut, so the table is scanned again. */
const CHECK_RANGE_CAP = 100;

export function readCheckResult(path: string): CheckResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw usageError(`--from-check ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw usageError(`--from-check ${path}: not JSON (${(err as Error).message}); write it with check --format json`);
  }
  const r = data as Partial<CheckResult>;
  if (!r || typeof r !== 'object' || r.schemaVersion !== 1 || r.command !== 'check' || !Array.isArray(r.tables) || typeof r.primary !== 'string') {
    throw usageError(`--from-check ${path}: not a check result (expected schemaVersion 1, command "check", primary and tables: the output of check --format json)`);
  }
  for (const [i, t] of r.tables.entries()) {
    if (!t || typeof t.table !== 'string' || typeof t.replica !== 'string' || typeof t.status !== 'string') {
      throw usageError(`--from-check ${path}: tables[${i}] lacks table, replica or status`);
    }
  }
  return r as CheckResult;
}

export interface CheckHint {
  /** Null: scan the whole table again (no ranges kept, or the list may have been cut). */
  readonly ranges: ChunkRange[] | null;
}

/** Drifting pairs of a check result: "table\0replica" -> where to look. */
export function driftHints(r: CheckResult): Map<string, CheckHint> {
  const out = new Map<string, CheckHint>();
  for (const t of r.tables) {
    if (t.status !== 'drift') continue;
    // A check that stopped (r.error) may have left any drifting table part-way.
    out.set(`${t.table}\u0000${t.replica}`, { ranges: r.error ? null : rangesOf(t) });
  }
  return out;
}

/**
 * Pairs the check did not compare (in error, skipped): nothing is known of their rows, so a diff
 * narrowed to the check's findings cannot call them consistent. Reported as such, with the
 * check's reason.
 */
export function uncheckedPairs(r: CheckResult): { table: string; replica: string; reason: string }[] {
  return r.tables.filter((t) => t.status === 'error' || t.status === 'skipped').map((t) => ({ table: t.table, replica: t.replica, reason: t.reason ?? t.status }));
}

function rangesOf(t: TableResult): ChunkRange[] | null {
  // Drift, and the rest of the table not compared (skipped, failed, the run stopped): its ranges
  // are not all the places to look.
  if (/the rest (was skipped|failed)|the run stopped|left the run/.test(t.reason ?? '')) return null;
  const list = t.driftRanges;
  if (!list || list.length === 0 || list.length >= CHECK_RANGE_CAP) return null;
  return list.map((d) => ({ lower: (d.lower as KeyValues | null) ?? null, upper: (d.upper as KeyValues | null) ?? null }));
}

/**
 * JSON turned Buffers into "0x..." and bigints into decimal text. Decimal text binds as before;
 * a PostgreSQL bytea key becomes bytes again.
 */
export function reviveRange(range: ChunkRange, key: readonly ColumnInfo[], family: 'mysql-family' | 'postgres'): ChunkRange {
  const revive = (vals: KeyValues | null): KeyValues | null => {
    if (!vals) return null;
    if (vals.length !== key.length) throw usageError(`--from-check: a drift range has ${vals.length} key value(s) but the table's key has ${key.length} column(s): the table changed since the check`);
    return vals.map((v, i): SqlValue => {
      if (family === 'postgres' && key[i]!.dataType === 'bytea' && typeof v === 'string' && /^0x[0-9a-f]*$/i.test(v)) return Buffer.from(v.slice(2), 'hex');
      return v;
    });
  };
  return { lower: revive(range.lower), upper: revive(range.upper) };
}

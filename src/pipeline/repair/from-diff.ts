/** A previous `diff --format json` result as repair's input, read strictly. */
import { readFileSync } from 'node:fs';
import { usageError } from '../../errors.js';
import type { DiffResult } from '../diff/diff-result.js';

export function readDiffResult(path: string): DiffResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw usageError(`--from-diff ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw usageError(`--from-diff ${path}: not JSON (${(err as Error).message}); write it with diff --format json`);
  }
  const r = data as Partial<DiffResult>;
  if (!r || typeof r !== 'object' || r.schemaVersion !== 1 || r.command !== 'diff' || !Array.isArray(r.rows) || typeof r.primary !== 'string') {
    throw usageError(`--from-diff ${path}: not a diff result (expected schemaVersion 1, command "diff", primary and rows: the output of diff --format json)`);
  }
  for (const [i, row] of r.rows.entries()) {
    const keyed = row && row.key !== null && typeof row.key === 'object' && Array.isArray(row.keyValues);
    const keyless = row && row.key === null && typeof row.rowHash === 'string' && Number.isSafeInteger(row.copies);
    if (!row || typeof row.table !== 'string' || typeof row.replica !== 'string' || !['missing', 'extra', 'changed'].includes(row.kind) || !(keyed || keyless)) {
      throw usageError(`--from-diff ${path}: rows[${i}] is not a diff row (table, replica, kind, and key + keyValues or rowHash + copies)`);
    }
  }
  return r as DiffResult;
}

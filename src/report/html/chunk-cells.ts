/**
 * The chunk strip of one (table, replica): one cell per chunk in key order, with the verdict of
 * that chunk for that replica. A chunk that differed at first sight counts as drift only if it
 * still differed after the re-checks (it is among the pair's final drift ranges); otherwise it
 * matched at a fresh sync point and is shown as such.
 */
import type { ChunkRecord } from '../../history/records.js';
import type { TableResult } from '../../pipeline/report/check-result.js';
import { encodeJson } from '../../history/codec.js';

export type CellVerdict = 'ok' | 'drift' | 'rechecked' | 'error' | 'skipped' | 'absent' | 'unchecked';

export interface Cell {
  readonly verdict: CellVerdict;
  readonly seq: number | null;
  readonly title: string;
}

/** Mirrors the cap in run-check: past it, a pair's drift ranges are not all listed. */
const MAX_REPORTED_RANGES = 100;

export function keyText(k: readonly unknown[] | null): string {
  if (k === null) return '∞';
  return `(${k.map((v) => (Buffer.isBuffer(v) ? `0x${v.toString('hex')}` : typeof v === 'bigint' ? v.toString() : typeof v === 'string' ? JSON.stringify(v) : String(v))).join(', ')})`;
}

export function rangeText(c: Pick<ChunkRecord, 'lower' | 'upper'>): string {
  return `${c.lower === null ? '(start' : `(${keyText(c.lower)}`} .. ${c.upper === null ? 'end)' : `${keyText(c.upper)}]`}`;
}

export function pairCells(chunks: readonly ChunkRecord[], replica: string, entry: TableResult | null, runStopped: boolean): Cell[] {
  if (entry && entry.status === 'skipped' && chunks.every((c) => !c.replicas[replica])) {
    return [{ verdict: 'skipped', seq: null, title: `skipped: ${entry.reason ?? ''}` }];
  }
  const finalRanges = new Set((entry?.driftRanges ?? []).map((d) => encodeJson([d.lower, d.upper])));
  const capped = (entry?.driftRanges?.length ?? 0) >= MAX_REPORTED_RANGES;
  const cells: Cell[] = [];
  for (const c of chunks) {
    const o = c.replicas[replica];
    if (!o) continue;
    const where = `chunk ${c.seq + 1}: keys ${rangeText(c)}`;
    if ('absent' in o) {
      cells.push({ verdict: 'absent', seq: c.seq, title: `${where}: replica not synchronized for this chunk` });
    } else if ('error' in o) {
      cells.push({ verdict: 'error', seq: c.seq, title: `${where}: error: ${o.error}` });
    } else if (o.same) {
      cells.push({ verdict: 'ok', seq: c.seq, title: `${where}: ${c.primaryRows} rows, same (${c.ms} ms)` });
    } else {
      const stillDrift = entry?.status === 'drift' && (capped || finalRanges.has(encodeJson([c.lower, c.upper])));
      const unverified = !entry && runStopped;
      cells.push({
        verdict: stillDrift || unverified ? 'drift' : 'rechecked',
        seq: c.seq,
        title: `${where}: ${stillDrift ? 'DIFFERS' : unverified ? 'differed (not re-checked: run stopped)' : 'differed, then matched at a fresh sync point'}: primary ${c.primaryRows} rows, replica ${o.rows} rows`,
      });
    }
  }
  const last = chunks.filter((c) => c.replicas[replica]).at(-1);
  if (cells.length === 0) {
    const st = entry?.status;
    cells.push(st && st !== 'ok'
      ? { verdict: st === 'drift' ? 'drift' : st === 'error' ? 'error' : 'skipped', seq: null, title: `${st}: ${entry?.reason ?? ''}` }
      : { verdict: 'unchecked', seq: null, title: 'not checked: the run stopped before this table' });
  } else if (last && last.upper !== null) {
    // The chunks stop before the end of the key range: the rest was never checked.
    cells.push({ verdict: 'unchecked', seq: null, title: `keys after ${keyText(last.upper)}: not checked${entry?.reason ? ` (${entry.reason})` : ''}` });
  }
  return cells;
}

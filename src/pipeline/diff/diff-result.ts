/**
 * The result of diff: the JSON contract (schemaVersion 1) and the collector that caps the rows
 * reported (--max-rows) while counting every difference.
 */
import type { OrderValue } from '../../engine/row-types.js';
import type { SqlValue } from '../../engine/types.js';
import { compareOrder } from './order.js';
import { byTableThenReplica } from '../../text-order.js';

export type DiffVerdict = 'consistent' | 'drift' | 'incomplete';
export type DiffKind = 'missing' | 'extra' | 'changed';

export interface ValuePair {
  readonly primary: string | null;
  readonly replica: string | null;
}

export interface DiffRow {
  readonly table: string;
  readonly replica: string;
  /** Key column -> value as people read it; null for a key-less table (rows named by content hash). */
  readonly key: Record<string, string | number | null> | null;
  /** The exact key values, bindable again by the same engine (repair uses them). */
  readonly keyValues: readonly SqlValue[] | null;
  readonly kind: DiffKind;
  /** changed: the columns that differ; missing/extra: empty. */
  readonly columns: readonly string[];
  /** --show-values only: per column, truncated. */
  values?: Record<string, ValuePair>;
  /** Key-less tables: the content hash of the row and how many copies differ. */
  rowHash?: string;
  copies?: number;
}

export interface DiffTotals {
  readonly table: string;
  readonly replica: string;
  missing: number;
  extra: number;
  changed: number;
}

export interface DiffProblem {
  readonly table: string;
  readonly replica: string;
  /** drift: a schema difference rows cannot express; skipped/error: not compared. */
  readonly status: 'drift' | 'skipped' | 'error';
  readonly reason: string;
}

export interface DiffResult {
  readonly schemaVersion: 1;
  readonly command: 'diff';
  verdict: DiffVerdict;
  readonly primary: string;
  readonly replicas: string[];
  readonly rows: DiffRow[];
  readonly totals: DiffTotals[];
  /** Tables that differ in a way rows cannot express (missing table, columns), or could not be compared. */
  readonly problems: DiffProblem[];
  /** True when more rows differ than --max-rows let through; totals are complete either way. */
  truncated: boolean;
  readonly notes: string[];
  durationMs: number;
  /** Set when the run stopped early. */
  error?: string;
}

export class DiffCollector {
  private readonly totalsByPair = new Map<string, DiffTotals>();
  /** Key order of listed rows, for sorting them: chunks are narrowed concurrently. */
  private readonly orderOf = new WeakMap<DiffRow, readonly OrderValue[]>();
  constructor(
    readonly result: DiffResult,
    private readonly maxRows: number,
  ) {}

  totals(table: string, replica: string): DiffTotals {
    const k = `${table}\u0000${replica}`;
    let t = this.totalsByPair.get(k);
    if (!t) {
      t = { table, replica, missing: 0, extra: 0, changed: 0 };
      this.totalsByPair.set(k, t);
      this.result.totals.push(t);
    }
    return t;
  }

  add(row: DiffRow, count = 1, order?: readonly OrderValue[]): void {
    this.totals(row.table, row.replica)[row.kind] += count;
    if (this.result.rows.length < this.maxRows) {
      this.result.rows.push(row);
      if (order) this.orderOf.set(row, order);
    } else this.result.truncated = true;
  }

  note(text: string): void {
    if (!this.result.notes.includes(text)) this.result.notes.push(text);
  }

  problem(p: DiffProblem): void {
    this.result.problems.push(p);
  }

  /** Sort for stable output and decide the verdict. */
  finish(fatal: boolean): void {
    this.result.totals.sort(byTableThenReplica);
    this.result.rows.sort((a, b) => {
      const c = byTableThenReplica(a, b);
      if (c !== 0) return c;
      const oa = this.orderOf.get(a);
      const ob = this.orderOf.get(b);
      return oa && ob ? compareOrder(oa, ob) : 0;
    });
    const drift = this.result.totals.some((t) => t.missing + t.extra + t.changed > 0) || this.result.problems.some((p) => p.status === 'drift');
    const incomplete = fatal || this.result.problems.some((p) => p.status !== 'drift');
    this.result.verdict = drift ? 'drift' : incomplete ? 'incomplete' : 'consistent';
  }
}

/**
 * The result of repair (schemaVersion 1). Verdicts, all mapped in src/cli/exit-codes.ts:
 *   print mode: `ok` (a statement for every row), `clean` (nothing to repair), `incomplete`
 *   (rows refused); apply modes: `passed` (the follow-up check is consistent), `failed` (it still
 *   finds drift), `incomplete` (rows refused, statements failed, or the check could not finish).
 */
import type { RelatedObject } from '../../engine/row-types.js';
import type { Verdict } from '../report/check-result.js';

export type RepairMode = 'print' | 'apply-primary' | 'apply-replica';
export type RepairVerdict = 'ok' | 'clean' | 'passed' | 'failed' | 'incomplete';

export interface RepairTable {
  readonly table: string;
  readonly replica: string;
  /** Differing rows the diff listed for this pair. */
  readonly rows: number;
  /** Statements written (print) or executed (apply). */
  statements: number;
  /** Transactions (print: BEGIN/COMMIT blocks; apply: committed). */
  transactions: number;
  /** Rows no statement was made for, with why. */
  refused: number;
  reason?: string;
  readonly related: RelatedObject[];
}

export interface FollowUpCheck {
  readonly verdict: Verdict;
  readonly tables: { table: string; replica: string; status: string; reason?: string }[];
}

export interface RepairResult {
  readonly schemaVersion: 1;
  readonly command: 'repair';
  verdict: RepairVerdict;
  readonly mode: RepairMode;
  readonly primary: string;
  readonly replicas: string[];
  readonly tables: RepairTable[];
  /** Foreign keys, triggers and privileges worth knowing before (or after) applying. */
  readonly warnings: string[];
  readonly notes: string[];
  /** Print mode: the SQL (also written to --output when given). */
  script?: string;
  /** Apply modes: check re-run on the repaired tables and replicas. */
  followUp?: FollowUpCheck;
  durationMs: number;
  error?: string;
}

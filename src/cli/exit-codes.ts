/**
 * The one place results and errors become exit codes (DESIGN.md contract):
 *   0 clean / passed / go, 1 drift / findings / no-go, 2 usage or configuration error,
 *   3 could not complete (connection lost, timeouts, tables skipped, another run holding the
 *     cluster's lock) with no drift found. Nothing else: scripts and cron wrappers rely on these four.
 */
import { SyncpointError } from '../errors.js';
import { RunLockedError } from '../ops/run-lock.js';

export const EXIT = { OK: 0, FINDINGS: 1, USAGE: 2, INCOMPLETE: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Verdict words of every command mapped to codes. */
const VERDICTS: Record<string, ExitCode> = {
  consistent: EXIT.OK,
  clean: EXIT.OK,
  passed: EXIT.OK,
  go: EXIT.OK,
  ok: EXIT.OK,
  drift: EXIT.FINDINGS,
  findings: EXIT.FINDINGS,
  'no-go': EXIT.FINDINGS,
  failed: EXIT.FINDINGS,
  incomplete: EXIT.INCOMPLETE,
};

export function exitCodeForVerdict(verdict: string): ExitCode {
  const code = VERDICTS[verdict];
  if (code === undefined) throw new Error(`no exit code for verdict "${verdict}"`);
  return code;
}

export function exitCodeForError(err: unknown): ExitCode {
  // Nothing was checked, the configuration is fine: try again once the other run ends.
  if (err instanceof RunLockedError) return EXIT.INCOMPLETE;
  if (err instanceof SyncpointError) {
    return err.kind === 'usage' || err.kind === 'config' ? EXIT.USAGE : EXIT.INCOMPLETE;
  }
  return EXIT.INCOMPLETE;
}

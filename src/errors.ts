/**
 * Errors the tool reports as one line. `kind` decides the exit code (see src/cli/exit-codes.ts);
 * `where` names the server or object concerned. Messages never contain passwords.
 */
export type ErrorKind =
  /** bad flag, bad DSN, conflicting options */
  | 'usage'
  /** configuration that cannot work: wrong password, unknown table, missing privilege */
  | 'config'
  /** could not reach or lost a server */
  | 'connection'
  /** a wait ran out (replica never reached a position, lock waits) */
  | 'timeout'
  /** stopped by a signal or --max-runtime */
  | 'interrupted'
  /** anything else the server refused */
  | 'server';

export class SyncpointError extends Error {
  readonly kind: ErrorKind;
  readonly where: string | undefined;
  constructor(kind: ErrorKind, message: string, where?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SyncpointError';
    this.kind = kind;
    this.where = where;
  }
  /** The one line printed to the user. */
  oneLine(): string {
    return this.where ? `${this.where}: ${this.message}` : this.message;
  }
}

export const usageError = (message: string, where?: string) => new SyncpointError('usage', message, where);
export const configError = (message: string, where?: string) => new SyncpointError('config', message, where);

/** Error message text of anything thrown, without stack. */
export function messageOf(err: unknown): string {
  if (err instanceof SyncpointError) return err.oneLine();
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * Errors that end a whole check or diff run. Replica failures never escape as errors (they become
 * results), so a connection error that does escape concerns the primary, or no replica is left.
 */
export function endsTheRun(err: unknown): boolean {
  return err instanceof SyncpointError && (err.kind === 'interrupted' || err.kind === 'connection');
}

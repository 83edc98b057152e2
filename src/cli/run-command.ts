/**
 * Every command's action goes through here: logger, Ctrl-C handling, printing the result,
 * and the exit code (set on process.exitCode, never process.exit inside a command).
 */
import { createLogger, type Logger, type LogFormat } from '../log.js';
import { messageOf, SyncpointError } from '../errors.js';
import { redactDsns } from '../config/dsn.js';
import { exitCodeForError, exitCodeForVerdict } from './exit-codes.js';

export interface OutputFlags {
  format: 'table' | 'json';
  logLevel: string;
  logFormat: LogFormat;
  /** cron: print the result only when the exit code is not 0 (drift, incomplete). */
  quiet?: boolean;
}

export interface CommandContext {
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly flags: OutputFlags;
}

export interface CommandOutput<R> {
  readonly result: R;
  readonly verdict: string;
  readonly render: (r: R) => string;
}

export async function runCommand<R>(flags: OutputFlags, action: (ctx: CommandContext) => Promise<CommandOutput<R>>): Promise<void> {
  // --quiet: warnings would make cron mail on clean runs; errors still show.
  const log = createLogger(flags.quiet && flags.logLevel === 'warn' ? 'error' : flags.logLevel, flags.logFormat);
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      log.warn(`${sig}: stopping; restoring replicas and releasing locks (again to force)`);
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const out = await action({ log, signal: controller.signal, flags });
    const code = exitCodeForVerdict(out.verdict);
    if (!(flags.quiet && code === 0)) {
      process.stdout.write(flags.format === 'json' ? JSON.stringify(out.result, jsonReplacer, 2) + '\n' : out.render(out.result));
    }
    process.exitCode = code;
  } catch (err) {
    reportError(err, flags.logLevel, log);
    process.exitCode = exitCodeForError(err);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** One clear line on stderr; the stack only with --log-level debug. */
export function reportError(err: unknown, logLevel: string, log?: Logger): void {
  const line = redactDsns(messageOf(err));
  const debug = logLevel === 'debug' || logLevel === 'trace';
  const kind = err instanceof SyncpointError ? err.kind : 'internal';
  process.stderr.write(`syncpoint: ${kind === 'internal' ? 'internal error: ' : ''}${line}\n`);
  if (debug && err instanceof Error && err.stack) log?.debug(redactDsns(err.stack));
}

export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return `0x${Buffer.from((value as { data: number[] }).data).toString('hex')}`;
  }
  return value;
}

/**
 * Logs go to stderr: pino JSON with --log-format json, readable lines otherwise.
 * Results never go through the logger (they go to stdout via the renderers).
 */
import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { PrettyStream } from 'pino-pretty';
import type prettyFactory from 'pino-pretty';
import { redactDsns } from './config/dsn.js';

export type LogFormat = 'json' | 'pretty';
export type { Logger };

export function createLogger(level: string = 'info', format: LogFormat = 'pretty'): Logger {
  const opts = {
    level,
    base: undefined,
    redact: { paths: ['password', '*.password', 'spec.password'], censor: '***' },
    hooks: {
      // A DSN may reach a message through an error text: scrub it on the way out.
      logMethod(this: Logger, args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? redactDsns(a) : a)));
      },
    },
  };
  if (format === 'json') return pino(opts, pino.destination({ dest: 2, sync: true }));
  return pino(opts, lazyPretty());
}

/**
 * pino-pretty, loaded on the first line written: a run that logs nothing (the usual cron run)
 * does not pay its start-up (~18 ms of module loading).
 */
function lazyPretty(): DestinationStream {
  let stream: PrettyStream | null = null;
  return {
    write(line: string): void {
      stream ??= (createRequire(import.meta.url)('pino-pretty') as typeof prettyFactory)({
        destination: 2,
        sync: true,
        colorize: process.stderr.isTTY,
        translateTime: 'HH:MM:ss.l',
        ignore: 'pid,hostname',
      });
      stream.write(line);
    },
  };
}

/** A logger that drops everything (library use without logging). */
export const silentLogger: Logger = pino({ level: 'silent' });

/**
 * Logs go to stderr: pino JSON with --log-format json, readable lines otherwise.
 * Results never go through the logger (they go to stdout via the renderers).
 */
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
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
  return pino(opts, pretty({ destination: 2, sync: true, colorize: process.stderr.isTTY, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' }));
}

/** A logger that drops everything (library use without logging). */
export const silentLogger: Logger = pino({ level: 'silent' });

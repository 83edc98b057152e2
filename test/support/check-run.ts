/**
 * Running check in-process with a hook on its own log lines: fault tests act once the run is
 * provably under way (after its n-th sync point), never after a fixed delay.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { check, type CheckApiOptions, type CheckResult } from '../../src/api/check.js';

export interface WatchedRun {
  readonly result: Promise<CheckResult>;
  /** Resolves after the run's n-th established sync point. */
  epoch(n: number): Promise<void>;
  /** Every log line so far (pino JSON). */
  readonly lines: string[];
  /** Resolves on the first log line matching `re`. */
  line(re: RegExp): Promise<string>;
}

export function watchedCheck(o: Omit<CheckApiOptions, 'log'>): WatchedRun {
  const lines: string[] = [];
  let epochs = 0;
  const epochWaiters: { n: number; resolve: () => void }[] = [];
  const lineWaiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) {
        lines.push(l);
        if (l.includes('sync point established')) epochs++;
        for (const w of epochWaiters.filter((x) => epochs >= x.n)) w.resolve();
        for (const w of lineWaiters.filter((x) => x.re.test(l))) w.resolve(l);
      }
      done();
    },
  });
  const result = check({ ...o, log: pino({ level: 'debug' }, sink) });
  result.catch(() => undefined);
  // A run that ends before what a test waits for fails the test at once instead of hanging it.
  const ended = (what: string) =>
    result.then(
      () => Promise.reject(new Error(`the check ended (${epochs} sync point(s)) before ${what}: make the run longer`)),
      (err: unknown) => Promise.reject(err),
    );
  return {
    result,
    lines,
    epoch: (n) => (epochs >= n ? Promise.resolve() : Promise.race([new Promise<void>((resolve) => epochWaiters.push({ n, resolve })), ended(`sync point ${n}`)])),
    line: (re) => {
      const seen = lines.find((l) => re.test(l));
      return seen ? Promise.resolve(seen) : Promise.race([new Promise<string>((resolve) => lineWaiters.push({ re, resolve })), ended(`a log line matching ${re}`)]);
    },
  };
}

export const label = (port: number) => `127.0.0.1:${port}`;

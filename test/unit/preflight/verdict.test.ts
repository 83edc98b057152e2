/** Verdict and ordering of preflight results: reasons first, never a go without evidence. */
import { describe, expect, it } from 'vitest';
import { couldNotRun, result } from '../../../src/preflight/result.js';
import { orderResults, preflightVerdict, reasonsOf } from '../../../src/preflight/verdict.js';

const pass = result('replication-running', 'pass', 'c:1', 'running');
const warn = result('read-only', 'warn', 'c:1', 'writable');
const skip = result('data-consistent', 'skip', 'c:1', '--no-data-check');
const fail1 = result('caught-up', 'fail', 'c:1', 'behind');
const fail2 = result('errant-gtids', 'fail', 'r:2', 'errant');
const notRun = couldNotRun('timeline', 'c:1', 'permission denied');

describe('orderResults', () => {
  it('puts failures first, then could-not-run, warnings, passes, skips; run order within each', () => {
    const ordered = orderResults([pass, skip, warn, fail1, notRun, fail2]);
    expect(ordered.map((r) => r.id)).toEqual(['caught-up', 'errant-gtids', 'timeline', 'read-only', 'replication-running', 'data-consistent']);
  });
});

describe('preflightVerdict', () => {
  it('go when everything passed, warned or was skipped on purpose', () => {
    expect(preflightVerdict([pass, warn, skip])).toBe('go');
  });
  it('no-go on any failure, even with checks that could not run', () => {
    expect(preflightVerdict([pass, notRun, fail1])).toBe('no-go');
  });
  it('incomplete when nothing failed but a check could not run', () => {
    expect(preflightVerdict([pass, notRun])).toBe('incomplete');
    expect(notRun.status).toBe('skip');
    expect(notRun.incomplete).toBe(true);
  });
  it('incomplete, never go, without any result', () => {
    expect(preflightVerdict([])).toBe('incomplete');
  });
});

describe('reasonsOf', () => {
  it('lists the failed checks with id and node, in order', () => {
    expect(reasonsOf(orderResults([pass, fail2, fail1]))).toEqual(['errant-gtids on r:2: errant', 'caught-up on c:1: behind']);
  });
});

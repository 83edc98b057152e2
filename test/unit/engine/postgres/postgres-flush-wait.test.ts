import { describe, expect, it } from 'vitest';
import { flushWaitMs } from '../../../../src/engine/postgres/postgres-replication.js';

describe('how long primary-lock waits for the WAL writer', () => {
  it('is 3 x wal_writer_delay as current_setting() spells it, at most 1 s', () => {
    expect(flushWaitMs('200ms')).toBe(600);
    expect(flushWaitMs('10ms')).toBe(30);
    expect(flushWaitMs('1s')).toBe(1000);
    expect(flushWaitMs('10s')).toBe(1000);
    expect(flushWaitMs('1min')).toBe(1000);
    expect(flushWaitMs(undefined)).toBe(600);
  });
});

import { describe, expect, it } from 'vitest';
import type { Session } from '../../../src/engine/engine.js';
import { SessionPool } from '../../../src/pipeline/checksum/session-pool.js';
import { SyncpointError } from '../../../src/errors.js';

function fakeSession(id: number, opened: Session[]): Session & { closedFlag: boolean } {
  const s = {
    server: { label: 'h:1' },
    connectionId: id,
    closedFlag: false,
    get closed() {
      return this.closedFlag;
    },
    async query() {
      return [];
    },
    async close() {
      this.closedFlag = true;
    },
  } as unknown as Session & { closedFlag: boolean };
  opened.push(s);
  return s;
}

describe('SessionPool', () => {
  it('opens sessions on demand, never more than max, and reuses them', async () => {
    const opened: Session[] = [];
    const pool = new SessionPool(async () => fakeSession(opened.length + 1, opened), 2);
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        pool.use(async () => {
          most = Math.max(most, ++inside);
          await new Promise((r) => setTimeout(r, 2));
          inside--;
        }),
      ),
    );
    expect(most).toBe(2);
    expect(opened).toHaveLength(2);
    await pool.close();
    expect(opened.every((s) => s.closed)).toBe(true);
  });
  it('a lost session is dropped and the statement tried once more on a fresh one', async () => {
    const opened: Session[] = [];
    const pool = new SessionPool(async () => fakeSession(opened.length + 1, opened), 1);
    let calls = 0;
    const out = await pool.use(async (s) => {
      if (++calls === 1) {
        await s.close();
        throw new SyncpointError('connection', 'connection lost', 'h:1');
      }
      return s.connectionId;
    });
    expect(out).toBe(2);
    expect(opened).toHaveLength(2);
    await expect(pool.use(async () => { throw new SyncpointError('server', 'syntax', 'h:1'); })).rejects.toThrow('syntax');
    await pool.close();
  });
});

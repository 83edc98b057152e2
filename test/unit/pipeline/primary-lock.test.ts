/**
 * syncPrimaryLock's decisions against scripted engines. What the servers do with the lock and the
 * waits is covered on real servers (check-faults-primary, check-postgres).
 */
import { describe, expect, it } from 'vitest';
import type { Engine, Session } from '../../../src/engine/engine.js';
import { parseBinlogFilePos, parseMysqlGtidSet, type Position } from '../../../src/engine/position.js';
import type { ReplicaStatus } from '../../../src/engine/types.js';
import { silentLogger } from '../../../src/log.js';
import type { EpochContext } from '../../../src/pipeline/sync/epoch.js';
import { syncPrimaryLock } from '../../../src/pipeline/sync/primary-lock.js';

const session = (label: string) => ({ server: { host: 'h', port: 1, label }, connectionId: 1, closed: false, query: async () => [], close: async () => {} }) as Session;

const status = (sourceServerId: number | null): ReplicaStatus => ({
  kind: 'binlog', receiving: true, applying: true, lastError: null, lagSeconds: 0, executed: null,
  sourceHost: null, sourcePort: null, sourceServerId, executedAtSource: null, openTempTables: null, paused: false, subscriptions: [],
});

function engine(over: Record<string, unknown>, calls: string[]): Engine {
  const replication = {
    lockTablesForSync: async () => { calls.push('lock'); throw new Error('not scripted'); },
    endSnapshot: async () => void calls.push('endSnapshot'),
    beginSnapshot: async () => { calls.push('beginSnapshot'); return null; },
    serverId: async () => 1,
    ...over,
  };
  return { caps: { sharedSnapshots: false }, replication } as unknown as Engine;
}

function context(position: Position, sources: (number | null)[]) {
  const calls: string[] = [];
  const waited: string[] = [];
  const primary = engine({ lockTablesForSync: async () => position }, calls);
  const replicas = sources.map((id, i) => {
    const label = `r${i + 1}:1`;
    return {
      label,
      control: session(label),
      sessions: [session(label)],
      engine: engine({
        replicaStatus: async () => status(id),
        waitApplied: async () => { waited.push(label); return true; },
      }, calls),
    };
  });
  const ctx: EpochContext = {
    primary: { label: 'p:1', engine: primary, control: session('p:1'), sessions: [session('p:1')] },
    replicas,
    tables: [],
    lockWaitMs: 1000,
    lockRetries: 1,
    maxLockMs: 2000,
    syncTimeoutMs: 5000,
    log: silentLogger,
  };
  return { ctx, waited };
}

describe('primary-lock with binlog coordinates (MySQL without GTIDs)', () => {
  it('waits on replicas of the primary; a replica of a replica is left out, saying why (its source writes its own binlog)', async () => {
    const { ctx, waited } = context(parseBinlogFilePos('binlog.000007:4711'), [1, 2, null]);
    const res = await syncPrimaryLock(ctx);
    expect(waited).toEqual(['r1:1', 'r3:1']);
    expect([...res.failed.keys()]).toEqual(['r2:1']);
    expect(res.failed.get('r2:1')).toMatch(/replicates from server_id 2, not from the primary \(server_id 1\).*binlog\.000007:4711.*enable GTIDs/);
  });

  it('GTID positions mean the same on every replica of the tree: no source check', async () => {
    const { ctx, waited } = context(parseMysqlGtidSet('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-10'), [1, 2]);
    const res = await syncPrimaryLock(ctx);
    expect(waited).toEqual(['r1:1', 'r2:1']);
    expect(res.failed.size).toBe(0);
  });
});

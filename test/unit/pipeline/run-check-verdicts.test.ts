/**
 * run-check's verdict paths with fake servers and a fake sync manager (what the servers answer is
 * scripted; nothing here decides what a database would): a table whose last range was taken but
 * never checked, a difference seen by one chunk while another gave the table up, a resume without
 * a replica the earlier run had.
 */
import pino from 'pino';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const fake = vi.hoisted(() => ({
  topo: null as unknown,
  plan: null as unknown,
  acquire: (_table?: string): Promise<unknown> => Promise.reject(new Error('no lane scripted')),
  dropped: new Set<string>(),
}));

vi.mock('../../../src/pipeline/topology/topology.js', () => ({ resolveTopology: async () => fake.topo }));
vi.mock('../../../src/pipeline/sync/restore-held.js', () => ({ restoreOrphanedHolds: async () => [] }));
vi.mock('../../../src/pipeline/plan/load-schemas.js', () => ({ loadSchemas: async () => ({ primaryTables: [], replicaTables: new Map() }) }));
vi.mock('../../../src/pipeline/plan/plan-tables.js', () => ({ planTables: () => fake.plan }));
vi.mock('../../../src/pipeline/sync/sync-manager.js', () => ({
  syncOptionsFor: () => ({}),
  SyncManager: class {
    method = 'fake';
    failedReplicas = new Map();
    stats = { epochs: 1, maxLockMs: 0, maxReplicaPauseMs: 0 };
    acquire(t?: string) {
      return fake.acquire(t);
    }
    release() {}
    refresh() {}
    dropTable(t: string) {
      fake.dropped.add(t);
    }
    deactivate() {}
    isDropped(t: string) {
      return fake.dropped.has(t);
    }
    markReplicaFailed() {}
    async close() {}
  },
}));

import { SyncpointError } from '../../../src/errors.js';
import { RunRecorder } from '../../../src/history/recorder.js';
import type { JournalRecord } from '../../../src/history/records.js';
import { checkDefaults, runCheck, type CheckOptions } from '../../../src/pipeline/run-check.js';

const col = { name: 'id', ordinal: 1, dataType: 'int', columnType: 'int', nullable: false, generated: 'no', charset: null, collation: null };
const tableOf = (name: string, rows: number) => ({ schema: 'd', name, qualified: `d.${name}`, columns: [col], indexes: [], transactional: true, unlogged: false, rowEstimate: rows, dataBytes: 0, collation: null, engine: 'InnoDB' });

let checksums = 0;
/** A session answering every query with `digest` after `ms`. */
const session = (digest: string, ms = 0) => ({
  closed: false,
  connectionId: 1,
  query: async (q: { params?: unknown[] }) => {
    if (ms) await new Promise((r) => setTimeout(r, ms));
    return [{ d: digest, hi: q.params?.[0] }];
  },
  close: async () => {},
});
const sql = {
  nextBoundary: () => ({ sql: 'boundary', params: [] }),
  parseBoundary: () => [1],
  // A dense key 1..rows: ranges by arithmetic, one for a small table.
  keyExtent: (t: { rowEstimate: number }) => ({ sql: 'extent', params: [t.rowEstimate] }),
  parseExtent: (r: { hi: number }) => ({ lo: 1n, hi: BigInt(r.hi) }),
  chunkChecksum: () => {
    checksums++;
    return { sql: 'checksum', params: [] };
  },
  parseChecksum: (r: { d: string }) => ({ rows: 10, digest: r.d }),
  rowCount: () => ({ sql: 'count', params: [] }),
  parseCount: () => 10,
};
const primarySession = session('x');
const engine = { prewarm() {}, caps: { boundsInPrimaryCollation: true }, family: 'mysql-family', sql, session: async () => primarySession, replication: {} };
const lane = (replica: ReturnType<typeof session>, blocked: [string, unknown][] = []) => ({ index: 0, epoch: 1, position: {}, primary: primarySession, replicas: new Map([['r:1', replica]]), blocked: new Map(blocked) });

function setUp(tables: { table: ReturnType<typeof tableOf>; keyed: boolean }[]): void {
  fake.topo = { primary: { label: 'p:1', engine, control: primarySession }, replicas: [{ label: 'r:1', engine, control: primarySession, error: null, status: null }], notes: [], close: async () => {} };
  fake.plan = { tables: tables.map(({ table, keyed }) => ({ table, key: keyed ? { index: 'PRIMARY', columns: [col] } : null, replicas: ['r:1'] })), schemaDrift: [], notes: [] };
}

const options = (extra: Partial<CheckOptions>): CheckOptions =>
  ({ ...checkDefaults, primary: {}, replicas: [], filter: {}, log: pino({ level: 'silent' }), ...extra }) as unknown as CheckOptions;

beforeEach(() => {
  checksums = 0;
  fake.dropped.clear();
});

describe('a range taken and never checked', () => {
  it('leaves the table "not checked", journals no final record, and a resume checks it', async () => {
    setUp([{ table: tableOf('t', 10), keyed: true }]);
    const journal: JournalRecord[] = [];
    const stop = new AbortController();
    // The table's only range is handed out (its source is done), then the run is stopped before
    // the chunk runs.
    fake.acquire = async () => {
      stop.abort(new SyncpointError('interrupted', 'stopped at --max-runtime 60s'));
      throw new SyncpointError('interrupted', 'interrupted');
    };
    const first = await runCheck('check', options({ signal: stop.signal, checkpoint: new RunRecorder({ append: (r: JournalRecord) => journal.push(r) } as never, null) }));
    expect(first.verdict).toBe('incomplete');
    expect(first.tables[0]).toMatchObject({ table: 'd.t', status: 'error', chunks: 0 });
    expect(first.tables[0]!.reason).toMatch(/^not checked/);
    expect(journal.filter((r) => r.type === 'table')).toEqual([]);

    fake.acquire = async () => lane(session('x'));
    const resumed = await runCheck('check', options({ checkpoint: new RunRecorder({ append() {} } as never, journal) }));
    expect(checksums, 'the table is checked, not carried').toBeGreaterThan(0);
    expect(resumed.verdict, JSON.stringify(resumed)).toBe('consistent');
  });
});

describe('a difference seen while another chunk gives the table up', () => {
  it('is reported as drift, the rest skipped', async () => {
    setUp([{ table: tableOf('t', 20_000), keyed: true }, { table: tableOf('s', 1), keyed: false }]);
    let chunksOfT = 0;
    // The first chunk of d.t differs and is slow; every later lane finds d.t locked on the primary.
    fake.acquire = async (t) => {
      if (t !== 'd.t') return lane(session('x'));
      return ++chunksOfT === 1 ? lane(session('DIFFERENT', 200)) : lane(session('x'), [['d.t', { kind: 'locked', reason: 'held by another transaction' }]]);
    };
    const r = await runCheck('check', options({ concurrency: 2 }));
    const t = r.tables.find((x) => x.table === 'd.t')!;
    expect(t.status, t.reason).toBe('drift');
    expect(t.driftChunks).toBe(1);
    expect(t.reason).toMatch(/the rest was skipped/);
    expect(r.verdict).toBe('drift');
  });
});

describe('a chunk that gets its lane after another chunk gave the table up', () => {
  it('is not run: a sync point made after the drop need not hold the table, and no drift is counted from it', async () => {
    setUp([{ table: tableOf('t', 20_000), keyed: true }, { table: tableOf('s', 1), keyed: false }]);
    // Lanes find d.t locked; one worker's lane comes late, after the other worker's chunk gave the
    // table up, from a sync point that did not hold it (its content differs).
    let calls = 0;
    fake.acquire = async (t) => {
      if (t !== 'd.t') return lane(session('x'));
      if (++calls === 2) await new Promise((r) => setTimeout(r, 100));
      if (fake.dropped.has('d.t')) return lane(session('DIFFERENT'));
      return lane(session('x'), [['d.t', { kind: 'locked', reason: 'held by another transaction' }]]);
    };
    const r = await runCheck('check', options({ concurrency: 2 }));
    const t = r.tables.find((x) => x.table === 'd.t')!;
    expect(t.status, t.reason).toBe('skipped');
    expect(t.driftChunks).toBe(0);
    expect(r.verdict).toBe('incomplete');
  });
});

describe('resume without a replica the earlier run had', () => {
  it('carries nothing for the missing replica and does not fail', async () => {
    setUp([{ table: tableOf('t', 20_000), keyed: true }]);
    fake.acquire = async () => lane(session('x'));
    const previous = [
      { type: 'chunk', table: 'd.t', key: ['id'], seq: 0, lower: null, upper: [10_000], primaryRows: 10, ms: 1, replicas: { 'r:1': { rows: 10, same: true }, 'r:2': { rows: 9, same: false } } },
    ] as unknown as JournalRecord[];
    const r = await runCheck('check', options({ checkpoint: new RunRecorder({ append() {} } as never, previous) }));
    expect(r.tables.map((x) => [x.replica, x.status])).toEqual([['r:1', 'ok']]);
    expect(r.verdict).toBe('consistent');
  });
});

/**
 * A replica that stops replicating or dies mid-run is reported (status error, verdict
 * incomplete), and the other replica still finishes with a real answer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/api/check.js';
import { execOnNode, sandboxDown, sandboxUp, type SandboxInfo } from '../../src/sandbox/index.js';

describe('check with a replica failing mid-run (MariaDB)', () => {
  let info: SandboxInfo;
  let parent: string;

  beforeAll(async () => {
    parent = mkdtempSync(join(tmpdir(), 'sp-faults-'));
    info = await sandboxUp({ dir: join(parent, 'sb'), engine: 'mariadb', replicas: 2 });
    await execOnNode(info, 'primary', [
      'CREATE DATABASE f',
      'CREATE TABLE f.big (id INT PRIMARY KEY, a VARCHAR(64), b DOUBLE)',
      'INSERT INTO f.big SELECT seq, MD5(seq), seq / 7 FROM f.seq_1_to_300000',
      'CREATE TABLE f.small (id INT PRIMARY KEY)',
      'INSERT INTO f.small SELECT seq FROM f.seq_1_to_10',
    ], { binlog: true });
    // let the replicas catch up before the runs
    const { waitForReplicas } = await import('../../src/sandbox/index.js');
    await waitForReplicas(info);
  });

  afterAll(async () => {
    if (info) await sandboxDown({ dir: info.dir });
    if (parent) rmSync(parent, { recursive: true, force: true });
  });

  it('a replica whose replication is stopped is an error, not a pass, and the other replica is checked', async () => {
    await execOnNode(info, 'replica2', ['STOP SLAVE']);
    try {
      const res = await check({ primary: info.nodes[0]!.dsn, replicas: info.nodes.slice(1).map((n) => n.dsn), filter: { databases: ['f'] } });
      const r1 = `127.0.0.1:${info.nodes[1]!.port}`;
      const r2 = `127.0.0.1:${info.nodes[2]!.port}`;
      expect(res.verdict).toBe('incomplete');
      expect(res.tables.filter((t) => t.replica === r1).map((t) => t.status)).toEqual(['ok', 'ok']);
      for (const t of res.tables.filter((x) => x.replica === r2)) {
        expect(t.status).toBe('error');
        expect(t.reason).toMatch(/not running/);
      }
    } finally {
      await execOnNode(info, 'replica2', ['START SLAVE']);
    }
  });

  it('a replica killed in the middle of a run is reported as an error; the other finishes', async () => {
    const victim = info.nodes[2]!;
    // Kill only once the run is provably under way: after its second sync point.
    let epochs = 0;
    let underWay!: () => void;
    const secondEpoch = new Promise<void>((r) => (underWay = r));
    const log = pino({ level: 'debug' }, new Writable({
      write(chunk, _enc, done) {
        if (String(chunk).includes('sync point established') && ++epochs === 2) underWay();
        done();
      },
    }));
    const started = check({ primary: info.nodes[0]!.dsn, replicas: info.nodes.slice(1).map((n) => n.dsn), filter: { databases: ['f'] }, chunkTime: 0.01, concurrency: 1, maxSnapshotAgeMs: 300, log });
    await secondEpoch;
    process.kill(victim.pid!, 'SIGKILL');
    const res = await started;
    const r1 = `127.0.0.1:${info.nodes[1]!.port}`;
    const r2 = `127.0.0.1:${victim.port}`;
    expect(res.verdict).toBe('incomplete');
    expect(res.tables.filter((t) => t.replica === r1).every((t) => t.status === 'ok')).toBe(true);
    const big = res.tables.find((t) => t.replica === r1 && t.table === 'f.big')!;
    expect(big.primaryRows).toBe(300000);
    expect(big.replicaRows).toBe(300000);
    expect(res.tables.filter((t) => t.replica === r2).some((t) => t.status === 'error')).toBe(true);
    expect(res.tables.filter((t) => t.replica === r2).every((t) => t.status === 'error' || t.status === 'ok')).toBe(true);
  });
});

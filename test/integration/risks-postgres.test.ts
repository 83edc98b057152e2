/**
 * risks on a real PostgreSQL primary + a physical standby + a logical subscriber: the clean
 * topology raises no error; then local writes on the subscriber, a role that can write there, an
 * UNLOGGED table, a published table the subscription does not follow, a row-filtered publication,
 * a keyless published table, a changed column, a disabled subscription and paused replay are each
 * made to happen and found on the right server and object.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { risks, type RisksResult } from '../../src/api/risks.js';
import { execOnNode, sandboxDown, sandboxUp, waitForReplicas, type SandboxInfo } from '../../src/sandbox/index.js';
import { connectDsn } from '../../src/sandbox/index.js';

const findings = (r: RisksResult, rule: string) => r.findings.filter((f) => f.rule === rule);

describe('risks on PostgreSQL (primary, standby, logical subscriber)', () => {
  let info: SandboxInfo;
  let work: string;
  let primary: string;
  let standby: string;
  let subscriber: string;
  const label = (name: string) => {
    const n = info.nodes.find((x) => x.name === name)!;
    return `${n.host}:${n.port}`;
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'sp-risks-pg-'));
    info = await sandboxUp({ dir: join(work, 'sb'), engine: 'postgres', replicas: 1, logical: 1, serverArgs: { subscriber1: ['--track_commit_timestamp=on'] } });
    primary = info.nodes.find((n) => n.name === 'primary')!.dsn;
    standby = info.nodes.find((n) => n.name === 'standby1')!.dsn;
    subscriber = info.nodes.find((n) => n.name === 'subscriber1')!.dsn;
    const ddl = 'CREATE TABLE shop.accounts (id serial PRIMARY KEY, v int NOT NULL DEFAULT 0)';
    await execOnNode(info, 'primary', [ddl]);
    await execOnNode(info, 'subscriber1', [ddl, 'ALTER SUBSCRIPTION syncpoint_subscriber1 REFRESH PUBLICATION']);
    await execOnNode(info, 'primary', ['INSERT INTO shop.accounts (v) VALUES (1), (2)']);
    await waitForReplicas(info);
  });

  afterAll(async () => {
    if (info) await sandboxDown({ dir: info.dir });
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('a clean topology raises no error finding', async () => {
    const res = await risks({ primary, replicas: [standby, subscriber] });
    expect(res.findings.filter((f) => f.severity === 'error'), JSON.stringify(res.findings, null, 1)).toEqual([]);
    expect(res.verdict).toBe('clean');
    // The sample table without a key is published with REPLICA IDENTITY FULL: slow, not broken.
    expect(findings(res, 'no-primary-key').find((f) => f.object === 'shop.events')?.severity).toBe('warning');
    expect(findings(res, 'publication-gap').map((f) => f.object)).toContain('shop.accounts_id_seq');
  });

  describe('with each risk made to happen', () => {
    let res: RisksResult;

    beforeAll(async () => {
      await execOnNode(info, 'primary', [
        'CREATE UNLOGGED TABLE shop.scratch (id int PRIMARY KEY)',
        'CREATE TABLE shop.nokey (a int, b text)',
        'CREATE TABLE shop.late (id int PRIMARY KEY)',
        'CREATE PUBLICATION filtered FOR TABLE shop.accounts WHERE (v > 0)',
      ]);
      await execOnNode(info, 'subscriber1', [
        'CREATE TABLE shop.late (id int PRIMARY KEY)',
        'CREATE TABLE shop.nokey (a int, b text)',
        // Written locally, through the serial's sequence: two signals of local writes. (The
        // subscriber's sequence starts at 1: not replicated, it would reissue id 1 and collide.)
        "SELECT pg_catalog.setval('shop.accounts_id_seq', 1000)",
        'INSERT INTO shop.accounts (v) VALUES (99)',
        'ALTER TABLE shop.accounts ADD COLUMN extra int',
        'CREATE ROLE app LOGIN',
        'GRANT INSERT, UPDATE ON shop.accounts TO app',
        'ALTER SUBSCRIPTION syncpoint_subscriber1 DISABLE',
      ]);
      const sb = await connectDsn(standby);
      try {
        await sb.query('SELECT pg_catalog.pg_wal_replay_pause()');
      } finally {
        await sb.close();
      }
      res = await risks({ primary, replicas: [standby, subscriber] });
    });

    const one = (rule: string, server: string, object: string) =>
      expect(findings(res, rule).filter((f) => f.server === server && f.object === object), `${rule} on ${server} ${object}: ${JSON.stringify(findings(res, rule), null, 1)}`).not.toHaveLength(0);

    it('finds every risk on the right server and object', () => {
      const [p, s, sb] = [label('primary'), label('subscriber1'), label('standby1')];
      expect(res.verdict).toBe('findings');
      one('writable-subscriber', s, 'shop.accounts');
      one('writable-subscriber', s, 'shop.accounts_id_seq');
      one('writable-subscriber', s, 'role app');
      expect(findings(res, 'writable-subscriber').find((f) => f.object === 'shop.accounts')).toMatchObject({ severity: 'error', evidence: expect.stringMatching(/commit origin 0/) });
      one('unlogged-table', p, 'shop.scratch');
      one('publication-gap', s, 'shop.late');
      one('replication-filter', p, 'shop.accounts');
      one('no-primary-key', p, 'shop.nokey');
      expect(findings(res, 'no-primary-key').find((f) => f.object === 'shop.nokey')?.severity).toBe('error');
      one('schema-drift', s, 'shop.accounts');
      expect(findings(res, 'schema-drift').find((f) => f.object === 'shop.accounts')?.evidence).toMatch(/extra column.*extra/);
      one('subscription-disabled', s, 'subscription syncpoint_subscriber1');
      one('standby-paused', sb, 'replication');
    });

    it('leaves the standby alone for schema drift and reports no MySQL-only rule', () => {
      expect(res.findings.filter((f) => f.rule === 'schema-drift' && f.server === label('standby1'))).toEqual([]);
      expect(res.findings.filter((f) => ['binlog-format', 'writable-replica', 'unsafe-statement'].includes(f.rule))).toEqual([]);
    });
  });
});

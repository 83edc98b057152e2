/**
 * risks on a real MariaDB primary + 2 replicas under binlog_format=STATEMENT: first the clean
 * topology (no error finding, exit 0), then each risk made to happen and its finding asserted on
 * the right server and object: a MyISAM and a MEMORY table, a temporary table held open on the
 * replicas, read_only off with a writable account, a replication filter, a mixed-engine
 * transaction and unsafe statements in the binlog (with safe counterparts not flagged), an engine
 * and a column changed on a replica, non-durable settings, a stopped SQL thread.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { risks, type RisksResult } from '../../src/api/risks.js';
import { connectDsn, execOnNode, sandboxDown, sandboxUp, waitForReplicas, type NodeClient, type SandboxInfo } from '../../src/sandbox/index.js';
import { cli, splitPassword } from '../support/cli.js';


const findings = (r: RisksResult, rule: string) => r.findings.filter((f) => f.rule === rule);

describe('risks on MariaDB (primary + 2 replicas, STATEMENT)', () => {
  let info: SandboxInfo;
  let work: string;
  let primary: string;
  let r1: string;
  let r2: string;
  let held: NodeClient | null = null;
  const label = (i: number) => `${info.nodes[i]!.host}:${info.nodes[i]!.port}`;
  const onPrimary = (sql: string[]) => execOnNode(info, 'primary', sql, { binlog: true });

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'sp-risks-my-'));
    info = await sandboxUp({ dir: join(work, 'sb'), engine: 'mariadb', replicas: 2, binlogFormat: 'STATEMENT', serverArgs: { primary: ['--performance-schema=ON'] } });
    [primary, r1, r2] = info.nodes.map((n) => n.dsn) as [string, string, string];
    await onPrimary([
      'CREATE DATABASE shop',
      'CREATE TABLE shop.orders (id INT AUTO_INCREMENT PRIMARY KEY, v INT NOT NULL DEFAULT 0) ENGINE=InnoDB',
      'CREATE TABLE shop.items (id INT PRIMARY KEY, qty INT) ENGINE=InnoDB',
      'CREATE TABLE shop.drifted (id INT PRIMARY KEY, v INT) ENGINE=InnoDB',
      'INSERT INTO shop.orders (v) VALUES (1), (2), (3)',
      'INSERT INTO shop.items VALUES (1, 1), (2, 2)',
    ]);
    await waitForReplicas(info);
  });

  afterAll(async () => {
    await held?.close().catch(() => undefined);
    if (info) await sandboxDown({ dir: info.dir });
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('a clean topology: no error finding, verdict clean, exit 0 from the CLI', async () => {
    const res = await risks({ primary, replicas: [r1, r2], fromBinlog: true });
    expect(res.findings.filter((f) => f.severity === 'error'), JSON.stringify(res.findings, null, 1)).toEqual([]);
    expect(res.verdict).toBe('clean');
    // STATEMENT is a habit worth a warning, on every server that feeds replicas.
    expect(findings(res, 'binlog-format').map((f) => f.server).sort()).toEqual([label(0), label(1), label(2)].sort());
    const p = splitPassword(primary);
    const out = cli(['risks', '--primary', p.dsn, '--replica', splitPassword(r1).dsn, '--replica', splitPassword(r2).dsn], { MYSQL_PWD: p.pw });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/verdict: CLEAN/);
    expect(out.stdout + out.stderr).not.toContain(p.pw);
  });

  describe('with each risk made to happen', () => {
    let res: RisksResult;

    beforeAll(async () => {
      await onPrimary([
        'CREATE TABLE shop.legacy (id INT PRIMARY KEY, v INT) ENGINE=MyISAM',
        'CREATE TABLE shop.cache (k INT PRIMARY KEY) ENGINE=MEMORY',
        'CREATE TABLE shop.nokey (a INT, b VARCHAR(10)) ENGINE=InnoDB',
        "CREATE USER 'app'@'%' IDENTIFIED BY 'app-secret-pw'",
        "GRANT SELECT, INSERT, UPDATE ON shop.* TO 'app'@'%'",
        // A mixed-engine transaction and unsafe statements, written to the binlog as statements.
        'BEGIN',
        'INSERT INTO shop.orders (v) VALUES (10)',
        'INSERT INTO shop.legacy VALUES (1, 1)',
        'COMMIT',
        'UPDATE shop.orders SET v = v + 1 WHERE v > 0 LIMIT 1',
        'INSERT INTO shop.items (id, qty) VALUES (100, LENGTH(UUID()))',
        'INSERT INTO shop.orders (v) SELECT qty FROM shop.items',
        // Safe counterparts: must not be flagged.
        'UPDATE shop.orders SET v = v + 1 ORDER BY id LIMIT 1',
        'INSERT INTO shop.orders (v) SELECT qty FROM shop.items ORDER BY id',
        'INSERT INTO shop.items (id, qty) VALUES (101, UNIX_TIMESTAMP(NOW()) % 100)',
        'UPDATE shop.items SET qty = FLOOR(RAND(7) * 10)',
      ]);
      // A temporary table held open by a live session: the replicas keep it open too.
      held = await connectDsn(primary);
      await held.exec('SET SESSION sql_log_bin = 1');
      await held.exec('CREATE TEMPORARY TABLE shop.tmp_hold (id INT)');
      await held.exec('INSERT INTO shop.tmp_hold VALUES (1)');
      await waitForReplicas(info);
      // replica1: writable, with a filter. replica2: an engine and a column changed, non-durable, SQL thread stopped.
      await execOnNode(info, 'replica1', ['SET GLOBAL read_only = 0', 'STOP SLAVE', "SET GLOBAL replicate_ignore_db = 'scratch'", 'START SLAVE']);
      await execOnNode(info, 'replica2', [
        'ALTER TABLE shop.items ENGINE=Aria',
        'ALTER TABLE shop.drifted MODIFY v BIGINT',
        'SET GLOBAL sync_binlog = 0',
        'SET GLOBAL innodb_flush_log_at_trx_commit = 2',
        'STOP SLAVE SQL_THREAD',
      ]);
      res = await risks({ primary, replicas: [r1, r2], fromBinlog: true });
    });

    const one = (rule: string, server: string, object: string) =>
      expect(findings(res, rule).filter((f) => f.server === server && f.object === object), `${rule} on ${server} ${object}: ${JSON.stringify(findings(res, rule), null, 1)}`).not.toHaveLength(0);

    it('finds every risk on the right server and object, with evidence', () => {
      expect(res.verdict).toBe('findings');
      one('temp-tables-open', label(1), 'replication');
      one('temp-tables-open', label(2), 'replication');
      expect(findings(res, 'temp-tables-open')[0]!.evidence).toMatch(/Slave_open_temp_tables=[1-9]/);
      one('temp-tables-in-stream', label(0), 'shop.tmp_hold');
      one('non-transactional-table', label(0), 'shop.legacy');
      one('non-transactional-table', label(0), 'shop.cache');
      one('mixed-engine-transaction', label(0), 'shop.legacy');
      one('engine-mismatch', label(2), 'shop.items');
      one('schema-drift', label(2), 'shop.drifted');
      one('writable-replica', label(1), 'read_only');
      one('writable-replica', label(1), 'account app@%');
      one('replication-filter', label(1), 'replicate_ignore_db');
      one('unsafe-durability', label(2), 'sync_binlog');
      one('unsafe-durability', label(2), 'innodb_flush_log_at_trx_commit');
      one('no-primary-key', label(0), 'shop.nokey');
      one('replication-health', label(2), 'replication');
      one('binlog-format', label(0), 'binlog_format');
      expect(findings(res, 'mixed-engine-transaction')[0]).toMatchObject({ severity: 'error', source: expect.stringMatching(/^binlog mariadb-bin\.\d+:\d+$/) });
      expect(findings(res, 'writable-replica').find((f) => f.object === 'read_only')?.severity).toBe('error');
      expect(findings(res, 'engine-mismatch')[0]!.evidence).toMatch(/InnoDB.*Aria/);
    });

    it('names each unsafe statement and why, and leaves the safe counterparts alone', () => {
      const unsafe = findings(res, 'unsafe-statement');
      const about = (re: RegExp) => unsafe.filter((f) => re.test(f.evidence));
      expect(about(/WHERE v > 0 LIMIT 1.*LIMIT and no ORDER BY/)).toHaveLength(1);
      expect(about(/UUID\(\) returns a new value/)[0]).toMatchObject({ severity: 'error', object: 'shop.items' });
      expect(about(/SELECT qty FROM shop\.items:.*AUTO_INCREMENT/)).toHaveLength(1);
      expect(about(/ORDER BY id LIMIT 1/)).toEqual([]);
      expect(about(/ORDER BY id: /)).toEqual([]);
      expect(about(/UNIX_TIMESTAMP|RAND\(7\)/)).toEqual([]);
      expect(JSON.stringify(res)).not.toContain('app-secret-pw');
    });

    it('reads the same statements from performance_schema digests and from a binlog file', async () => {
      expect(res.sources.map((s) => s.kind).sort()).toEqual(['binlog', 'digest']);
      const dir = join(info.nodes[0]!.dataDir);
      const file = readdirSync(dir).filter((f) => /^mariadb-bin\.\d+$/.test(f)).sort().pop()!;
      const copy = join(work, file);
      copyFileSync(join(dir, file), copy);
      const fromFile = await risks({ primary, replicas: [], binlogFiles: [copy], digests: false, rules: ['unsafe-statement', 'mixed-engine-transaction'] });
      expect(fromFile.findings.some((f) => f.rule === 'mixed-engine-transaction' && f.object === 'shop.legacy')).toBe(true);
      expect(fromFile.findings.some((f) => f.rule === 'unsafe-statement' && /LIMIT and no ORDER BY/.test(f.evidence) && f.source?.startsWith(`binlog ${file}:`))).toBe(true);
    });

    it('through the CLI: contract JSON, --fail-on, --sql offline, no password', () => {
      const p = splitPassword(primary);
      const out = cli(['risks', '--primary', p.dsn, '--replica', splitPassword(r1).dsn, '--format', 'json'], { MYSQL_PWD: p.pw });
      expect(out.code, out.stderr).toBe(1);
      const j = JSON.parse(out.stdout);
      expect(j).toMatchObject({ schemaVersion: 1, verdict: 'findings', findings: expect.any(Array) });
      for (const f of j.findings) expect(Object.keys(f)).toEqual(expect.arrayContaining(['rule', 'severity', 'server', 'object', 'evidence', 'remedy']));
      expect(out.stdout + out.stderr).not.toContain(p.pw);

      const sql = join(work, 'app.sql');
      writeFileSync(sql, 'UPDATE shop.orders SET v = 0 ORDER BY id LIMIT 5;\nDELETE FROM shop.orders WHERE v = 0 LIMIT 5;\n');
      const withSql = cli(['risks', '--primary', p.dsn, '--replica', splitPassword(r2).dsn, '--sql', sql, '--rules', 'unsafe-statement', '--no-digests', '--format', 'json'], { MYSQL_PWD: p.pw });
      const fs = JSON.parse(withSql.stdout).findings;
      expect(fs).toEqual([expect.objectContaining({ rule: 'unsafe-statement', severity: 'error', object: 'shop.orders', source: 'app.sql:2' })]);
      expect(withSql.code).toBe(1);
      const warnOnly = cli(['risks', '--primary', p.dsn, '--replica', splitPassword(r2).dsn, '--rules', 'binlog-format', '--fail-on', 'warning'], { MYSQL_PWD: p.pw });
      expect(warnOnly.code).toBe(1);
      const errOnly = cli(['risks', '--primary', p.dsn, '--replica', splitPassword(r2).dsn, '--rules', 'binlog-format'], { MYSQL_PWD: p.pw });
      expect(errOnly.code).toBe(0);
      const offline = cli(['risks', '--sql', sql, '--format', 'json']);
      expect(offline.code).toBe(0);
      // Without a server the binlog format is unknown (warning) and keys are unknown (ORDER BY id: info).
      expect(JSON.parse(offline.stdout).findings.map((f: { severity: string; source: string }) => [f.severity, f.source])).toEqual([['warning', 'app.sql:2'], ['info', 'app.sql:1']]);
      const bad = cli(['risks', '--primary', p.dsn, '--rules', 'no-such-rule'], { MYSQL_PWD: p.pw });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/unknown rule "no-such-rule"/);
    });
  });
});

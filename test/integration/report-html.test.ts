/**
 * syncpoint report RUN --html FILE on real runs, opened in a real headless Chromium: the page
 * renders (its script ran), each table has a chunk strip per replica, the one drifting chunk sits
 * at the position of its key range among the run's chunks, the skipped table shows as skipped,
 * the drift history shows the clean run then the drifting one; no password, no network fetch.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJson } from '../../src/history/codec.js';
import type { ChunkRecord, JournalRecord } from '../../src/history/records.js';
import { execOnNode, sandboxDown, sandboxUp, waitForReplicas, type SandboxInfo } from '../../src/sandbox/index.js';
import type { SandboxEngine } from '../../src/sandbox/types.js';
import { cli, splitPassword } from '../support/cli.js';
import { createTablesEverywhere } from '../support/pg-tables.js';
import { ENGINES } from '../support/topology.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p)) ?? null;
if (!CHROMIUM) console.warn('report-html: no chromium binary (apt-get install -y chromium): the browser checks are skipped');

const ROWS = 30_000;
const DRIFT_ID = 20_000;

function chromium(args: string[], profile: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(CHROMIUM!, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, ...args,
  ], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The cells of one strip in the DOM Chromium dumped: verdicts and titles in document order. */
function stripCells(dom: string, table: string, replica: string): { verdict: string; title: string }[] {
  const section = new RegExp(`<section class="table" data-table="${table.replace('.', '\\.')}"[\\s\\S]*?</section>`).exec(dom)?.[0];
  if (!section) throw new Error(`no section for ${table} in the rendered page`);
  const row = section.split('<tr').find((r) => r.includes(`<th scope="row" class="replica">${replica}</th>`));
  if (!row) throw new Error(`no row for ${replica} in ${table}`);
  const strip = /<div class="strip"[^>]*>([\s\S]*?)<\/div>/.exec(row)?.[1] ?? '';
  return [...strip.matchAll(/<span class="cell[^"]*" data-verdict="([a-z]+)"[^>]*title="([^"]*)"/g)].map((m) => ({ verdict: m[1]!, title: m[2]! }));
}

for (const engine of ENGINES as SandboxEngine[]) {
  describe(`report --html (${engine})`, () => {
    let info: SandboxInfo;
    let parent: string;
    let env: Record<string, string>;
    let args: string[];
    let password: string;
    let replicaLabel: string;
    let cleanRun: string;
    let driftRun: string;
    let html: string;
    let htmlPath: string;

    beforeAll(async () => {
      parent = mkdtempSync(join(tmpdir(), `sp-report-${engine}-`));
      info = await sandboxUp({ dir: join(parent, 'sb'), engine, replicas: engine === 'mariadb' ? 1 : 0, logical: engine === 'postgres' ? 1 : 0 });
      const replicaNode = engine === 'mariadb' ? 'replica1' : 'subscriber1';
      if (engine === 'mariadb') {
        await execOnNode(info, 'primary', ['CREATE DATABASE rep', 'CREATE TABLE rep.t (id INT PRIMARY KEY, a VARCHAR(64))', `INSERT INTO rep.t SELECT seq, MD5(seq) FROM rep.seq_1_to_${ROWS}`, 'CREATE TABLE rep.nokey (v INT)', 'INSERT INTO rep.nokey SELECT seq FROM rep.seq_1_to_50', 'ANALYZE TABLE rep.nokey'], { binlog: true });
        await waitForReplicas(info);
      } else {
        await createTablesEverywhere(info, ['CREATE SCHEMA rep', 'CREATE TABLE rep.t (id int PRIMARY KEY, a text)', 'CREATE TABLE rep.nokey (v int)'], [`INSERT INTO rep.t SELECT g, md5(g::text) FROM generate_series(1, ${ROWS}) g`, 'INSERT INTO rep.nokey SELECT g FROM generate_series(1, 50) g', 'ANALYZE rep.nokey']);
      }
      const p = splitPassword(info.nodes.find((n) => n.role === 'primary')!.dsn);
      const r = splitPassword(info.nodes.find((n) => n.name === replicaNode)!.dsn);
      password = p.pw;
      replicaLabel = `${new URL(r.dsn).hostname}:${new URL(r.dsn).port}`;
      env = { SYNCPOINT_STATE_DIR: join(parent, 'state'), ...(engine === 'mariadb' ? { MYSQL_PWD: p.pw } : { PGPASSWORD: p.pw }) };
      args = ['check', '--primary', p.dsn, '--replica', r.dsn, '--databases', 'rep', '--chunk-time', '0.001', '--concurrency', '1', '--nokey-max-rows', '10', '--cluster', 'report-demo', '--format', 'json'];
      const clean = cli(args, env, 300_000);
      expect(clean.code, clean.stderr).toBe(3); // the keyless table is skipped: incomplete, no drift
      cleanRun = JSON.parse(clean.stdout).run.id;
      await execOnNode(info, replicaNode, [`UPDATE rep.t SET a = 'drift' WHERE id = ${DRIFT_ID}`]);
      const drift = cli(args, env, 300_000);
      expect(drift.code, drift.stderr).toBe(1);
      driftRun = JSON.parse(drift.stdout).run.id;
      htmlPath = join(parent, 'report.html');
      const rep = cli(['report', driftRun, '--html', htmlPath], env);
      expect(rep.code, rep.stderr).toBe(0);
      expect(rep.stdout).toContain(`wrote ${htmlPath}`);
      html = readFileSync(htmlPath, 'utf8');
    });

    afterAll(async () => {
      if (info) await sandboxDown({ dir: info.dir });
      if (parent) rmSync(parent, { recursive: true, force: true });
    });

    const journalChunks = (runId: string, table: string): ChunkRecord[] =>
      readFileSync(join(parent, 'state', 'history', 'runs', `${runId}.jsonl`), 'utf8').split('\n').filter(Boolean)
        .map((l) => decodeJson<JournalRecord>(l)).filter((r): r is ChunkRecord => r.type === 'chunk' && r.table === table).sort((a, b) => a.seq - b.seq);

    it('is self-contained and holds no password', () => {
      expect(html).not.toContain(password);
      expect(html).not.toMatch(/\b(src|href)\s*=/i);
      expect(html).not.toMatch(/url\(|@import|https?:\/\//i);
      expect(html).toContain("default-src 'none'");
    });

    it.skipIf(!CHROMIUM)('renders in headless Chromium with the drifting chunk where its keys are', () => {
      const profile = mkdtempSync(join(tmpdir(), 'sp-chromium-'));
      try {
        const res = chromium(['--virtual-time-budget=5000', '--dump-dom', `file://${htmlPath}`], profile);
        expect(res.code, res.stderr.slice(-2000)).toBe(0);
        const dom = res.stdout;
        expect(dom, 'the page script did not run').toMatch(/<html[^>]*data-ready="1"/);
        const chunks = journalChunks(driftRun, 'rep.t');
        expect(chunks.length, 'the table should have been checked in several chunks').toBeGreaterThan(3);
        // Where the drift must be: the chunk whose key range (lower, upper] holds DRIFT_ID.
        const expected = chunks.findIndex((c) => (c.lower === null || Number(c.lower[0]) < DRIFT_ID) && (c.upper === null || Number(c.upper[0]) >= DRIFT_ID));
        expect(expected).toBeGreaterThan(0);
        const cells = stripCells(dom, 'rep.t', replicaLabel);
        expect(cells).toHaveLength(chunks.length);
        const drift = cells.map((c, i) => [c.verdict, i] as const).filter(([v]) => v === 'drift').map(([, i]) => i);
        expect(drift).toEqual([expected]);
        expect(cells.filter((c) => c.verdict !== 'drift').every((c) => c.verdict === 'ok')).toBe(true);
        expect(cells[expected]!.title).toContain(`(${chunks[expected]!.lower![0]})`);
        // the script labels each strip with its counts
        expect(dom).toMatch(new RegExp(`aria-label="${chunks.length} chunk\\(s\\), 1 differing"`));
        // the keyless table over --nokey-max-rows is one skipped cell
        expect(stripCells(dom, 'rep.nokey', replicaLabel).map((c) => c.verdict)).toEqual(['skipped']);
        // drift history: the clean run, then the drifting one, for rep.t on the replica
        const hist = /<section class="history">[\s\S]*?<\/section>/.exec(dom)![0];
        const row = hist.split('<tr>').find((r) => r.includes('rep.t') && r.includes(replicaLabel))!;
        expect([...row.matchAll(/class="h h-([a-z]+)"/g)].map((m) => m[1])).toEqual(['ok', 'drift']);
        expect(hist).toContain(cleanRun);
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
    });

    it.skipIf(!CHROMIUM)('paints: a screenshot of the page is produced', () => {
      const profile = mkdtempSync(join(tmpdir(), 'sp-chromium-'));
      const shot = join(parent, 'report.png');
      try {
        const res = chromium(['--window-size=1400,1000', `--screenshot=${shot}`, `file://${htmlPath}`], profile);
        expect(res.code, res.stderr.slice(-2000)).toBe(0);
        expect(statSync(shot).size).toBeGreaterThan(10_000);
        expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
      expect(readdirSync(parent).includes('report.png')).toBe(true);
    });

    it('a run id that is not in the history is a usage error', () => {
      const r = cli(['report', '20200101T000000000Z-000000', '--html', join(parent, 'x.html')], env);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/no run 20200101T000000000Z-000000/);
      const bad = cli(['report', driftRun], env);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--html FILE is required/);
    });
  });
}

/**
 * Scheduled-run features on real servers, through the built CLI: a check SIGKILLed mid-run is
 * resumed from its finished chunks (none checked again) and reaches the verdict and counts of an
 * uninterrupted run, with drift injected before and after the kill point; --max-runtime stops
 * cleanly with the exact --resume command; history lists both runs and says where drift was first
 * seen; the metrics file parses strictly with the right values; --history DSN keeps the same
 * journal in a table of a database the test names.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execOnNode, sandboxDown, sandboxUp, waitForReplicas, type SandboxInfo } from '../../src/sandbox/index.js';
import type { SandboxEngine } from '../../src/sandbox/types.js';
import { decodeJson } from '../../src/history/codec.js';
import type { ChunkRecord, JournalRecord } from '../../src/history/records.js';
import { ENGINES } from '../support/topology.js';
import { acquireRunLock } from '../../src/ops/run-lock.js';
import { createTablesEverywhere } from '../support/pg-tables.js';
import { BIN, cli, splitPassword } from '../support/cli.js';
import { parseStrict, valueOf } from '../unit/metrics/strict-prometheus.js';

const ROWS = 200_000;
/**
 * A clean table for --max-runtime: stopping it finds no drift, so the verdict is incomplete (exit 3).
 * Big enough, at --chunk-time 0.001, to still be running after 1 s on a quiet box (300k rows at
 * 0.002 s were not).
 */
const CLEAN_ROWS = 1_000_000;
const DRIFT_IDS = [7, ROWS - 10];

interface Entry { table: string; replica: string; status: string; primaryRows: number; replicaRows: number; chunks: number; driftChunks: number }

for (const engine of ENGINES as SandboxEngine[]) {
  describe(`history and resume (${engine})`, () => {
    let info: SandboxInfo;
    let parent: string;
    let state: string;
    let replicaNode: string;

    beforeAll(async () => {
      parent = mkdtempSync(join(tmpdir(), `sp-hist-${engine}-`));
      state = join(parent, 'state');
      info = await sandboxUp({ dir: join(parent, 'sb'), engine, replicas: engine === 'mariadb' ? 1 : 0, logical: engine === 'postgres' ? 1 : 0 });
      if (engine === 'mariadb') {
        replicaNode = 'replica1';
        await execOnNode(info, 'primary', ['CREATE DATABASE big', 'CREATE TABLE big.t (id INT PRIMARY KEY, a VARCHAR(64))', `INSERT INTO big.t SELECT seq, MD5(seq) FROM big.seq_1_to_${ROWS}`,
          'CREATE TABLE big.c (id INT PRIMARY KEY, a VARCHAR(64))', `INSERT INTO big.c SELECT seq, MD5(seq) FROM big.seq_1_to_${CLEAN_ROWS}`], { binlog: true });
        await waitForReplicas(info);
        await execOnNode(info, replicaNode, [`UPDATE big.t SET a = 'drift' WHERE id IN (${DRIFT_IDS.join(', ')})`]);
      } else {
        replicaNode = 'subscriber1';
        await createTablesEverywhere(info, ['CREATE SCHEMA big', 'CREATE TABLE big.t (id int PRIMARY KEY, a text)', 'CREATE TABLE big.c (id int PRIMARY KEY, a text)'],
          [`INSERT INTO big.t SELECT g, md5(g::text) FROM generate_series(1, ${ROWS}) g`, `INSERT INTO big.c SELECT g, md5(g::text) FROM generate_series(1, ${CLEAN_ROWS}) g`]);
        await execOnNode(info, replicaNode, [`UPDATE big.t SET a = 'drift' WHERE id IN (${DRIFT_IDS.join(', ')})`]);
      }
    });

    afterAll(async () => {
      if (info) await sandboxDown({ dir: info.dir });
      if (parent) rmSync(parent, { recursive: true, force: true });
    });

    const conn = () => {
      const p = splitPassword(info.nodes.find((n) => n.role === 'primary')!.dsn);
      const r = splitPassword(info.nodes.find((n) => n.name === replicaNode)!.dsn);
      return {
        args: ['--primary', p.dsn, '--replica', r.dsn],
        env: { SYNCPOINT_STATE_DIR: state, ...(engine === 'mariadb' ? { MYSQL_PWD: p.pw } : { PGPASSWORD: p.pw }) },
      };
    };
    const common = ['--tables', 'big.t', '--chunk-time', '0.001', '--concurrency', '1', '--max-snapshot-age', '0.3', '--format', 'json'];
    const runsDir = () => join(state, 'history', 'runs');
    const journal = (id: string): JournalRecord[] =>
      readFileSync(join(runsDir(), `${id}.jsonl`), 'utf8').split('\n').filter(Boolean).flatMap((l) => {
        try {
          return [decodeJson<JournalRecord>(l)];
        } catch {
          return []; // the line SIGKILL tore
        }
      });
    const chunksOf = (recs: JournalRecord[]) => recs.filter((r): r is ChunkRecord => r.type === 'chunk');
    const pair = (j: { tables: Entry[] }, table = 'big.t') => j.tables.find((t) => t.table === table)!;
    /** A CLI call that must succeed with JSON on stdout. */
    const json = (args: string[], env: Record<string, string>) => {
      const r = cli([...args, '--format', 'json'], env);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return JSON.parse(r.stdout);
    };
    let baseline: { verdict: string; tables: Entry[] };
    let killedId: string;
    let resumedId: string;

    it('an uninterrupted run (no history) gives the reference verdict', () => {
      const c = conn();
      const res = cli(['check', ...c.args, ...common, '--no-history'], c.env, 300_000);
      expect(res.code, res.stderr).toBe(1);
      baseline = JSON.parse(res.stdout);
      expect(pair(baseline)).toMatchObject({ status: 'drift', primaryRows: ROWS, replicaRows: ROWS, driftChunks: 2 });
      expect(JSON.parse(res.stdout).run.id).toBeNull();
    });

    it('SIGKILL mid-run, then --resume: finished chunks are not checked again and the verdict is the same', async () => {
      const c = conn();
      const child = spawn(process.execPath, [BIN, 'check', ...c.args, ...common, '--cluster', `it-${engine}`], { env: { ...process.env, ...c.env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
      // Kill once the journal holds a few finished chunks: provably mid-run.
      for (let i = 0; ; i++) {
        const files = (() => {
          try {
            return readdirSync(runsDir());
          } catch {
            return [];
          }
        })();
        if (files.length === 1 && chunksOf(journal(files[0]!.replace('.jsonl', ''))).length >= 8) {
          killedId = files[0]!.replace('.jsonl', '');
          break;
        }
        expect(i, `no chunk progress in the journal: ${stderr}`).toBeLessThan(3000);
        await new Promise((r) => setTimeout(r, 20));
      }
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      const killed = journal(killedId);
      expect(killed.some((r) => r.type === 'end'), 'the run finished before the kill: the table is too small to interrupt').toBe(false);
      const finished = chunksOf(killed);
      const lastUpper = finished.at(-1)!.upper;
      expect(lastUpper).not.toBeNull();

      // The run is listed as interrupted, and --resume (no id) finds it by the cluster name.
      const list1 = json(['history', '--cluster', `it-${engine}`], c.env);
      expect(list1.runs.map((r: { id: string; state: string }) => [r.id, r.state])).toEqual([[killedId, 'interrupted']]);

      // A run of the cron job holds the primary's lock: the resume (no --primary) waits its turn,
      // on the same lock, not the cluster name's (exit 3, nothing checked).
      const held = acquireRunLock(`127.0.0.1:${info.nodes[0]!.port}`, 'syncpoint check --primary (the cron job)', { SYNCPOINT_STATE_DIR: c.env['SYNCPOINT_STATE_DIR']! });
      try {
        const locked = cli(['check', '--resume', '--cluster', `it-${engine}`, '--format', 'json'], c.env, 60_000);
        expect(locked.code, locked.stderr).toBe(3);
        expect(locked.stderr).toMatch(/the cron job/);
      } finally {
        held.release();
      }

      const metrics = join(parent, 'sp.prom');
      const res = cli(['check', '--resume', '--cluster', `it-${engine}`, '--metrics-file', metrics, '--format', 'json'], c.env, 300_000);
      expect(res.code, res.stderr).toBe(1);
      const j = JSON.parse(res.stdout);
      resumedId = j.run.id;
      expect(j.run.resumedFrom).toBe(killedId);
      expect(j.run.carriedChunks).toBe(finished.length);
      // ...and the report says they were compared as the data stood when the killed run read them.
      expect(j.notes.join('\n')).toMatch(new RegExp(`${finished.length} chunk\\(s\\) carried from run ${killedId}: compared as the data stood then \\(from \\d{4}-`));
      expect(j.verdict).toBe(baseline.verdict);
      const e = pair(j);
      const b = pair(baseline);
      expect({ status: e.status, primaryRows: e.primaryRows, replicaRows: e.replicaRows, driftChunks: e.driftChunks }).toEqual({ status: b.status, primaryRows: b.primaryRows, replicaRows: b.replicaRows, driftChunks: b.driftChunks });
      expect(e.chunks).toBe(j.run.carriedChunks + j.run.checkedChunks);

      // The resumed journal: carried chunks copied, new chunks start exactly where the old ones stopped.
      const recs = journal(resumedId);
      const carried = chunksOf(recs).filter((r) => r.carried);
      const fresh = chunksOf(recs).filter((r) => !r.carried);
      expect(carried.length).toBe(finished.length);
      expect(fresh.length).toBe(j.run.checkedChunks);
      expect(fresh[0]!.seq).toBe(finished.length);
      expect(JSON.stringify(fresh[0]!.lower)).toBe(JSON.stringify(lastUpper));
      expect(fresh.at(-1)!.upper).toBeNull();
      for (let i = 1; i < fresh.length; i++) expect(JSON.stringify(fresh[i]!.lower)).toBe(JSON.stringify(fresh[i - 1]!.upper));

      // The metrics of the resumed run, read strictly.
      const f = parseStrict(readFileSync(metrics, 'utf8'));
      const cl = { cluster: `it-${engine}` };
      const replica = j.replicas[0];
      expect(valueOf(f, 'syncpoint_last_run_verdict', { ...cl, verdict: 'drift' })).toBe(1);
      expect(valueOf(f, 'syncpoint_last_run_verdict', { ...cl, verdict: 'incomplete' })).toBe(0);
      expect(valueOf(f, 'syncpoint_last_run_verdict', { ...cl, verdict: 'consistent' })).toBe(0);
      expect(valueOf(f, 'syncpoint_tables_checked', cl)).toBe(1);
      expect(valueOf(f, 'syncpoint_drift_tables', { ...cl, replica })).toBe(1);
      expect(valueOf(f, 'syncpoint_drift_chunks', { ...cl, replica })).toBe(2);
      expect(valueOf(f, 'syncpoint_table_drift_chunks', { ...cl, replica, table: 'big.t' })).toBe(2);
      expect(valueOf(f, 'syncpoint_errors', cl)).toBe(0);
      expect(valueOf(f, 'syncpoint_last_run_duration_seconds', cl)).toBeCloseTo(j.durationMs / 1000, 3);
      const ts = valueOf(f, 'syncpoint_last_run_timestamp_seconds', cl)!;
      expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(120);
      // MariaDB reports Seconds_Behind_Master; a PostgreSQL logical subscriber reports no lag (no sample then).
      const lag = valueOf(f, 'syncpoint_replica_lag_seconds', { ...cl, replica });
      if (engine === 'mariadb') expect(lag).toBeGreaterThanOrEqual(0);
      else expect(lag).toBeUndefined();
      expect(readdirSync(parent).filter((n) => n.includes('.tmp'))).toEqual([]);
    });

    it('history lists both runs and shows where drift was first seen', () => {
      const c = conn();
      // a third run: the drift is still there, first seen at the resumed run (the killed one had no result)
      const third = cli(['check', ...c.args, ...common, '--cluster', `it-${engine}`], c.env, 300_000);
      expect(third.code, third.stderr).toBe(1);
      const thirdId = JSON.parse(third.stdout).run.id;
      const list = json(['history', '--cluster', `it-${engine}`], c.env);
      expect(list.runs.map((r: { id: string }) => r.id)).toEqual([thirdId, resumedId, killedId]);
      expect(list.runs[1]).toMatchObject({ state: 'finished', verdict: 'drift', resumedFrom: killedId });
      expect(list.runs[2]).toMatchObject({ state: 'interrupted', verdict: null });
      const d = json(['history', thirdId], c.env);
      expect(d.pairs.find((p: { table: string }) => p.table === 'big.t').driftFirstSeen).toBe(resumedId);
      const killed = json(['history', killedId], c.env);
      expect(killed.run.resumedBy).toEqual([resumedId]);
      expect(killed.verdict).toBe('unfinished');
      const text = cli(['history', thirdId], c.env).stdout;
      expect(text).toContain(`run ${resumedId}`);
    });

    it('--max-runtime stops cleanly (exit 3) with the exact --resume command, which then finishes', () => {
      const c = conn();
      // Chunks of about a millisecond: thousands of round trips, so the run is still going after 1 s
      // whatever the hash costs (with the fast hash, 0.002 s chunks finished 1M rows in 0.6 s).
      const args = [...c.args, ...common.map((a) => (a === 'big.t' ? 'big.c' : a)), '--cluster', `rt-${engine}`];
      const stopped = cli(['check', ...args, '--max-runtime', '1'], c.env, 300_000);
      expect(stopped.code, stopped.stderr).toBe(3);
      const s = JSON.parse(stopped.stdout);
      expect(s.verdict).toBe('incomplete');
      expect(s.error).toBe('stopped at --max-runtime 1s');
      expect(pair(s, 'big.c')).toMatchObject({ status: 'error', reason: 'not checked: stopped at --max-runtime 1s' });
      const note = s.notes.find((n: string) => n.startsWith('resumable:'));
      expect(note).toBe(`resumable: syncpoint check --resume ${s.run.id} (finished chunks are not checked again)`);
      // The original --max-runtime is kept unless overridden: a generous one lets the rest finish.
      const resumed = cli(['check', '--resume', s.run.id, '--max-runtime', '600', '--format', 'json'], c.env, 300_000);
      expect(resumed.code, resumed.stderr).toBe(0);
      const r = JSON.parse(resumed.stdout);
      expect(r.run.resumedFrom).toBe(s.run.id);
      expect(pair(r, 'big.c')).toMatchObject({ status: 'ok', primaryRows: CLEAN_ROWS, replicaRows: CLEAN_ROWS, driftChunks: 0 });
      expect(r.run.carriedChunks).toBe(chunksOf(journal(s.run.id)).length);
      expect(r.run.carriedChunks + r.run.checkedChunks).toBe(pair(r, 'big.c').chunks);
      // resuming a finished run is refused
      const again = cli(['check', '--resume', r.run.id], c.env);
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/finished \(verdict consistent\): nothing to resume/);
    });

    it('--history DSN records the run in a table of the named database, and history reads it back', async () => {
      const c = conn();
      const p = info.nodes.find((n) => n.role === 'primary')!;
      const u = new URL(splitPassword(p.dsn).dsn);
      if (engine === 'mariadb') {
        await execOnNode(info, 'primary', ['CREATE DATABASE ops'], { binlog: true });
        u.pathname = '/ops';
      } else {
        // Another database than the published one: a new table in a FOR ALL TABLES publication
        // would stop the subscriber's apply worker (the table does not exist there).
        await execOnNode(info, 'primary', ['CREATE DATABASE ops']);
        await execOnNode(info, 'primary', ['CREATE SCHEMA hist'], { database: 'ops' });
        u.pathname = '/ops';
        u.searchParams.set('schema', 'hist');
      }
      const dsn = u.toString();
      const res = cli(['check', ...c.args, ...common, '--cluster', `db-${engine}`, '--history', dsn], c.env, 300_000);
      expect(res.code, res.stderr).toBe(1);
      const id = JSON.parse(res.stdout).run.id;
      expect(JSON.parse(res.stdout).run.store).not.toMatch(/:[^@/]*@/);
      const list = json(['history', '--history', dsn], c.env);
      expect(list.runs.map((r: { id: string; verdict: string }) => [r.id, r.verdict])).toEqual([[id, 'drift']]);
      const [rows] = engine === 'mariadb'
        ? await execOnNode(info, 'primary', ['SELECT kind, COUNT(*) AS n FROM ops.syncpoint_history GROUP BY kind ORDER BY kind'])
        : await execOnNode(info, 'primary', ['SELECT kind, count(*)::int AS n FROM hist.syncpoint_history GROUP BY kind ORDER BY kind'], { database: 'ops' });
      const kinds = Object.fromEntries(rows!.rows.map((x) => [x['kind'], Number(x['n'])]));
      expect(kinds).toMatchObject({ start: 1, end: 1, summary: 1, table: 1 });
      expect(kinds['chunk']).toBe(JSON.parse(res.stdout).run.checkedChunks);
      // nothing went to the local store
      expect(existsSync(join(runsDir(), `${id}.jsonl`))).toBe(false);
    });
  });
}

describe('a run that cannot even connect', () => {
  it('is recorded as incomplete with its error, and the metrics say so (a failing cron job is not silence)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sp-hist-fail-'));
    try {
      const env = { SYNCPOINT_STATE_DIR: join(dir, 'state'), MYSQL_PWD: 'x' };
      const metrics = join(dir, 'm.prom');
      const res = cli(['check', '--primary', 'mysql://u@127.0.0.1:9/', '--replica', 'mysql://u@127.0.0.1:10/', '--connect-timeout', '3', '--metrics-file', metrics, '--cluster', 'down'], env);
      expect(res.code, res.stderr).toBe(3);
      expect(res.stderr).toMatch(/127\.0\.0\.1:9/);
      const f = parseStrict(readFileSync(metrics, 'utf8'));
      expect(valueOf(f, 'syncpoint_last_run_verdict', { cluster: 'down', verdict: 'incomplete' })).toBe(1);
      expect(valueOf(f, 'syncpoint_errors', { cluster: 'down' })).toBe(1);
      const list = cli(['history', '--cluster', 'down', '--format', 'json'], env);
      const runs = JSON.parse(list.stdout).runs;
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ state: 'finished', verdict: 'incomplete', errors: 1 });
      // a metrics directory that does not exist is a configuration error before anything runs
      const bad = cli(['check', '--primary', 'mysql://u@127.0.0.1:9/', '--metrics-file', join(dir, 'nope', 'm.prom')], env);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--metrics-file .*does not exist/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

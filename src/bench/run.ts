/**
 * `npm run bench`: syncpoint against pt-table-checksum and the raw-scan bounds on a sandbox of
 * its own. Not a test: it is never run by CI or vitest.
 *
 *   node dist/bench/run.js [--rows 2000000] [--repeat 5] [--engines mariadb,postgres]
 *                          [--chunk-time <s>] [--no-pt] [--results-dir bench/results] [--timeout-minutes 90]
 *
 * Per engine: sandbox up (MariaDB primary + 2 replicas, ROW binlog; PostgreSQL primary + standby
 * + logical subscriber), dataset generated on the server, replicas waited for, one warm-up pass,
 * then --repeat rounds in which the measures alternate order (forward, then backward) so drift in
 * the machine's load spreads over all of them. Medians, ratios, syncpoint's peak RSS and the
 * primary's write latency go to the terminal and to bench/results/<date>T<hhmm>Z-<engine>-<rows>.json.
 * The sandbox is removed in a finally, on SIGINT/SIGTERM and when the time bound runs out.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectDsn, installedEngines, sandboxDown, sandboxUp, waitForReplicas, type SandboxEngine, type SandboxInfo } from '../sandbox/index.js';
import { closeBoundServers, openBoundServers, runBound, type BoundServer } from './bound.js';
import { killChildren } from './child.js';
import { BENCH_SCHEMA, loadDataset, schemaDdl } from './dataset.js';
import { startProbe } from './probe.js';
import { FIXED_COST, machine, printSummary, summarize, writeResults, type EngineResults } from './report.js';
import { preparePt, ptAvailable, runPt, runSyncpoint } from './runners.js';

interface BenchArgs {
  rows: number;
  repeat: number;
  engines: SandboxEngine[];
  chunkTime: number | null;
  pt: boolean;
  resultsDir: string;
  timeoutMinutes: number;
}

const PROBE_PER_SECOND = 20;
const say = (m: string) => process.stdout.write(m + '\n');

function usage(msg: string): never {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): BenchArgs {
  const a: BenchArgs = {
    rows: 2_000_000,
    repeat: 5,
    engines: installedEngines(),
    chunkTime: null,
    pt: true,
    resultsDir: fileURLToPath(new URL('../../bench/results/', import.meta.url)),
    timeoutMinutes: 90,
  };
  const int = (flag: string, v: string | undefined, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) usage(`${flag} must be a whole number >= ${min}, got ${JSON.stringify(v ?? '')}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i]!;
    const v = argv[i + 1];
    switch (f) {
      case '--rows': a.rows = int(f, v, 1000); i++; break;
      case '--repeat': a.repeat = int(f, v, 1); i++; break;
      case '--timeout-minutes': a.timeoutMinutes = int(f, v, 1); i++; break;
      case '--chunk-time': {
        const n = Number(v);
        if (!Number.isFinite(n) || n <= 0) usage(`--chunk-time must be a positive number of seconds, got ${JSON.stringify(v ?? '')}`);
        a.chunkTime = n;
        i++;
        break;
      }
      case '--engines': {
        const list = (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
        for (const e of list) {
          if (e !== 'mariadb' && e !== 'postgres') usage(`--engines takes mariadb and/or postgres, got ${JSON.stringify(e)}`);
          if (!installedEngines().includes(e)) usage(`--engines: ${e} server binaries are not installed`);
        }
        if (list.length === 0) usage('--engines needs a value');
        a.engines = list as SandboxEngine[];
        i++;
        break;
      }
      case '--results-dir': if (!v) usage('--results-dir needs a path'); a.resultsDir = v; i++; break;
      case '--no-pt': a.pt = false; break;
      case '-h': case '--help':
        say('usage: npm run bench -- [--rows N] [--repeat N] [--engines mariadb,postgres] [--chunk-time S] [--no-pt] [--results-dir DIR] [--timeout-minutes N]');
        process.exit(0);
      default: usage(`unknown argument ${JSON.stringify(f)} (try --help)`);
    }
  }
  if (a.engines.length === 0) usage('neither MariaDB nor PostgreSQL server binaries are installed');
  return a;
}

/** Sandboxes up right now, for the signal handlers. */
const live = new Set<string>();

async function teardown(dir: string): Promise<void> {
  try {
    if (existsSync(dir)) await sandboxDown({ dir });
  } catch (err) {
    process.stderr.write(`bench: could not remove the sandbox in ${dir}: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  rmSync(`${dir}.tmp`, { recursive: true, force: true });
  live.delete(dir);
}

let aborting = false;
async function abortAll(why: string, code: number): Promise<never> {
  if (!aborting) {
    aborting = true;
    process.stderr.write(`bench: ${why}: stopping children and removing sandboxes\n`);
    killChildren();
    await Promise.all([...live].map(teardown));
  }
  process.exit(code);
}

/** Cache per server: the dataset takes about 200 bytes a row on disk; 1 GB at least, 4 GB at most (three servers share the box). */
function cacheMb(rows: number): number {
  return Math.max(1024, Math.min(4096, Math.ceil((rows * 250) / 2 ** 20)));
}

async function bringUp(engine: SandboxEngine, rows: number): Promise<SandboxInfo> {
  const dir = join(tmpdir(), `syncpoint-bench-${engine}-${process.pid}-${randomBytes(3).toString('hex')}`);
  live.add(dir);
  // Room for the whole dataset in memory on every server, so each tool reads from cache alike.
  const mb = cacheMb(rows);
  const serverArgs: Record<string, string[]> =
    engine === 'mariadb' ? { '*': [`--innodb-buffer-pool-size=${mb}M`, '--innodb-log-file-size=512M'] } : { '*': [`--shared_buffers=${mb}MB`, '--max_wal_size=4GB'] };
  if (engine === 'mariadb') {
    // A temporary directory per server rather than the shared /tmp, where other processes on a
    // busy machine may clean up files an on-disk temporary table still uses.
    for (const node of ['primary', 'replica1', 'replica2']) {
      const tmp = join(`${dir}.tmp`, node);
      mkdirSync(tmp, { recursive: true });
      serverArgs[node] = [`--tmpdir=${tmp}`];
    }
  }
  return sandboxUp({ dir, engine, replicas: engine === 'mariadb' ? 2 : 1, logical: engine === 'postgres' ? 1 : 0, binlogFormat: 'ROW', serverArgs, timeoutMs: 300_000 });
}

async function createAndLoad(info: SandboxInfo, rows: number): Promise<void> {
  const primary = info.nodes.find((n) => n.role === 'primary')!;
  // Logical subscribers do not get DDL: the tables are made there too, then the subscription refreshed.
  for (const s of info.nodes.filter((n) => n.role === 'subscriber')) {
    const c = await connectDsn(s.dsn);
    try {
      for (const sql of schemaDdl(info.engine)) await c.exec(sql);
    } finally {
      await c.close();
    }
  }
  const c = await connectDsn(primary.dsn);
  try {
    for (const sql of schemaDdl(info.engine)) await c.exec(sql);
    for (const s of info.nodes.filter((n) => n.role === 'subscriber')) {
      const sc = await connectDsn(s.dsn);
      try {
        await sc.exec(`ALTER SUBSCRIPTION ${s.replicationName} REFRESH PUBLICATION`);
      } finally {
        await sc.close();
      }
    }
    await loadDataset(c, info.engine, rows, say);
  } finally {
    await c.close();
  }
  await waitForReplicas(info, { timeoutMs: 1_800_000 });
}

interface Measure {
  readonly name: string;
  run(): Promise<void>;
}

async function benchEngine(engine: SandboxEngine, a: BenchArgs): Promise<void> {
  say(`\n== ${engine}: sandbox up`);
  const info = await bringUp(engine, a.rows);
  let servers: BoundServer[] = [];
  try {
    const loadStarted = Date.now();
    say(`== ${engine}: loading ${a.rows} rows`);
    await createAndLoad(info, a.rows);
    const loadSeconds = (Date.now() - loadStarted) / 1000;
    say(`   loaded and replicated in ${loadSeconds.toFixed(1)} s`);
    const primary = info.nodes.find((n) => n.role === 'primary')!;
    servers = await openBoundServers(info.nodes.map((n) => n.dsn));
    const usePt = engine === 'mariadb' && a.pt && ptAvailable();
    if (engine === 'mariadb' && a.pt && !usePt) say('   pt-table-checksum not found (apt-get install percona-toolkit): skipped');
    let pt = usePt ? await preparePt(info) : null;
    const timeoutMs = a.timeoutMinutes * 60_000;
    const checkArgs = a.chunkTime ? ['--chunk-time', String(a.chunkTime)] : [];
    const r: EngineResults = {
      engine,
      serverVersion: info.serverVersion,
      topology: engine === 'mariadb' ? 'primary + 2 replicas (ROW binlog, GTID)' : 'primary + physical standby + logical subscriber',
      rows: a.rows,
      repeat: a.repeat,
      loadSeconds,
      samples: {},
      peakRssMb: [],
      maxLockMs: [],
      maxReplicaPauseMs: [],
      epochs: [],
      chunks: [],
      probeDuringCheckMs: [],
      probeIdleMs: [],
      chunkTimeSeconds: a.chunkTime ?? 0.5,
    };
    say(`== ${engine}: warm-up pass`);
    await runBound(servers, 'same-hash', () => true);
    await runSyncpoint(info, 'check', checkArgs, timeoutMs);
    if (pt) {
      try {
        await runPt(pt, timeoutMs);
      } catch (err) {
        say(`   pt-table-checksum does not run here, left out: ${err instanceof Error ? err.message : String(err)}`);
        pt = null;
      }
    }
    const record = (name: string, ms: number): void => {
      (r.samples[name] ??= []).push(ms);
    };
    let lastCheckMs = 5000;
    const measures: Measure[] = [
      {
        name: 'syncpoint check',
        run: async () => {
          const probe = await startProbe(primary.dsn, engine, PROBE_PER_SECOND);
          let res;
          try {
            res = await runSyncpoint(info, 'check', checkArgs, timeoutMs);
          } finally {
            r.probeDuringCheckMs.push(...(await probe.stop()));
          }
          if (res.verdict !== 'consistent') throw new Error(`syncpoint check said ${res.verdict} on identical data`);
          record('syncpoint check', res.ms);
          lastCheckMs = res.ms;
          r.peakRssMb.push(res.peakRssMb);
          r.maxLockMs.push(res.maxLockMs);
          r.maxReplicaPauseMs.push(res.maxReplicaPauseMs);
          r.epochs.push(res.epochs);
          r.chunks.push(res.chunks);
        },
      },
      ...(pt
        ? [{
            name: 'pt-table-checksum',
            run: async () => {
              const res = await runPt(pt, timeoutMs);
              if (res.diffs > 0) throw new Error(`pt-table-checksum found ${res.diffs} differing chunk(s) on identical data`);
              record('pt-table-checksum', res.ms);
            },
          }]
        : []),
      {
        name: FIXED_COST,
        run: async () => {
          const res = await runSyncpoint(info, 'check', [...checkArgs, '--tables', `${BENCH_SCHEMA}.probe`], timeoutMs);
          if (res.verdict !== 'consistent') throw new Error(`syncpoint check of the probe table said ${res.verdict} on identical data`);
          record(FIXED_COST, res.ms);
        },
      },
      {
        name: 'syncpoint check --hash strong',
        run: async () => {
          const res = await runSyncpoint(info, 'check', [...checkArgs, '--hash', 'strong'], timeoutMs);
          if (res.verdict !== 'consistent') throw new Error(`syncpoint check --hash strong said ${res.verdict} on identical data`);
          record('syncpoint check --hash strong', res.ms);
        },
      },
      { name: 'raw bound, same row hash', run: async () => record('raw bound, same row hash', await runBound(servers, 'same-hash', () => true)) },
      { name: 'raw bound, cheap hash', run: async () => record('raw bound, cheap hash', await runBound(servers, 'cheap-hash', () => true)) },
      {
        name: 'syncpoint counts',
        run: async () => {
          const res = await runSyncpoint(info, 'counts', [], timeoutMs);
          if (res.verdict !== 'consistent') throw new Error(`syncpoint counts said ${res.verdict} on identical data`);
          record('syncpoint counts', res.ms);
        },
      },
      { name: 'COUNT(*) on every server', run: async () => record('COUNT(*) on every server', await runBound(servers, 'count', () => true)) },
      {
        name: 'idle probe',
        run: async () => {
          const probe = await startProbe(primary.dsn, engine, PROBE_PER_SECOND);
          await new Promise((res) => setTimeout(res, Math.min(lastCheckMs, 10_000)));
          r.probeIdleMs.push(...(await probe.stop()));
        },
      },
    ];
    for (let round = 1; round <= a.repeat; round++) {
      const order = round % 2 ? measures : [...measures].reverse();
      const line: string[] = [];
      for (const m of order) {
        await waitForReplicas(info, { timeoutMs: 600_000 });
        const before = r.samples[m.name]?.length ?? 0;
        await m.run();
        const xs = r.samples[m.name];
        if (xs && xs.length > before) line.push(`${m.name} ${(xs[xs.length - 1]! / 1000).toFixed(2)}s`);
      }
      say(`   round ${round}/${a.repeat}: ${line.join(', ')}`);
    }
    const summary = summarize(r);
    printSummary(r, summary, say);
    const file = writeResults(a.resultsDir, engine, a.rows, {
      date: new Date().toISOString(),
      machine: machine(),
      engine,
      serverVersion: r.serverVersion,
      topology: r.topology,
      rows: r.rows,
      repeat: r.repeat,
      dataset: `schema ${BENCH_SCHEMA}: int_key 50%, composite_key 25%, wide_text 15%, json_blob 10% of --rows, plus a 100-row probe table`,
      serverSettings: engine === 'mariadb' ? `innodb_buffer_pool_size=${cacheMb(a.rows)}M` : `shared_buffers=${cacheMb(a.rows)}MB`,
      notes: [
        'raw bound, same row hash: one full-table query per table on every server, all at once, with the exact row hash syncpoint check uses by default (--hash fast); check / this bound is the cost of chunking and synchronization',
        'syncpoint check --hash strong: the same run with the 128-bit SHA1 / md5 row hash',
        `${FIXED_COST}: what every run costs whatever the data (process start, connections, discovery, schema, the first sync point, one small chunk); (check - it) / bound is the cost of chunking and synchronization over the data itself`,
        'raw bound, cheap hash: COUNT + BIT_XOR(CRC32(CONCAT_WS(...))) (pt-table-checksum\'s row expression, MariaDB) / sum(hashtext(row::text)) (PostgreSQL): the cheapest full-row hash each server has',
        `probe: single-row UPDATE on ${BENCH_SCHEMA}.probe at ${PROBE_PER_SECOND}/s on the primary, latency from its scheduled time`,
      ],
      loadSeconds: r.loadSeconds,
      summary,
      samplesMs: r.samples,
      syncpoint: { peakRssMb: r.peakRssMb, maxLockMs: r.maxLockMs, maxReplicaPauseMs: r.maxReplicaPauseMs, epochs: r.epochs, chunks: r.chunks },
    });
    say(`   results: ${file}`);
  } finally {
    await closeBoundServers(servers).catch(() => undefined);
    say(`== ${engine}: sandbox down`);
    await teardown(info.dir);
  }
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  process.on('SIGINT', () => void abortAll('interrupted', 130));
  process.on('SIGTERM', () => void abortAll('terminated', 143));
  const bound = setTimeout(() => void abortAll(`time bound of ${a.timeoutMinutes} min reached`, 3), a.timeoutMinutes * 60_000);
  bound.unref();
  say(`syncpoint bench: ${a.rows} rows, ${a.repeat} rounds, engines ${a.engines.join(', ')}; machine ${JSON.stringify(machine())}`);
  try {
    for (const e of a.engines) await benchEngine(e, a);
  } finally {
    clearTimeout(bound);
  }
}

main().catch(async (err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  killChildren();
  await Promise.all([...live].map(teardown));
  process.exit(1);
});

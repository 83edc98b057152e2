/**
 * Integration-test helpers: which engines this machine can run, and a sandbox per test file that
 * is always torn down (afterAll, and a synchronous kill on process exit if afterAll never ran).
 */
import { afterAll, beforeAll } from 'vitest';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  connectDsn,
  installedEngines,
  loadSampleData,
  sandboxDown,
  sandboxUp,
  type SampleDataOptions,
  type SampleDataResult,
  type SandboxEngine,
  type SandboxInfo,
  type SandboxNode,
  type SandboxUpOptions,
} from '../../src/sandbox/index.js';

/**
 * Engines whose server binaries are installed, MariaDB first. SYNCPOINT_TEST_ENGINES=mariadb
 * (comma-separated) narrows the list.
 */
export const ENGINES: SandboxEngine[] = (() => {
  const installed = installedEngines();
  const wanted = process.env['SYNCPOINT_TEST_ENGINES']?.split(',').map((s) => s.trim()).filter(Boolean);
  return wanted ? installed.filter((e) => wanted.includes(e)) : installed;
})();

/** A fresh, not yet existing directory under the OS temp dir (sandboxUp creates it). */
export function tempSandboxDir(engine: SandboxEngine): string {
  return join(tmpdir(), `syncpoint-it-${engine}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Pids of live processes whose command line mentions `text` (e.g. a sandbox dir). Linux only. */
export function processesMentioning(text: string): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (/\) [ZX] /.test(stat)) continue;
      if (readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0').join(' ').includes(text)) out.push(Number(e));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** Last-resort teardown without async: SIGKILL whatever still runs from `dir`, remove it. */
function killSandboxSync(dir: string): void {
  for (const pid of processesMentioning(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

export interface SandboxHandle {
  readonly engine: SandboxEngine;
  readonly dir: string;
  /** Available from the file's tests on (after beforeAll). */
  readonly info: SandboxInfo;
  readonly sample: SampleDataResult | null;
  readonly primary: SandboxNode;
  /** Replicas, standbys and subscribers. */
  readonly replicas: SandboxNode[];
  node(name: string): SandboxNode;
  /** Rows of one query on one node (reads work on standbys too). */
  query(nodeName: string, sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
}

export interface WithSandboxOptions extends Omit<SandboxUpOptions, 'dir' | 'engine' | 'log'> {
  /** Load the sample data after up: true for the defaults, or its options (e.g. { rows: 20_000 }). */
  sample?: boolean | SampleDataOptions;
}

/**
 * Starts a sandbox in beforeAll and takes it down in afterAll, in a unique directory under
 * os.tmpdir(). Call at the top of a describe block (or file).
 */
export function withSandbox(engine: SandboxEngine, opts: WithSandboxOptions = {}): SandboxHandle {
  const dir = tempSandboxDir(engine);
  let info: SandboxInfo | null = null;
  let sample: SampleDataResult | null = null;
  const onExit = () => killSandboxSync(dir);
  const { sample: sampleOpt, ...upOpts } = opts;

  beforeAll(async () => {
    process.once('exit', onExit);
    info = await sandboxUp({ ...upOpts, dir, engine });
    if (sampleOpt) sample = await loadSampleData(info, sampleOpt === true ? {} : sampleOpt);
  });

  afterAll(async () => {
    try {
      if (existsSync(dir)) await sandboxDown({ dir });
    } finally {
      killSandboxSync(dir);
      process.removeListener('exit', onExit);
    }
  });

  const need = (): SandboxInfo => {
    if (!info) throw new Error(`the ${engine} sandbox is not up (beforeAll failed or has not run)`);
    return info;
  };
  return {
    engine,
    dir,
    get info() {
      return need();
    },
    get sample() {
      return sample;
    },
    get primary() {
      return need().nodes.find((n) => n.role === 'primary')!;
    },
    get replicas() {
      return need().nodes.filter((n) => n.role !== 'primary');
    },
    node(name: string) {
      const n = need().nodes.find((x) => x.name === name);
      if (!n) throw new Error(`no node ${name} in the ${engine} sandbox`);
      return n;
    },
    async query(nodeName, sql, params) {
      const c = await connectDsn(this.node(nodeName).dsn);
      try {
        return await c.query(sql, params);
      } finally {
        await c.close();
      }
    },
  };
}

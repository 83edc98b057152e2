/**
 * The five-minute tour: a sandbox, sample data, drift injected behind replication's back on one
 * replica, a check, and the verdict of whether check found exactly what was injected.
 */
import type { Logger } from 'pino';
import { silentLogger } from '../log.js';
import { check } from './check.js';
import type { CheckResult } from '../pipeline/report/check-result.js';
import { injectDrift, loadSampleData, sandboxDown, sandboxUp, SAMPLE_SCHEMA, type InjectedDrift } from '../sandbox/index.js';
import type { SandboxEngine } from '../sandbox/types.js';

export interface DemoOptions {
  readonly engine?: SandboxEngine;
  readonly dir?: string;
  readonly rows?: number;
  readonly keep?: boolean;
  readonly log?: Logger;
  readonly signal?: AbortSignal;
}

export interface DemoResult {
  readonly schemaVersion: 1;
  readonly command: 'demo';
  /** passed: check reported drift on exactly the injected tables of the drifted node, and nothing else. */
  readonly verdict: 'passed' | 'failed';
  readonly engine: SandboxEngine;
  readonly sandbox: { readonly dir: string; readonly kept: boolean; readonly nodes: { name: string; role: string; address: string }[] };
  readonly driftedNode: { readonly name: string; readonly address: string };
  readonly injected: readonly InjectedDrift[];
  readonly missed: readonly string[];
  readonly unexpected: readonly string[];
  readonly check: CheckResult;
}

export async function demo(o: DemoOptions = {}): Promise<DemoResult> {
  const log = o.log ?? silentLogger;
  log.info('starting the sandbox');
  const info = await sandboxUp({ ...(o.dir ? { dir: o.dir } : {}), ...(o.engine ? { engine: o.engine } : {}), replicas: o.engine === 'postgres' ? 1 : 2, logical: o.engine === 'postgres' ? 1 : 0, log });
  try {
    const sample = await loadSampleData(info, { ...(o.rows ? { rows: o.rows } : {}), log });
    log.info({ rows: sample.totalRows, ms: sample.durationMs }, 'sample data loaded and replicated');
    // PostgreSQL physical standbys cannot be written: drift goes to the logical subscriber.
    const target = info.nodes.find((n) => n.role === 'subscriber') ?? info.nodes.find((n) => n.role === 'replica')!;
    const injected = await injectDrift(info, target.name);
    log.info({ node: target.name, drifts: injected.length }, 'drift injected behind replication');
    const primary = info.nodes.find((n) => n.role === 'primary')!;
    const result = await check({
      primary: primary.dsn,
      replicas: info.nodes.filter((n) => n.role !== 'primary').map((n) => n.dsn),
      filter: { databases: [SAMPLE_SCHEMA] },
      log,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    const address = `${target.host}:${target.port}`;
    const drifted = new Set(result.tables.filter((t) => t.status === 'drift').map((t) => `${t.table} on ${t.replica}`));
    const expected = new Set(injected.map((d) => `${d.table} on ${address}`));
    const missed = [...expected].filter((x) => !drifted.has(x));
    const unexpected = [...drifted].filter((x) => !expected.has(x));
    return {
      schemaVersion: 1,
      command: 'demo',
      verdict: missed.length === 0 && unexpected.length === 0 && result.verdict === 'drift' ? 'passed' : 'failed',
      engine: info.engine,
      sandbox: { dir: info.dir, kept: !!o.keep, nodes: info.nodes.map((n) => ({ name: n.name, role: n.role, address: `${n.host}:${n.port}` })) },
      driftedNode: { name: target.name, address },
      injected,
      missed,
      unexpected,
      check: result,
    };
  } finally {
    if (!o.keep) {
      log.info('removing the sandbox');
      await sandboxDown({ dir: info.dir, log });
    }
  }
}

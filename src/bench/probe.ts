/**
 * The primary's write latency as an application sees it: a single-row UPDATE of the probe table
 * (autocommit) at a fixed rate, each one timed. Run during a check and during an idle window of
 * the same length; the p99 of each says what the check costs the primary's writers.
 */
import { connectDsn, type NodeClient, type SandboxEngine } from '../sandbox/index.js';
import { BENCH_SCHEMA, PROBE_ROWS, PROBE_TABLE } from './dataset.js';

export interface ProbeWriter {
  /** Stop and return the latencies in ms. */
  stop(): Promise<number[]>;
}

export async function startProbe(dsn: string, engine: SandboxEngine, perSecond: number): Promise<ProbeWriter> {
  const client: NodeClient = await connectDsn(dsn);
  const sql =
    engine === 'mariadb'
      ? `UPDATE ${BENCH_SCHEMA}.${PROBE_TABLE} SET v = v + 1 WHERE id = ?`
      : `UPDATE ${BENCH_SCHEMA}.${PROBE_TABLE} SET v = v + 1 WHERE id = $1`;
  const latencies: number[] = [];
  let stopping = false;
  let i = 0;
  const every = 1000 / perSecond;
  // Paced by the schedule, not by completion: a write stuck behind a lock does not lower the rate.
  const loop = (async () => {
    const t0 = performance.now();
    while (!stopping) {
      const due = t0 + i * every;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (stopping) break;
      await client.exec(sql, [(i % PROBE_ROWS) + 1]);
      // From the scheduled time, so writes queued behind a stuck one count their wait too.
      latencies.push(performance.now() - due);
      i++;
    }
  })();
  return {
    async stop() {
      stopping = true;
      await loop.catch(() => undefined);
      await client.close();
      return latencies;
    },
  };
}

/** topology as a library call: typed options in, a TopologyResult out; never prints, never exits. */
import { parseDsn, type ConnectionSpec } from '../config/dsn.js';
import { silentLogger, type Logger } from '../log.js';
import type { HostPort } from '../pipeline/topology/address-map.js';
import { discoverTree, type TopologyNode } from '../pipeline/topology/discover-tree.js';

export type { TopologyNode, NodeRole } from '../pipeline/topology/discover-tree.js';

/**
 * ok: every server reached and replicating; incomplete: some server could not be reached or
 * inspected; findings: a replica reports broken or stopped replication (wins over incomplete).
 */
export type TopologyVerdict = 'ok' | 'incomplete' | 'findings';

export interface TopologyResult {
  readonly schemaVersion: 1;
  readonly command: 'topology';
  readonly verdict: TopologyVerdict;
  readonly primary: string;
  /** The tree, the primary at its root. */
  readonly tree: TopologyNode;
  /** Counts over the downstream servers (the primary excluded). */
  readonly summary: { readonly servers: number; readonly reachable: number; readonly unreachable: number; readonly broken: number; readonly maxDepth: number };
  readonly notes: string[];
  readonly durationMs: number;
}

export interface TopologyApiOptions {
  readonly primary: string | ConnectionSpec;
  /** Servers to inspect even when the primary does not report them. */
  readonly replicas?: readonly (string | ConnectionSpec)[];
  /** Where to reach servers reported without a usable address: name (or host) -> host:port. */
  readonly addresses?: ReadonlyMap<string, HostPort>;
  readonly connectTimeoutMs?: number;
  readonly maxDepth?: number;
  readonly log?: Logger;
}

const spec = (x: string | ConnectionSpec) => (typeof x === 'string' ? parseDsn(x) : x);

/** A replica whose replication the server itself reports as stopped or failing. */
export function isBroken(n: TopologyNode): boolean {
  const r = n.replication;
  return r !== null && (!r.receiving || !r.applying || r.lastError !== null);
}

function depthOf(n: TopologyNode): number {
  return n.children.length === 0 ? 0 : 1 + Math.max(...n.children.map(depthOf));
}

export async function topology(o: TopologyApiOptions): Promise<TopologyResult> {
  const started = Date.now();
  const t = await discoverTree({
    primary: spec(o.primary),
    known: (o.replicas ?? []).map(spec),
    connect: { lockWaitMs: 1000, connectTimeoutMs: o.connectTimeoutMs ?? 10_000, appName: 'syncpoint-topology' },
    log: o.log ?? silentLogger,
    ...(o.addresses ? { addresses: o.addresses } : {}),
    ...(o.maxDepth ? { maxDepth: o.maxDepth } : {}),
  });
  const downstream = t.nodes.filter((n) => n !== t.root);
  const unreachable = downstream.filter((n) => !n.reachable || n.error !== null).length;
  const broken = downstream.filter(isBroken).length;
  const notes = [...t.notes];
  if (downstream.length === 0) {
    notes.push(
      t.root.flavor === 'postgres'
        ? 'no standby or subscriber is streaming from this server (pg_stat_replication is empty, and no replication slot exists)'
        : 'no replica is registered with this server (SHOW SLAVE HOSTS / SHOW REPLICAS is empty) and no binlog dump thread runs: replicas without report_host cannot be found; name them with --replica',
    );
  }
  return {
    schemaVersion: 1,
    command: 'topology',
    verdict: broken > 0 ? 'findings' : unreachable > 0 ? 'incomplete' : 'ok',
    primary: t.root.label,
    tree: t.root,
    summary: { servers: downstream.length, reachable: downstream.filter((n) => n.reachable).length, unreachable, broken, maxDepth: depthOf(t.root) },
    notes,
    durationMs: Date.now() - started,
  };
}

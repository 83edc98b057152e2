/**
 * Recursive replication discovery: from the primary, every server that streams from it, and from
 * those, theirs (primary -> replica -> replica, cascaded standbys, logical subscribers). Every
 * server reported but not reachable stays in the tree with the plain reason, so "no replicas
 * found" always comes with a why. Discovered servers get the primary's credentials.
 */
import type { Logger } from 'pino';
import { withHostPort, type ConnectionSpec } from '../../config/dsn.js';
import { connectEngine } from '../../engine/detect.js';
import type { ConnectOptions, Engine, Session } from '../../engine/engine.js';
import { formatPosition } from '../../engine/position.js';
import { readDownstream, readNodeSettings, type Downstream, type NodeSettings } from '../../engine/topology-facts.js';
import type { Flavor, ReplicaStatus } from '../../engine/types.js';
import { messageOf, SyncpointError } from '../../errors.js';
import { addressKey, lookupAddress, type AddressMap, type HostPort } from './address-map.js';

export type NodeRole = 'primary' | 'replica' | 'standby' | 'subscriber' | 'unknown';

export interface TopologyNode {
  /** host:port, or the name the upstream reports when no address is known. */
  readonly label: string;
  /** host:port this tool connects to; null when no address is known. */
  readonly address: string | null;
  role: NodeRole;
  /** Label of the node it streams from (null for the primary). */
  readonly upstream: string | null;
  /** How it was found: "SHOW SLAVE HOSTS", "pg_stat_replication (standby "s1")", "--replica". */
  readonly via: string;
  /** Names the upstream knows it by (application_name, slot, report_host). */
  readonly names: string[];
  reachable: boolean;
  /** Why it could not be reached or inspected; null when fine. */
  error: string | null;
  flavor: Flavor | null;
  version: string | null;
  readOnly: boolean | null;
  binlogFormat: string | null;
  logReplicaUpdates: boolean | null;
  gtidMode: string | null;
  walLevel: string | null;
  serverId: number | null;
  /** Primary: its current position; replica: what it has applied, in the primary's terms. */
  position: string | null;
  lagSeconds: number | null;
  /** Replication health as the node reports it (null for the primary and unreached nodes). */
  replication: { receiving: boolean; applying: boolean; lastError: string | null; source: string | null } | null;
  readonly children: TopologyNode[];
}

export interface DiscoverOptions {
  readonly primary: ConnectionSpec;
  /** Servers the user named (--replica): inspected even when discovery misses them. */
  readonly known?: readonly ConnectionSpec[];
  /** Address for servers the upstream reports without a usable one (by name or host). */
  readonly addresses?: AddressMap;
  readonly connect: ConnectOptions;
  readonly log: Logger;
  /** Replication chains deeper than this are not followed (a loop guard). Default 8. */
  readonly maxDepth?: number;
}

export interface DiscoveredTopology {
  readonly root: TopologyNode;
  /** Every node, the primary first, in discovery order. */
  readonly nodes: TopologyNode[];
  readonly notes: string[];
  /** Connection specs of every downstream node with a known address (reachable or not). */
  readonly specs: ReadonlyMap<string, ConnectionSpec>;
}

interface Inspected {
  readonly engine: Engine;
  readonly settings: NodeSettings;
  readonly status: ReplicaStatus | null;
  readonly position: string | null;
  readonly downstream: Downstream[];
  /** Why the list of its replicas could not be read (privileges), null when it was. */
  readonly downstreamError: string | null;
}

const ROLE_OF_KIND: Record<Downstream['kind'], NodeRole> = { binlog: 'replica', physical: 'standby', logical: 'subscriber' };

function blankNode(label: string, address: string | null, upstream: string | null, via: string, names: string[], role: NodeRole): TopologyNode {
  return {
    label, address, role, upstream, via, names, reachable: false, error: null,
    flavor: null, version: null, readOnly: null, binlogFormat: null, logReplicaUpdates: null, gtidMode: null, walLevel: null, serverId: null,
    position: null, lagSeconds: null, replication: null, children: [],
  };
}

/** The error text without the "host:port: " prefix the node's label already shows. */
function reason(err: unknown, label: string): string {
  const m = messageOf(err);
  return m.startsWith(`${label}: `) ? m.slice(label.length + 2) : m;
}

/** Network failures in a DBA's words, with the setting that most likely put the wrong address there. */
function plainReason(err: unknown, label: string, d: Downstream): string {
  const m = reason(err, label);
  const origin = d.kind === 'binlog' ? 'the address comes from its report_host/report_port: check them on that replica' : 'check the address mapped for it';
  if (/ECONNREFUSED/.test(m)) return `connection refused: nothing listens at ${label} (${origin})`;
  if (/ENOTFOUND|EAI_AGAIN/.test(m)) return `host name ${label.replace(/:\d+$/, '')} does not resolve from here (${origin}, or map it with --address)`;
  if (/ETIMEDOUT|timed? ?out/i.test(m) && !/lock/i.test(m)) return `connect timed out: ${label} does not answer (a firewall, or a wrong address; ${origin})`;
  return m;
}

async function inspect(spec: ConnectionSpec, connect: ConnectOptions, isRoot: boolean): Promise<Inspected> {
  const engine = await connectEngine(spec, connect);
  try {
    const s: Session = await engine.session();
    const settings = await readNodeSettings(engine, s);
    const status = await engine.replication.replicaStatus(s);
    let position: string | null = null;
    if (status?.executed) position = formatPosition(status.executed);
    else if (isRoot || !status) {
      position = await engine.replication.currentPosition(s).then(formatPosition, () => null);
    }
    // Without the privilege to list replicas the server is still worth showing: say what is missing.
    let downstream: Downstream[] = [];
    let downstreamError: string | null = null;
    try {
      downstream = await readDownstream(engine, s);
    } catch (err) {
      if (err instanceof SyncpointError && err.kind === 'usage') throw err;
      downstreamError = reason(err, spec.label);
    }
    return { engine, settings, status, position, downstream, downstreamError };
  } finally {
    await engine.close().catch(() => undefined);
  }
}

function fill(node: TopologyNode, i: Inspected, notes: string[]): void {
  node.reachable = true;
  if (i.downstreamError) {
    const need = i.engine.flavor === 'mariadb' ? 'REPLICATION MASTER ADMIN (10.5+) and PROCESS' : i.engine.flavor === 'mysql' ? 'REPLICATION SLAVE and PROCESS' : 'pg_read_all_stats';
    notes.push(`cannot list the replicas of ${node.label}: ${i.downstreamError} (the user needs ${need}); servers below it are not shown`);
  }
  node.flavor = i.engine.flavor;
  node.version = i.engine.version;
  node.readOnly = i.settings.readOnly;
  node.binlogFormat = i.settings.binlogFormat;
  node.logReplicaUpdates = i.settings.logReplicaUpdates;
  node.gtidMode = i.settings.gtidMode;
  node.walLevel = i.settings.walLevel;
  node.serverId = i.settings.serverId;
  node.position = i.position;
  if (i.status) {
    node.lagSeconds = i.status.lagSeconds ?? node.lagSeconds;
    node.replication = {
      receiving: i.status.receiving,
      applying: i.status.applying,
      lastError: i.status.lastError,
      source: i.status.sourceHost ? `${i.status.sourceHost}${i.status.sourcePort ? `:${i.status.sourcePort}` : ''}` : null,
    };
  }
}

/** "host:port" in an application_name is taken as the address (a naming convention users can adopt). */
function addressFromNames(names: readonly string[]): HostPort | null {
  for (const n of names) {
    const m = /^(\[[^\]]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$/.exec(n);
    if (m && Number(m[2]) > 0 && Number(m[2]) < 65536) return { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(m[2]) };
  }
  return null;
}

export async function discoverTree(opts: DiscoverOptions): Promise<DiscoveredTopology> {
  const maxDepth = opts.maxDepth ?? 8;
  const notes: string[] = [];
  const nodes: TopologyNode[] = [];
  const specs = new Map<string, ConnectionSpec>();

  // Named servers first: what they say about themselves lets discovery place them by name.
  const known = new Map<string, { spec: ConnectionSpec; facts: Inspected | null; error: string | null; placed: boolean }>();
  await Promise.all(
    (opts.known ?? []).map(async (spec) => {
      if (spec.label === opts.primary.label || known.has(spec.label)) return;
      const entry = { spec, facts: null as Inspected | null, error: null as string | null, placed: false };
      known.set(spec.label, entry);
      try {
        entry.facts = await inspect(spec, opts.connect, false);
      } catch (err) {
        if (err instanceof SyncpointError && err.kind === 'usage') throw err;
        entry.error = reason(err, spec.label);
      }
    }),
  );

  function knownByName(d: Downstream): ConnectionSpec | null {
    for (const k of known.values()) {
      const f = k.facts?.settings;
      if (!f) continue;
      if (d.kind === 'physical' && f.receiverName && d.names.includes(f.receiverName)) return k.spec;
      if (d.kind === 'logical' && f.subscriptionSlots.some((s) => d.names.includes(s))) return k.spec;
    }
    return null;
  }

  function addressOf(d: Downstream): { spec: ConnectionSpec; how: string } | null {
    if (d.host && d.port) return { spec: withHostPort(opts.primary, d.host, d.port), how: '' };
    const mapped = opts.addresses ? lookupAddress(opts.addresses, [...d.names, ...(d.host ? [d.host] : [])]) : null;
    if (mapped) return { spec: withHostPort(opts.primary, mapped.host, mapped.port), how: ` (address from --address ${mapped.key})` };
    const named = addressFromNames(d.names);
    if (named) return { spec: withHostPort(opts.primary, named.host, named.port), how: ' (address from its application_name)' };
    const k = knownByName(d);
    if (k) return { spec: k, how: ' (matched to --replica by name)' };
    return null;
  }

  /** A server reached through some upstream's report; where it hangs is decided once all are seen. */
  interface Found {
    readonly label: string;
    readonly spec: ConnectionSpec;
    readonly depth: number;
    readonly reports: { readonly parent: TopologyNode; readonly d: Downstream; readonly how: string }[];
    facts: Inspected | null;
    error: string | null;
  }
  const found = new Map<string, Found>();
  const nodeOf = new Map<string, TopologyNode>();

  async function inspectFound(f: Found): Promise<void> {
    const k = known.get(f.label);
    if (k) k.placed = true;
    try {
      if (k?.error) throw new Error(k.error);
      f.facts = k?.facts ?? (await inspect(f.spec, opts.connect, false));
    } catch (err) {
      if (err instanceof SyncpointError && err.kind === 'usage') throw err;
      f.error = plainReason(err, f.label, f.reports[0]!.d);
      opts.log.info({ node: f.label }, `cannot inspect ${f.label}: ${f.error}`);
    }
  }

  /** Registers what `parent` reports; returns newly found servers to inspect. */
  function collect(parent: TopologyNode, facts: Inspected, depth: number): Found[] {
    const fresh: Found[] = [];
    for (const d of facts.downstream) {
      const role = ROLE_OF_KIND[d.kind];
      const where = addressOf(d);
      if (!where) {
        const label = d.names[0] ?? d.host ?? 'unknown';
        const child = blankNode(d.host && d.names[0] && d.names[0] !== d.host ? `${label} (from ${d.host})` : label, null, parent.label, d.via, [...d.names], role);
        child.error = d.problem ?? 'no address known';
        child.position = d.replayPosition;
        child.lagSeconds = d.replayLagSeconds;
        parent.children.push(child);
        nodes.push(child);
        continue;
      }
      const label = where.spec.label;
      if (label === root.label) continue;
      const seen = found.get(label);
      if (seen) {
        seen.reports.push({ parent, d, how: where.how });
        continue;
      }
      const f: Found = { label, spec: where.spec, depth: depth + 1, reports: [{ parent, d, how: where.how }], facts: null, error: null };
      found.set(label, f);
      if (!d.connected) f.error = d.problem;
      else if (depth + 1 >= maxDepth) f.error = `not inspected: replication chains deeper than ${maxDepth} are not followed`;
      else fresh.push(f);
    }
    return fresh;
  }

  const root = blankNode(opts.primary.label, opts.primary.label, null, '--primary', [], 'primary');
  nodes.push(root);
  const rootFacts = await inspect(opts.primary, opts.connect, true);
  fill(root, rootFacts, notes);
  if (rootFacts.status) notes.push(`${root.label} is itself a replica${root.replication?.source ? ` of ${root.replication.source}` : ''}: the tree starts where --primary points`);
  // Breadth first: each level's servers are inspected together, then asked for theirs.
  let level = collect(root, rootFacts, 0);
  while (level.length > 0) {
    await Promise.all(level.map(inspectFound));
    const next: Found[] = [];
    for (const f of level) {
      if (!f.facts) continue;
      const placeholder = blankNode(f.label, f.label, null, '', [], 'unknown');
      nodeOf.set(f.label, placeholder);
      next.push(...collect(placeholder, f.facts, f.depth));
    }
    level = next;
  }

  // A server hangs under the upstream it says it replicates from: a primary can keep listing a
  // replica that moved elsewhere until its dump thread notices the connection is gone.
  const addressed = [...found.values()];
  const placed = new Map<string, TopologyNode>();
  const build = (f: Found): TopologyNode => {
    const hit = placed.get(f.label);
    if (hit) return hit;
    building.add(f.label);
    const source = f.facts?.status?.sourceHost && f.facts.status.sourcePort ? addressKey(f.facts.status.sourceHost, f.facts.status.sourcePort) : null;
    const report = (source ? f.reports.find((r) => sameAddress(realLabel(r.parent), source)) : undefined) ?? f.reports[0]!;
    const stale = f.reports.filter((r) => r !== report);
    const parent = parentNode(report.parent);
    building.delete(f.label);
    const node = blankNode(f.label, f.label, parent.label, `${report.d.via}${report.how}`, [...report.d.names], ROLE_OF_KIND[report.d.kind]);
    placed.set(f.label, node);
    node.position = report.d.replayPosition;
    node.lagSeconds = report.d.replayLagSeconds;
    if (f.facts) fill(node, f.facts, notes);
    if (f.error) node.error = f.error;
    else if (f.facts && f.facts.status === null && node.role !== 'subscriber') {
      node.error = 'reported by its upstream but has no replication configured (a binlog reader, or a stale registration)';
    }
    for (const r of stale) {
      notes.push(`${realLabel(r.parent)} still lists ${f.label} (${r.d.via}), but it replicates from ${parent.label}: a stale registration, gone once the old connection is noticed`);
    }
    parent.children.push(node);
    nodes.push(node);
    specs.set(f.label, f.spec);
    for (const p of nodeOf.values()) if (p.label === f.label) adopt(p, node);
    return node;
  };
  // Placeholders stand in for parents while levels are walked: children move to the real node.
  const adopt = (from: TopologyNode, to: TopologyNode) => {
    for (const c of from.children) {
      (c as { upstream: string | null }).upstream = to.label;
      if (!to.children.includes(c)) to.children.push(c);
    }
    from.children.length = 0;
  };
  const realLabel = (n: TopologyNode) => n.label;
  const building = new Set<string>();
  const parentNode = (n: TopologyNode): TopologyNode => {
    if (n === root) return root;
    const f = found.get(n.label);
    if (f && placed.has(f.label)) return placed.get(f.label)!;
    // Two servers each claiming the other upstream (a replication loop): break it at the primary.
    if (!f || building.has(f.label)) return root;
    return build(f);
  };
  for (const f of addressed.sort((a, b) => a.depth - b.depth)) build(f);
  // Unaddressed children reported by placeholders (nodes pushed to `nodes` already) move too.
  for (const [label, p] of nodeOf) {
    const real = placed.get(label);
    if (real && p.children.length) adopt(p, real);
  }

  // Named servers discovery did not reach: placed under their upstream when it is in the tree.
  for (const k of known.values()) {
    if (k.placed) continue;
    const source = k.facts?.status?.sourceHost && k.facts.status.sourcePort ? addressKey(k.facts.status.sourceHost, k.facts.status.sourcePort) : null;
    const parent = (source ? nodes.find((n) => n.address !== null && sameAddress(n.address, source)) : undefined) ?? root;
    const role: NodeRole = k.facts?.status ? ROLE_OF_KIND[k.facts.status.kind] : 'unknown';
    const node = blankNode(k.spec.label, k.spec.label, parent.label, '--replica', [], role);
    specs.set(k.spec.label, k.spec);
    parent.children.push(node);
    nodes.push(node);
    if (k.error) node.error = k.error;
    else if (k.facts) {
      fill(node, k.facts, notes);
      if (!k.facts.status) node.error = 'not a replica (no replication configured on this server)';
      else if (parent === root && source && !sameAddress(root.address!, source)) {
        notes.push(`${k.spec.label} replicates from ${source}, which is not in the discovered tree`);
      }
    }
  }
  return { root, nodes, notes, specs };
}

/** Loopback spellings are the same server to a replica. */
function sameAddress(a: string, b: string): boolean {
  const norm = (x: string) => x.replace(/^(localhost|::1|\[::1\]):/, '127.0.0.1:');
  return norm(a) === norm(b);
}

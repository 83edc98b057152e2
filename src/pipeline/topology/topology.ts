/**
 * Topology stage: connect the primary and its replicas, detect flavors, find replicas when none
 * were named (recursively: replicas of replicas, cascaded standbys, subscribers; see
 * discover-tree.ts), and say plainly which could not be used and why.
 */
import type { Logger } from 'pino';
import type { ConnectionSpec } from '../../config/dsn.js';
import { connectEngine } from '../../engine/detect.js';
import type { ConnectOptions, Engine, Session } from '../../engine/engine.js';
import type { ReplicaStatus } from '../../engine/types.js';
import { messageOf, SyncpointError, usageError } from '../../errors.js';
import type { AddressMap } from './address-map.js';
import { discoverTree, type DiscoverOptions } from './discover-tree.js';

export interface PrimaryNode {
  readonly label: string;
  readonly engine: Engine;
  /** Session for status reads and short control statements (never inside a snapshot). */
  readonly control: Session;
}

export interface ReplicaNode {
  readonly label: string;
  readonly engine: Engine | null;
  readonly control: Session | null;
  readonly status: ReplicaStatus | null;
  /** Why this replica cannot be checked at all (unreachable, not a replica, ...). */
  readonly error: string | null;
}

export interface Topology {
  readonly primary: PrimaryNode;
  readonly replicas: ReplicaNode[];
  /** How replicas were found, and what discovery could not use. */
  readonly notes: string[];
  close(): Promise<void>;
}

export interface TopologyOptions {
  readonly primary: ConnectionSpec;
  readonly replicas: readonly ConnectionSpec[];
  readonly connect: ConnectOptions;
  readonly log: Logger;
  /** Addresses for servers the primary reports without a usable one (--address NAME=HOST:PORT). */
  readonly addresses?: AddressMap;
}

export async function resolveTopology(opts: TopologyOptions): Promise<Topology> {
  const engines: Engine[] = [];
  const closeAll = async () => {
    await Promise.all(engines.map((e) => e.close().catch(() => undefined)));
  };
  // Replicas named on the command line connect at the same time as the primary.
  const early = opts.replicas.map((spec) =>
    spec.label === opts.primary.label
      ? null
      : connectEngine(spec, opts.connect).then((e) => {
          engines.push(e);
          return e;
        }),
  );
  for (const p of early) p?.catch(() => undefined);
  let primaryEngine: Engine;
  try {
    primaryEngine = await connectEngine(opts.primary, opts.connect);
    engines.push(primaryEngine);
  } catch (err) {
    await Promise.allSettled(early);
    await closeAll();
    throw err;
  }
  try {
    const control = await primaryEngine.session();
    const notes: string[] = [];
    let replicaSpecs = [...opts.replicas];
    if (replicaSpecs.length === 0) {
      if (!primaryEngine.caps.replicaDiscovery) {
        throw usageError(`no --replica given and ${primaryEngine.flavor} cannot discover replicas from the primary: name them with --replica`, opts.primary.label);
      }
      const found = await discoverReplicaSpecs({ primary: opts.primary, connect: opts.connect, log: opts.log, ...(opts.addresses ? { addresses: opts.addresses } : {}) });
      notes.push(...found.notes);
      replicaSpecs.push(...found.specs);
      if (replicaSpecs.length === 0) {
        throw usageError(`no --replica given and none discovered on the primary${notes.length ? ` (${notes.join('; ')})` : ' (no replica reported itself: set report_host/report_port on the replicas, or pass --replica)'}`, opts.primary.label);
      }
      replicaSpecs = dedupe(replicaSpecs);
    }
    const replicas = await Promise.all(
      replicaSpecs.map(async (spec, i): Promise<ReplicaNode> => {
        if (spec.label === opts.primary.label) {
          return { label: spec.label, engine: null, control: null, status: null, error: 'this is the primary itself, not a replica' };
        }
        let engine: Engine | null = null;
        try {
          const connected: Engine = await (opts.replicas.length > 0 ? early[i]! : connectEngine(spec, opts.connect).then((e) => (engines.push(e), e)));
          engine = connected;
          if (engine.family !== primaryEngine.family) {
            return { label: spec.label, engine: null, control: null, status: null, error: `a ${engine.flavor} server cannot replicate from a ${primaryEngine.flavor} primary` };
          }
          const session = await engine.session();
          const status = await engine.replication.replicaStatus(session);
          if (!status) return { label: spec.label, engine, control: session, status: null, error: 'not a replica (no replication configured on this server)' };
          const problem = await engine.replication.sourceProblem?.(session, control);
          if (problem) return { label: spec.label, engine, control: session, status, error: problem };
          return { label: spec.label, engine, control: session, status, error: null };
        } catch (err) {
          if (err instanceof SyncpointError && err.kind === 'usage') throw err;
          opts.log.warn({ replica: spec.label }, `replica unusable: ${messageOf(err)}`);
          return { label: spec.label, engine, control: null, status: null, error: messageOf(err) };
        }
      }),
    );
    return { primary: { label: opts.primary.label, engine: primaryEngine, control }, replicas, notes, close: closeAll };
  } catch (err) {
    await Promise.allSettled(early);
    await closeAll();
    throw err;
  }
}

function dedupe(specs: ConnectionSpec[]): ConnectionSpec[] {
  const seen = new Set<string>();
  return specs.filter((s) => (seen.has(s.label) ? false : (seen.add(s.label), true)));
}

/**
 * Every server downstream of the primary (at any depth) with a known address, for commands that
 * act on replicas (check, risks, preflight), and a note per server found: how, from which
 * upstream, and why one cannot be used. `known` servers (preflight's candidate) are placed by the
 * name their upstream reports, so a standby without a reported port is still recognised.
 */
export async function discoverReplicaSpecs(opts: DiscoverOptions): Promise<{ specs: ConnectionSpec[]; notes: string[]; unusable: { label: string; error: string }[] }> {
  const tree = await discoverTree(opts);
  const notes = [...tree.notes];
  const specs: ConnectionSpec[] = [];
  // Found but without an address to connect to: callers that must account for every replica (preflight) list them.
  const unusable: { label: string; error: string }[] = [];
  for (const n of tree.nodes) {
    if (n === tree.root) continue;
    const spec = tree.specs.get(n.label);
    const chain = n.upstream && n.upstream !== tree.root.label ? `, replicating from ${n.upstream}` : '';
    // Reported with an address but not reachable: used like a named replica, so the run reports it unusable.
    if (spec && (n.error === null || !n.reachable)) {
      notes.push(`found ${n.label} via ${n.via}${chain}${n.error ? ` (${n.error})` : ''}`);
      specs.push(spec);
    } else {
      notes.push(`found ${n.label} via ${n.via}${chain} but cannot use it: ${n.error ?? 'no address known'}`);
      unusable.push({ label: n.label, error: n.error ?? 'no address known' });
    }
  }
  return { specs: dedupe(specs), notes, unusable };
}

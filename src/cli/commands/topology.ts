/** `syncpoint topology`: flags -> options -> api -> render -> exit code (1 broken replication, 3 servers not reached). */
import type { Command } from 'commander';
import { topology } from '../../api/topology.js';
import { parseAddressEntries, type HostPort } from '../../pipeline/topology/address-map.js';
import { loadFleetConfig, selectClusters } from '../../config/config-file.js';
import type { ConnectionSpec } from '../../config/dsn.js';
import { usageError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { renderTopology } from '../render/topology-tree.js';
import { addConnectionFlags, addOutputFlags, connectionSpecs, repeat, type ConnectionFlags } from '../options.js';
import { runCommand, type OutputFlags } from '../run-command.js';

interface TopologyFlags extends ConnectionFlags, OutputFlags {
  address: string[];
  config?: string;
  cluster?: string;
}

export function registerTopology(program: Command): void {
  const cmd = program
    .command('topology')
    .description('discover and print the replication tree (replicas of replicas, cascaded standbys, logical subscribers) with positions, lag, read_only, log format and GTID mode; says why a server could not be reached');
  addConnectionFlags(cmd);
  cmd.option('--config <file>', "a fleet config: show the tree of its cluster (--cluster NAME when it has several), with the cluster's replicas, addresses and password settings");
  cmd.option('--cluster <name>', 'with --config: which cluster');
  cmd.option('--address <name=host:port>', 'where to reach a server its upstream reports without a usable address: NAME is the application_name or slot (PostgreSQL), or report_host (MySQL) (repeatable)', repeat, []);
  addOutputFlags(cmd).action(async (f: TopologyFlags) => {
    await runCommand(f, async ({ log }) => {
      const named = f.config ? fromConfig(f, log) : { ...connectionSpecs(f, log), addresses: new Map<string, HostPort>() };
      const { primary, replicas } = named;
      const addresses = new Map([...named.addresses, ...parseAddressEntries(f.address)]);
      const result = await topology({ primary, replicas, addresses, connectTimeoutMs: f.connectTimeout * 1000, log });
      return { result, verdict: result.verdict, render: renderTopology };
    });
  });
}

function fromConfig(f: TopologyFlags, log: Logger): { primary: ConnectionSpec; replicas: ConnectionSpec[]; addresses: Map<string, HostPort> } {
  if (f.primary || f.replica.length > 0) throw usageError('--config names the servers: drop --primary/--replica, or drop --config');
  const config = loadFleetConfig(f.config!);
  for (const w of config.warnings) log.warn(w);
  const picked = selectClusters(config, f.cluster ? [f.cluster] : []);
  if (picked.length !== 1) throw usageError(`${config.path} has ${picked.length} clusters: pick one with --cluster (${picked.map((c) => c.name).join(', ')})`);
  const c = picked[0]!;
  return { primary: c.primary, replicas: [...c.replicas], addresses: new Map(c.addresses) };
}

/**
 * The flavor-specific reads `syncpoint topology` needs, behind one neutral shape: what a node is
 * (read_only, log format, GTID mode) and what streams from it. Each family's module is loaded
 * only when a server of that family is seen.
 */
import type { Engine, Session } from './engine.js';

export interface NodeSettings {
  readonly readOnly: boolean | null;
  /** MySQL family: binlog_format (null with the binlog off); PostgreSQL: null. */
  readonly binlogFormat: string | null;
  readonly logBin: boolean | null;
  /** Replicas of replicas only see what their upstream logs: log_slave_updates. */
  readonly logReplicaUpdates: boolean | null;
  readonly gtidMode: string | null;
  readonly serverId: number | null;
  /** PostgreSQL wal_level. */
  readonly walLevel: string | null;
  /** PostgreSQL standby: the application_name its upstream sees. */
  readonly receiverName: string | null;
  /** PostgreSQL subscriber: slot names its subscriptions stream from. */
  readonly subscriptionSlots: readonly string[];
}

/** A consumer of this node's change stream as the node reports it. */
export interface Downstream {
  readonly kind: 'binlog' | 'physical' | 'logical';
  /** Address as reported (report_host, client address); null when none is shown. */
  readonly host: string | null;
  readonly port: number | null;
  /** Names an address map can key on: application_name, slot name, report_host. */
  readonly names: readonly string[];
  readonly via: string;
  /** Why the report itself is not enough to reach it (no port reported, ...). */
  readonly problem: string | null;
  /** False when the consumer is not connected (an inactive slot). */
  readonly connected: boolean;
  /** Upstream view of the consumer's progress (pg_stat_replication), when shown. */
  readonly replayPosition: string | null;
  readonly replayLagSeconds: number | null;
  readonly state: string | null;
  /** PostgreSQL logical slot: the publisher database. */
  readonly database: string | null;
}

export async function readNodeSettings(engine: Engine, s: Session): Promise<NodeSettings> {
  if (engine.family === 'postgres') {
    const { readPgNodeFacts } = await import('./postgres/postgres-topology.js');
    const f = await readPgNodeFacts(s);
    return Object.freeze({
      readOnly: f.readOnly,
      binlogFormat: null,
      logBin: null,
      logReplicaUpdates: null,
      gtidMode: null,
      serverId: null,
      walLevel: f.walLevel,
      receiverName: f.receiverName,
      subscriptionSlots: f.subscriptionSlots,
    });
  }
  const { readMysqlFamilyNodeFacts } = await import('./mysql-family/mysql-family-topology.js');
  const f = await readMysqlFamilyNodeFacts(s, engine.flavor === 'mariadb' ? 'mariadb' : 'mysql');
  return Object.freeze({
    readOnly: f.readOnly || f.superReadOnly === true,
    binlogFormat: f.logBin ? f.binlogFormat : null,
    logBin: f.logBin,
    logReplicaUpdates: f.logReplicaUpdates,
    gtidMode: f.gtidMode,
    serverId: f.serverId,
    walLevel: null,
    receiverName: null,
    subscriptionSlots: Object.freeze([]),
  });
}

export async function readDownstream(engine: Engine, s: Session): Promise<Downstream[]> {
  if (engine.family === 'postgres') {
    const { readPgDownstream } = await import('./postgres/postgres-topology.js');
    return (await readPgDownstream(s)).map((d) => {
      const kind = d.slotType === 'logical' ? 'logical' : 'physical';
      const names = [d.applicationName, d.slotName].filter((n): n is string => Boolean(n));
      const what = kind === 'logical' ? 'logical subscriber' : 'standby';
      const connected = d.state !== null;
      return Object.freeze({
        kind,
        host: d.clientHost,
        port: null,
        names: Object.freeze([...new Set(names)]),
        via: connected ? `pg_stat_replication (${what}${d.applicationName ? ` "${d.applicationName}"` : ''})` : `pg_replication_slots (${d.slotType ?? 'unknown'} slot "${d.slotName}")`,
        problem: connected
          ? `PostgreSQL does not report the port a ${what} listens on: map it with --address ${names[0] ?? 'NAME'}=HOST:PORT, or name it with --replica`
          : `slot "${d.slotName}" is not in use: its ${d.slotType === 'logical' ? 'subscriber' : 'standby'} is not connected (stopped, or failing to connect: see its server log); an abandoned slot keeps WAL on this server forever`,
        connected,
        replayPosition: d.replayLsn,
        replayLagSeconds: d.replayLagSeconds,
        state: d.state,
        database: d.database,
      } satisfies Downstream);
    });
  }
  return (await engine.replication.discoverReplicas(s)).map((d) =>
    Object.freeze({
      kind: 'binlog' as const,
      host: d.host.startsWith('server_id ') ? null : d.host,
      port: d.port,
      names: Object.freeze([d.host]),
      via: d.via,
      problem: d.problem,
      connected: true,
      replayPosition: null,
      replayLagSeconds: null,
      state: null,
      database: null,
    }),
  );
}

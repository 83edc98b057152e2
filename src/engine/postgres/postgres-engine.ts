/**
 * The PostgreSQL engine (13+): physical streaming standbys and logical-replication subscribers.
 * Connecting reads the version and the WAL geometry once; every session() is a new dedicated
 * connection, tracked so that close() ends them all.
 */
import type { ConnectionSpec } from '../../config/dsn.js';
import { configError } from '../../errors.js';
import { withCapabilities } from '../capabilities.js';
import type { ConnectOptions, Engine, Session } from '../engine.js';
import type { ServerRef } from '../types.js';
import { openSession, type PgSession } from './postgres-driver.js';
import { postgresIntrospector } from './postgres-introspector.js';
import { createPostgresReplication, type PgServerFacts } from './postgres-replication.js';
import { postgresDialect } from './postgres-sql.js';
import { sessionSupply } from '../first-session.js';
import { sameServerSession } from '../same-server.js';

export const MIN_VERSION_NUM = 130000;

export const postgresCapabilities = withCapabilities({
  syncMethods: ['primary-lock'],
  snapshotPosition: false,
  sharedSnapshots: true,
  // Partial: pg_stat_replication names hosts but never the port a replica listens on.
  replicaDiscovery: true,
  gtid: false,
  sharedTableLock: true,
  boundsInPrimaryCollation: false,
});

const FACTS_SQL = `SELECT current_setting('server_version') AS version,
  current_setting('server_version_num')::int AS version_num,
  current_setting('wal_block_size')::int8::text AS wal_block_size,
  (SELECT setting FROM pg_catalog.pg_settings WHERE name = 'wal_segment_size')::int8::text AS wal_segment_size,
  (SELECT max_data_alignment FROM pg_catalog.pg_control_init())::int8::text AS max_align`;

export async function createPostgresEngine(spec: ConnectionSpec, opts: ConnectOptions): Promise<Engine> {
  const sessions = new Set<PgSession>();
  const forget = (s: PgSession) => sessions.delete(s);
  let firstIdentity: string | null = null;
  const open = async () => {
    const s = await openSession(spec, opts, forget);
    sessions.add(s);
    return sameServerSession(s, spec.label, (firstIdentity ??= s.identity), s.identity);
  };

  const first = await open();
  let version: string;
  let facts: PgServerFacts;
  try {
    const row = (await first.query(FACTS_SQL))[0] ?? {};
    version = String(row['version']);
    const versionNum = Number(row['version_num']);
    if (!(versionNum >= MIN_VERSION_NUM)) throw configError(`PostgreSQL ${version} is not supported: syncpoint needs PostgreSQL 13 or later`, spec.label);
    facts = {
      versionNum,
      wal: {
        blockSize: BigInt(String(row['wal_block_size'])),
        segmentSize: BigInt(String(row['wal_segment_size'])),
        maxAlign: BigInt(String(row['max_align'] ?? '8')),
      },
    };
  } catch (err) {
    await first.close();
    throw err;
  }
  const supply = sessionSupply<Session>(first, open);
  let closing = false;

  const server: ServerRef = Object.freeze({ host: spec.host, port: spec.port, label: spec.label });
  return Object.freeze({
    flavor: 'postgres' as const,
    family: 'postgres' as const,
    version,
    server,
    caps: postgresCapabilities,
    introspector: postgresIntrospector,
    replication: createPostgresReplication(facts, open),
    sql: postgresDialect,
    async session(): Promise<Session> {
      if (closing) throw new Error(`${spec.label}: engine is closed`);
      return supply.take();
    },
    prewarm(n: number): void {
      if (!closing) supply.prewarm(n);
    },
    async close(): Promise<void> {
      closing = true;
      await supply.settle();
      await Promise.all([...sessions].map((s) => s.close()));
    },
  });
}

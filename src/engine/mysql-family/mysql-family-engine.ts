/**
 * The MySQL-family engine: connect once to learn the flavor (VERSION() containing "MariaDB"),
 * then assemble the shared driver, introspector, dialect and replication probe around that
 * flavor's profile.
 */
import type { ConnectionSpec } from '../../config/dsn.js';
import type { ConnectOptions, Engine, Session } from '../engine.js';
import type { ServerRef } from '../types.js';
import { mariadbFlavor } from '../mariadb/mariadb-flavor.js';
import { mysqlFlavor } from '../mysql/mysql-flavor.js';
import { Connector, errorContext, MysqlFamilySession, openSession, sessionSetupStatements } from './mysql-family-driver.js';
import { isMariadbVersion, parseServerVersion, type FlavorProfile, type ServerFacts } from './mysql-family-flavor.js';
import { mysqlFamilyIntrospector } from './mysql-family-introspector.js';
import { MysqlFamilyReplication } from './mysql-family-replication.js';
import { mysqlFamilySql } from './mysql-family-sql.js';
import { sessionSupply } from '../first-session.js';
import { sameServerSession } from '../same-server.js';

/** max_allowed_packet's smallest value: what a server that does not say is taken to allow. */
const MIN_MAX_PACKET = 1024;

/** Which server a connection reached (same-server.ts): server_id is unique among replication peers. */
const IDENTITY_COLUMNS = '@@GLOBAL.server_id AS server_id, @@hostname AS server_host, @@port AS server_port';
const identityOf = (row: Record<string, unknown>) => `server_id ${String(row['server_id'])} on ${String(row['server_host'])}:${String(row['server_port'])}`;

/**
 * The version (and GTID mode) and max_allowed_packet from a first session, which is kept: it
 * becomes the engine's first session.
 */
async function learnServer(connector: Connector, server: ServerRef, onClose: (s: MysqlFamilySession) => void): Promise<{ facts: ServerFacts; first: MysqlFamilySession; identity: string; maxRowBytes: number }> {
  const conn = await connector.open();
  const s = new MysqlFamilySession(conn, server, conn.threadId, errorContext(connector.config.spec), onClose);
  try {
    const row = (await s.query(`SELECT VERSION() AS version, @@SESSION.max_allowed_packet AS max_packet, ${IDENTITY_COLUMNS}`))[0] ?? {};
    const version = parseServerVersion(String(row['version'] ?? ''));
    let gtidMode = false;
    if (!isMariadbVersion(version.text)) {
      // Unknown on servers that only speak the protocol (and on MySQL < 5.6): no GTIDs then.
      const rows = await s.query('SELECT @@GLOBAL.gtid_mode AS gtid_mode').catch(() => []);
      gtidMode = String(rows[0]?.['gtid_mode'] ?? '').toUpperCase() === 'ON';
    }
    const maxPacket = Number(row['max_packet']);
    return { facts: { version, gtidMode }, first: s, identity: identityOf(row), maxRowBytes: Number.isSafeInteger(maxPacket) && maxPacket > 0 ? maxPacket : MIN_MAX_PACKET };
  } catch (err) {
    await s.close();
    throw err;
  }
}

export function flavorFor(facts: ServerFacts): FlavorProfile {
  return isMariadbVersion(facts.version.text) ? mariadbFlavor(facts) : mysqlFlavor(facts);
}

export async function createMysqlFamilyEngine(spec: ConnectionSpec, opts: ConnectOptions): Promise<Engine> {
  const server: ServerRef = Object.freeze({ host: spec.host, port: spec.port, label: spec.label });
  const connector = new Connector({ spec, opts });
  const open = new Set<Session>();
  const forget = (x: MysqlFamilySession) => open.delete(x);
  const { facts, first, identity, maxRowBytes } = await learnServer(connector, server, forget);
  const flavor = flavorFor(facts);
  const setup = sessionSetupStatements(opts, flavor.statements);
  let closing = false;
  open.add(first);
  try {
    for (const stmt of setup) await first.query(stmt);
  } catch (err) {
    await first.close();
    throw err;
  }

  const supply = sessionSupply(first, async () => {
    const s = await openSession(connector, server, setup, forget);
    open.add(s);
    const now = await s.query(`SELECT ${IDENTITY_COLUMNS}`).catch(async (err: unknown) => {
      await s.close();
      throw err;
    });
    return sameServerSession(s, spec.label, identity, identityOf(now[0] ?? {}));
  });
  const session = async (): Promise<MysqlFamilySession> => {
    if (closing) throw new Error(`${spec.label}: engine is closed`);
    return supply.take();
  };

  const replication = new MysqlFamilyReplication({
    flavor,
    async openHelper(owner: Session) {
      const helper = await session();
      if (owner instanceof MysqlFamilySession) owner.adopt(helper);
      return helper;
    },
  });

  return Object.freeze({
    flavor: flavor.flavor,
    family: 'mysql-family',
    version: facts.version.text,
    server,
    maxRowBytes,
    caps: flavor.caps,
    introspector: mysqlFamilyIntrospector,
    replication,
    sql: mysqlFamilySql,
    session,
    prewarm(n: number) {
      if (!closing) supply.prewarm(n);
    },
    async close() {
      closing = true;
      await supply.settle();
      await Promise.all([...open].map((s) => s.close()));
      open.clear();
    },
  } satisfies Engine);
}

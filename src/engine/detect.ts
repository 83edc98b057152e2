/**
 * Connect to a server and return the engine for its flavor, detected from the version string
 * (MariaDB reports "...-MariaDB..."; anything else on the MySQL protocol is MySQL).
 * Each family's module (and its driver) is loaded only when a server of that family is used.
 */
import type { ConnectionSpec } from '../config/dsn.js';
import type { ConnectOptions, Engine } from './engine.js';

export const defaultConnectOptions: ConnectOptions = Object.freeze({
  lockWaitMs: 1000,
  connectTimeoutMs: 10_000,
  appName: 'syncpoint',
});

export async function connectEngine(spec: ConnectionSpec, opts: ConnectOptions = defaultConnectOptions): Promise<Engine> {
  if (spec.family === 'postgres') {
    const { createPostgresEngine } = await import('./postgres/postgres-engine.js');
    return createPostgresEngine(spec, opts);
  }
  const { createMysqlFamilyEngine } = await import('./mysql-family/mysql-family-engine.js');
  return createMysqlFamilyEngine(spec, opts);
}

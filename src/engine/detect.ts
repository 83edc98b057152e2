/**
 * Connect to a server and return the engine for its flavor, detected from the version string
 * (MariaDB reports "...-MariaDB..."; anything else on the MySQL protocol is MySQL).
 */
import type { ConnectionSpec } from '../config/dsn.js';
import type { ConnectOptions, Engine } from './engine.js';
import { createMysqlFamilyEngine } from './mysql-family/mysql-family-engine.js';
import { createPostgresEngine } from './postgres/postgres-engine.js';

export const defaultConnectOptions: ConnectOptions = Object.freeze({
  lockWaitMs: 1000,
  connectTimeoutMs: 10_000,
  appName: 'syncpoint',
});

export async function connectEngine(spec: ConnectionSpec, opts: ConnectOptions = defaultConnectOptions): Promise<Engine> {
  return spec.family === 'postgres' ? createPostgresEngine(spec, opts) : createMysqlFamilyEngine(spec, opts);
}

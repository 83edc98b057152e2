/**
 * The fleet config file (`--config syncpoint.yaml` or .json): several clusters, each with its
 * primary, optional replicas (else discovery), table filters and any check option. Passwords
 * come from the environment (`passwordEnv: NAME`) or the option files dsn.ts reads
 * (~/.my.cnf, ~/.pgpass); an inline password works but is warned about. Every problem is one
 * line naming the file, the cluster and the key.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { usageError } from '../errors.js';
import { parseDsn, type ConnectionSpec } from './dsn.js';
import { parseHostPort, type HostPort } from '../pipeline/topology/address-map.js';

/** Check options a cluster (or `defaults`) may set, in the CLI's units (seconds). */
export interface ClusterCheckOptions {
  chunkTime?: number;
  hash?: 'fast' | 'strong';
  nokeyMaxRows?: number;
  concurrency?: number;
  retries?: number;
  maxLag?: number;
  lagWait?: number;
  syncMethod?: 'replica-until' | 'primary-lock';
  maxSnapshotAge?: number;
  lockWaitTimeout?: number;
  maxLockTime?: number;
  syncTimeout?: number;
  connectTimeout?: number;
}

export interface ClusterFilters {
  databases?: string[];
  tables?: string[];
  ignoreDatabases?: string[];
  ignoreTables?: string[];
}

export interface ClusterConfig {
  readonly name: string;
  readonly primary: ConnectionSpec;
  /** Empty: discovered from the primary. */
  readonly replicas: readonly ConnectionSpec[];
  readonly addresses: ReadonlyMap<string, HostPort>;
  readonly filters: ClusterFilters;
  /** defaults merged with the cluster's own `options`. */
  readonly options: ClusterCheckOptions;
}

export interface FleetConfig {
  readonly path: string;
  readonly clusters: readonly ClusterConfig[];
  /** Inline passwords and other things worth a warning, one line each. */
  readonly warnings: readonly string[];
}

type Kind = 'number' | 'positive' | 'int' | 'posint' | 'syncMethod' | 'hash';
const OPTION_KINDS: Record<keyof ClusterCheckOptions, Kind> = {
  chunkTime: 'positive',
  hash: 'hash',
  nokeyMaxRows: 'int',
  concurrency: 'posint',
  retries: 'int',
  maxLag: 'int',
  lagWait: 'positive',
  syncMethod: 'syncMethod',
  maxSnapshotAge: 'positive',
  lockWaitTimeout: 'positive',
  maxLockTime: 'positive',
  syncTimeout: 'positive',
  connectTimeout: 'positive',
};
const FILTER_KEYS = ['databases', 'tables', 'ignoreDatabases', 'ignoreTables'] as const;
const CLUSTER_KEYS = new Set(['name', 'primary', 'replicas', 'passwordEnv', 'addresses', 'options', ...FILTER_KEYS]);
const TOP_KEYS = new Set(['clusters', 'defaults']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class Where {
  constructor(readonly file: string, readonly cluster: string | null) {}
  fail(key: string, problem: string): never {
    throw usageError(`${this.file}: ${this.cluster ? `cluster "${this.cluster}": ` : ''}${key}: ${problem}`);
  }
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** A suggestion for a misspelt key: chunk_time, chunk-time, chunktime, cluster -> clusters. */
function closest(key: string, known: Iterable<string>): string {
  const norm = (x: string) => x.toLowerCase().replace(/[-_]/g, '');
  let best: string | null = null;
  let bestD = 3;
  for (const c of known) {
    const d = distance(norm(key), norm(c));
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best ? ` (did you mean "${best}"?)` : '';
}

function parseOptions(raw: unknown, at: Where, key: string): ClusterCheckOptions {
  if (raw === undefined || raw === null) return {};
  if (!isObj(raw)) at.fail(key, 'expected a mapping of check options');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const kind = OPTION_KINDS[k as keyof ClusterCheckOptions];
    if (!kind) at.fail(`${key}.${k}`, `unknown check option${closest(k, Object.keys(OPTION_KINDS))}; known: ${Object.keys(OPTION_KINDS).join(', ')}`);
    if (kind === 'syncMethod') {
      if (v !== 'replica-until' && v !== 'primary-lock') at.fail(`${key}.${k}`, 'must be replica-until or primary-lock');
      out[k] = v;
      continue;
    }
    if (kind === 'hash') {
      if (v !== 'fast' && v !== 'strong') at.fail(`${key}.${k}`, 'must be fast or strong');
      out[k] = v;
      continue;
    }
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    const ok = Number.isFinite(n) && (kind === 'number' || (kind === 'positive' && n > 0) || (kind === 'int' && Number.isInteger(n) && n >= 0) || (kind === 'posint' && Number.isInteger(n) && n >= 1));
    if (!ok) at.fail(`${key}.${k}`, `must be ${kind === 'positive' ? 'a positive number (seconds)' : kind === 'int' ? 'a whole number >= 0' : 'a whole number >= 1'}, got ${JSON.stringify(v)}`);
    out[k] = n;
  }
  return out as ClusterCheckOptions;
}

function stringList(raw: unknown, at: Where, key: string): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  const list = typeof raw === 'string' ? raw.split(',') : Array.isArray(raw) ? raw : null;
  if (!list || list.some((x) => typeof x !== 'string')) at.fail(key, 'expected a list of names (or a comma-separated string)');
  const names = (list as string[]).map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) at.fail(key, 'is empty');
  return names;
}

function dsnSpec(raw: unknown, at: Where, key: string, passwordEnv: string | undefined, env: NodeJS.ProcessEnv, warnings: string[]): ConnectionSpec {
  if (typeof raw !== 'string' || raw.trim() === '') at.fail(key, 'expected a connection string (mysql://user@host:port, mariadb://..., postgres://...)');
  let family: 'postgres' | 'mysql-family';
  try {
    family = /^postgres(ql)?:/i.test(raw) ? 'postgres' : 'mysql-family';
    const envVar = family === 'postgres' ? 'PGPASSWORD' : 'MYSQL_PWD';
    const sources = passwordEnv !== undefined ? { env: { ...env, [envVar]: env[passwordEnv] }, home: env['HOME'] ?? '' } : undefined;
    const spec = sources ? parseDsn(raw, { env: sources.env, home: sources.home || homeDir() }) : parseDsn(raw);
    if (spec.passwordSource === 'dsn') warnings.push(`${at.file}: cluster "${at.cluster}": ${key}: password written inline in the config file; prefer passwordEnv or ${family === 'postgres' ? '~/.pgpass' : '~/.my.cnf'}`);
    return spec;
  } catch (err) {
    return at.fail(key, (err as Error).message);
  }
}

function homeDir(): string {
  return process.env['HOME'] ?? '';
}

function parseCluster(raw: unknown, index: number, file: string, defaults: ClusterCheckOptions, env: NodeJS.ProcessEnv, warnings: string[]): ClusterConfig {
  const anon: Where = new Where(file, `#${index + 1}`);
  if (!isObj(raw)) anon.fail('clusters', `entry ${index + 1} is not a mapping`);
  const name = raw['name'];
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(name)) anon.fail('name', 'every cluster needs a name: letters, digits, _ . - (up to 64)');
  const at: Where = new Where(file, name);
  for (const k of Object.keys(raw)) if (!CLUSTER_KEYS.has(k)) at.fail(k, `unknown key${closest(k, CLUSTER_KEYS)}; known: ${[...CLUSTER_KEYS].join(', ')}`);
  const passwordEnv = raw['passwordEnv'];
  if (passwordEnv !== undefined) {
    if (typeof passwordEnv !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(passwordEnv)) at.fail('passwordEnv', 'expected an environment variable name');
    if (env[passwordEnv] === undefined) at.fail('passwordEnv', `environment variable ${passwordEnv} is not set`);
  }
  const pwEnv = passwordEnv as string | undefined;
  if (raw['primary'] === undefined) at.fail('primary', 'missing');
  const primary = dsnSpec(raw['primary'], at, 'primary', pwEnv, env, warnings);
  const replicasRaw = raw['replicas'];
  if (replicasRaw !== undefined && replicasRaw !== null && !Array.isArray(replicasRaw)) at.fail('replicas', 'expected a list of connection strings');
  const replicas = ((replicasRaw as unknown[] | undefined) ?? []).map((r, i) => {
    const spec = dsnSpec(r, at, `replicas[${i}]`, pwEnv, env, warnings);
    if (spec.family !== primary.family) at.fail(`replicas[${i}]`, `a ${spec.family === 'postgres' ? 'PostgreSQL' : 'MySQL/MariaDB'} replica of a ${primary.family === 'postgres' ? 'PostgreSQL' : 'MySQL/MariaDB'} primary`);
    return spec;
  });
  const addresses = new Map<string, HostPort>();
  const addrRaw = raw['addresses'];
  if (addrRaw !== undefined && addrRaw !== null) {
    if (!isObj(addrRaw)) at.fail('addresses', 'expected a mapping NAME: HOST:PORT');
    for (const [k, v] of Object.entries(addrRaw)) {
      if (typeof v !== 'string') at.fail(`addresses.${k}`, 'expected HOST:PORT');
      try {
        addresses.set(k, parseHostPort(v, `addresses.${k}`));
      } catch (err) {
        at.fail(`addresses.${k}`, `expected HOST:PORT, got ${JSON.stringify(v)}`);
      }
    }
  }
  const filters: ClusterFilters = {};
  for (const k of FILTER_KEYS) {
    const list = stringList(raw[k], at, k);
    if (list) filters[k] = list;
  }
  return Object.freeze({ name, primary, replicas: Object.freeze(replicas), addresses, filters, options: { ...defaults, ...parseOptions(raw['options'], at, 'options') } });
}

/** Parses config text; `path` names the file in messages and picks JSON or YAML by extension. */
export function parseFleetConfig(text: string, path: string, env: NodeJS.ProcessEnv = process.env): FleetConfig {
  const top: Where = new Where(path, null);
  let doc: unknown;
  try {
    doc = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text, { prettyErrors: false });
  } catch (err) {
    top.fail(extname(path).toLowerCase() === '.json' ? 'JSON' : 'YAML', String((err as Error).message).split('\n')[0]!);
  }
  if (!isObj(doc)) top.fail('top level', 'expected a mapping with a "clusters" list');
  for (const k of Object.keys(doc)) if (!TOP_KEYS.has(k)) top.fail(k, `unknown key${closest(k, TOP_KEYS)}; known: clusters, defaults`);
  const defaults = parseOptions(doc['defaults'], top, 'defaults');
  let rawClusters = doc['clusters'];
  // Also accepted: clusters as a mapping of name -> cluster.
  if (isObj(rawClusters)) rawClusters = Object.entries(rawClusters).map(([name, c]) => (isObj(c) ? { name, ...c } : c));
  if (!Array.isArray(rawClusters) || rawClusters.length === 0) top.fail('clusters', 'expected a non-empty list of clusters');
  const warnings: string[] = [];
  const clusters = rawClusters.map((c, i) => parseCluster(c, i, path, defaults, env, warnings));
  const seen = new Set<string>();
  for (const c of clusters) {
    if (seen.has(c.name)) new Where(path, c.name).fail('name', 'used by two clusters');
    seen.add(c.name);
  }
  return Object.freeze({ path, clusters: Object.freeze(clusters), warnings: Object.freeze(warnings) });
}

export function loadFleetConfig(path: string, env: NodeJS.ProcessEnv = process.env): FleetConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw usageError(`${path}: cannot read the config file: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message}`);
  }
  return parseFleetConfig(text, path, env);
}

/** The clusters --cluster names (all when none), in file order; an unknown name is a usage error. */
export function selectClusters(config: FleetConfig, names: readonly string[]): ClusterConfig[] {
  for (const n of names) {
    if (!config.clusters.some((c) => c.name === n)) {
      throw usageError(`${config.path}: no cluster named "${n}"; the file has: ${config.clusters.map((c) => c.name).join(', ')}`);
    }
  }
  return names.length === 0 ? [...config.clusters] : config.clusters.filter((c) => names.includes(c.name));
}

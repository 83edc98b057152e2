/** Flags shared by several commands, and their parsing into typed options. */
import { InvalidArgumentError, type Command } from 'commander';
import { parseDsn, TLS_MODES, withTls, type ConnectionSpec, type TlsMode } from '../config/dsn.js';
import type { Logger } from '../log.js';
import { usageError } from '../errors.js';
import { validateFilter, type TableFilter } from '../pipeline/plan/table-filter.js';

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}

export function repeat(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function positiveNumber(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

export function nonNegativeInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number >= 0`);
    return n;
  };
}

export function addConnectionFlags(cmd: Command): Command {
  cmd
    .option('--primary <dsn>', 'primary: mysql://user@host:port, mariadb://..., postgres://... (password from MYSQL_PWD/PGPASSWORD, ~/.my.cnf, ~/.pgpass)')
    .option('--replica <dsn>', 'a replica (repeatable); without it, replicas are discovered from the primary where possible', repeat, [])
    .option('--connect-timeout <seconds>', 'connect timeout', positiveNumber('--connect-timeout'), 10);
  return addTlsFlags(cmd);
}

/** TLS for every connection of the run; each flag overrides the same setting in the DSNs (sslmode=, sslrootcert=, ...). */
export function addTlsFlags(cmd: Command): Command {
  return cmd
    .option('--ssl-mode <mode>', `TLS: ${TLS_MODES.join(', ')} (default prefer; verify-ca when only --ssl-ca is given)`, (v) => {
      const m = v.toLowerCase();
      if (!(TLS_MODES as readonly string[]).includes(m)) throw new InvalidArgumentError(`--ssl-mode must be one of ${TLS_MODES.join(', ')}`);
      return m;
    })
    .option('--ssl-ca <file>', 'PEM file of the CA that signed the server certificates')
    .option('--ssl-cert <file>', 'PEM client certificate (for servers that require one; with --ssl-key)')
    .option('--ssl-key <file>', 'PEM private key of --ssl-cert');
}

export function addFilterFlags(cmd: Command): Command {
  return cmd
    .option('--databases <list>', 'only these databases/schemas (comma-separated, repeatable, * wildcards)', collect)
    .option('--tables <list>', 'only these tables: name or db.name (comma-separated, repeatable, * wildcards)', collect)
    .option('--ignore-databases <list>', 'skip these databases/schemas', collect)
    .option('--ignore-tables <list>', 'skip these tables', collect);
}

export function addOutputFlags(cmd: Command): Command {
  return cmd
    .option('--format <format>', 'table or json', (v) => {
      if (v !== 'table' && v !== 'json') throw new InvalidArgumentError('--format must be table or json');
      return v;
    }, 'table')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace, silent', (v) => {
      if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(v)) throw new InvalidArgumentError('unknown --log-level');
      return v;
    }, 'warn')
    .option('--log-format <format>', 'pretty or json (pino) on stderr', (v) => {
      if (v !== 'pretty' && v !== 'json') throw new InvalidArgumentError('--log-format must be pretty or json');
      return v;
    }, 'pretty');
}

export interface TlsFlags {
  sslMode?: TlsMode;
  sslCa?: string;
  sslCert?: string;
  sslKey?: string;
}

export interface ConnectionFlags extends TlsFlags {
  primary?: string;
  replica: string[];
  connectTimeout: number;
}

export function connectionSpecs(f: ConnectionFlags, log: Logger): { primary: ConnectionSpec; replicas: ConnectionSpec[] } {
  if (!f.primary) throw usageError('--primary is required');
  const primary = specFromFlag(f.primary, f, log);
  const replicas = f.replica.map((d) => specFromFlag(d, f, log));
  return { primary, replicas };
}

/**
 * One DSN given on the command line (--primary, --replica, --candidate, ...): parsed, with the
 * run's --ssl-* flags applied, and a warning when its password was typed on the command line.
 */
export function specFromFlag(dsn: string, f: TlsFlags, log: Logger): ConnectionSpec {
  return warnInlinePassword(withTls(parseDsn(dsn), tlsFromFlags(f)), log);
}

/** The --ssl-* flags as overrides for withTls(). */
export function tlsFromFlags(f: TlsFlags): Parameters<typeof withTls>[1] {
  if ((f.sslCert === undefined) !== (f.sslKey === undefined)) throw usageError('--ssl-cert and --ssl-key go together: give both or neither');
  return { ...(f.sslMode ? { mode: f.sslMode } : {}), ...(f.sslCa ? { ca: f.sslCa } : {}), ...(f.sslCert ? { cert: f.sslCert } : {}), ...(f.sslKey ? { key: f.sslKey } : {}) };
}

export function warnInlinePassword(s: ConnectionSpec, log: Logger): ConnectionSpec {
  if (s.passwordSource === 'dsn') {
    log.warn(`${s.label}: password given on the command line (visible to other local users in the process list); prefer ${s.family === 'postgres' ? 'PGPASSWORD or ~/.pgpass' : 'MYSQL_PWD or ~/.my.cnf [client]'}`);
  }
  return s;
}

/** The scope flags addFilterFlags defines. */
export interface FilterFlags {
  databases?: string[];
  tables?: string[];
  ignoreDatabases?: string[];
  ignoreTables?: string[];
}

export function tableFilter(f: FilterFlags): TableFilter {
  return validateFilter({
    ...(f.databases ? { databases: f.databases } : {}),
    ...(f.tables ? { tables: f.tables } : {}),
    ...(f.ignoreDatabases ? { ignoreDatabases: f.ignoreDatabases } : {}),
    ...(f.ignoreTables ? { ignoreTables: f.ignoreTables } : {}),
  });
}

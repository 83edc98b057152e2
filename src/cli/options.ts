/** Flags shared by several commands, and their parsing into typed options. */
import { InvalidArgumentError, type Command } from 'commander';
import { parseDsn, type ConnectionSpec } from '../config/dsn.js';
import type { Logger } from '../log.js';
import { usageError } from '../errors.js';
import type { TableFilter } from '../pipeline/plan/table-filter.js';

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
  return cmd
    .option('--primary <dsn>', 'primary: mysql://user@host:port, mariadb://..., postgres://... (password from MYSQL_PWD/PGPASSWORD, ~/.my.cnf, ~/.pgpass)')
    .option('--replica <dsn>', 'a replica (repeatable); without it, replicas are discovered from the primary where possible', repeat, [])
    .option('--connect-timeout <seconds>', 'connect timeout', positiveNumber('--connect-timeout'), 10);
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

export interface ConnectionFlags {
  primary?: string;
  replica: string[];
  connectTimeout: number;
}

export function connectionSpecs(f: ConnectionFlags, log: Logger): { primary: ConnectionSpec; replicas: ConnectionSpec[] } {
  if (!f.primary) throw usageError('--primary is required');
  const primary = parseDsn(f.primary);
  const replicas = f.replica.map((d) => parseDsn(d));
  for (const s of [primary, ...replicas]) {
    if (s.passwordSource === 'dsn') {
      log.warn(`${s.label}: password given on the command line (visible to other local users in the process list); prefer ${s.family === 'postgres' ? 'PGPASSWORD or ~/.pgpass' : 'MYSQL_PWD or ~/.my.cnf [client]'}`);
    }
  }
  return { primary, replicas };
}

export function tableFilter(f: { databases?: string[]; tables?: string[]; ignoreDatabases?: string[]; ignoreTables?: string[] }): TableFilter {
  return {
    ...(f.databases ? { databases: f.databases } : {}),
    ...(f.tables ? { tables: f.tables } : {}),
    ...(f.ignoreDatabases ? { ignoreDatabases: f.ignoreDatabases } : {}),
    ...(f.ignoreTables ? { ignoreTables: f.ignoreTables } : {}),
  };
}

/**
 * Shapes of the risk audit: findings (the contract of `risks --format json`), the rule
 * interface, and the neutral, frozen facts every rule reads. Rules never query a server: they
 * run on facts gathered once per server by collect.ts, so each is tested on captured facts.
 */
import type { Family, Flavor, ReplicaStatus, TableInfo } from '../engine/types.js';
import type { Workload } from './sql-analysis/workload.js';
import type { AuditReplicaChannel } from '../engine/mysql-family/mysql-family-audit.js';
import type { AuditSubscription } from '../engine/postgres/postgres-audit.js';

export type Severity = 'info' | 'warning' | 'error';

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = Object.freeze({ info: 0, warning: 1, error: 2 });

export interface Finding {
  /** Stable rule id (the file name under rules/). */
  readonly rule: string;
  readonly severity: Severity;
  /** "host:port" of the server concerned; "-" for SQL analysed without a server. */
  readonly server: string;
  /** What it concerns: "db.table", "db.fn()", a variable name, "replication", "account app@%". */
  readonly object: string;
  /** What was seen: the value, statement or table. */
  readonly evidence: string;
  /** One line: what to do about it. */
  readonly remedy: string;
  /** Where a statement came from: "file.sql:12", "binlog mariadb-bin.000003:4567", "performance_schema digest". */
  readonly source?: string;
}

export type ServerRole = 'primary' | 'replica';

/** One replication connection of a MySQL-family replica, as the audit reads it. */
export type ReplicaChannel = AuditReplicaChannel;

/** SHOW MASTER STATUS: the binlog filters on a primary. */
export interface BinlogStatus {
  readonly file: string;
  readonly position: number;
  readonly doDb: string;
  readonly ignoreDb: string;
}

/** An account and the write-capable privileges it holds, per scope ("*.*", "db.*", "db.t"). */
export interface Account {
  /** "user@host" (MySQL family) or the role name (PostgreSQL). */
  readonly name: string;
  /** Server administrators: root and system accounts, superusers. */
  readonly admin: boolean;
  readonly privileges: readonly { readonly scope: string; readonly privilege: string }[];
}

/** A stored function, procedure or trigger with its body (null when the server hides it). */
export interface Routine {
  readonly schema: string;
  readonly name: string;
  readonly kind: 'FUNCTION' | 'PROCEDURE' | 'TRIGGER';
  readonly deterministic: boolean | null;
  readonly body: string | null;
  /** Triggers: the table they fire on. */
  readonly table: string | null;
}

/** PostgreSQL publisher and subscriber facts. */
export interface PgFacts {
  readonly standby: boolean;
  readonly replayPaused: boolean;
  readonly publications: readonly {
    readonly name: string;
    readonly allTables: boolean;
    readonly insert: boolean;
    readonly update: boolean;
    readonly delete: boolean;
    readonly truncate: boolean;
  }[];
  readonly publishedTables: readonly { readonly publication: string; readonly table: string; readonly rowFilter: string | null; readonly columns: readonly string[] | null }[];
  /** "schema.table" -> replica identity: d(efault), n(othing), f(ull), i(ndex). */
  readonly replicaIdentity: Readonly<Record<string, string>>;
  readonly sequences: readonly { readonly name: string; readonly lastValue: string | null; readonly ownedBy: string | null }[];
  /** The database's subscriptions (owner left out: the rules do not use it). */
  readonly subscriptions: readonly Omit<AuditSubscription, 'owner'>[];
  /** Tables a subscription of this database follows, with their sync state (r = ready). */
  readonly subscribedTables: readonly { readonly subscription: string; readonly table: string; readonly state: string }[];
  /** Subscribed tables holding rows committed locally (commit origin 0); null when not checked. */
  readonly localWrites: readonly { readonly table: string; readonly rows: number }[] | null;
  /** Why localWrites is null, or which tables could not be scanned. */
  readonly localWritesNote: string | null;
}

/** Everything the rules know about one server: read once, frozen. */
export interface ServerFacts {
  readonly label: string;
  readonly role: ServerRole;
  readonly family: Family;
  readonly flavor: Flavor;
  readonly version: string;
  /** Global variables / settings, lower-case names, values as the server prints them. */
  readonly variables: Readonly<Record<string, string>>;
  /** Global status (MySQL family), lower-case names. */
  readonly status: Readonly<Record<string, string>>;
  /** The engine's neutral replica status; null on a primary or a server that is not a replica. */
  readonly replication: ReplicaStatus | null;
  readonly channels: readonly ReplicaChannel[];
  readonly binlog: BinlogStatus | null;
  readonly tables: readonly TableInfo[];
  /** "db.table" of tables with an AUTO_INCREMENT column (MySQL family). */
  readonly autoIncrement: readonly string[];
  readonly accounts: readonly Account[] | null;
  readonly routines: readonly Routine[];
  readonly pg: PgFacts | null;
  /** Facts that could not be read (privileges, versions): shown as notes. */
  readonly gaps: readonly string[];
}

/** A server named or discovered that could not be audited. */
export interface UnreachableServer {
  readonly label: string;
  readonly role: ServerRole;
  readonly error: string;
}

export interface RiskOptions {
  /** replication-health: lag above this is a finding. */
  readonly maxLagSeconds: number;
}

export interface RiskContext {
  readonly primary: ServerFacts | null;
  readonly replicas: readonly ServerFacts[];
  readonly unreachable: readonly UnreachableServer[];
  /** Statements from --sql, the binlog and performance_schema, grouped into transactions. */
  readonly workload: Workload | null;
  readonly options: RiskOptions;
}

export type EngineScope = Family;

export interface RiskRule {
  readonly id: string;
  readonly description: string;
  /** Families the rule applies to; it is not run for others. */
  readonly engines: readonly EngineScope[];
  run(ctx: RiskContext): Finding[];
}

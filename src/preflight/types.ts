/**
 * Shapes of `syncpoint preflight`: one result per check and node (the JSON contract), the check
 * interface, and the facts every check reads. Facts are read once per server before the checks
 * run; checks that must ask a server again (waiting for the candidate, schema, risks, data) get the
 * node's engine and session.
 */
import type { Logger } from 'pino';
import type { ConnectionSpec } from '../config/dsn.js';
import type { Engine, Session } from '../engine/engine.js';
import type { Family, ReplicaStatus } from '../engine/types.js';
import type { MysqlFamilyPreflightFacts } from '../engine/mysql-family/mysql-family-preflight.js';
import type { PgPreflightFacts } from '../engine/postgres/postgres-preflight.js';
import type { AddressMap } from '../pipeline/topology/address-map.js';
import type { TableFilter } from '../pipeline/plan/table-filter.js';

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

export interface PreflightCheckResult {
  /** Stable check id (the file name under checks/). */
  readonly id: string;
  readonly status: CheckStatus;
  /** "host:port" of the server the result is about. */
  readonly node: string;
  /** One line: what was found and, when not a pass, what to do. */
  readonly message: string;
  /** The values the verdict rests on, as the servers reported them. */
  readonly evidence: Readonly<Record<string, unknown>>;
  /** Present (true) when the check could not be evaluated (a read refused, a lost connection). */
  readonly incomplete?: true;
}

export type PreflightVerdict = 'go' | 'no-go' | 'incomplete';

export interface PreflightResult {
  readonly schemaVersion: 1;
  readonly command: 'preflight';
  readonly verdict: PreflightVerdict;
  readonly primary: string;
  readonly candidate: string;
  /** The other replicas the checks ran against (named with --replica, or discovered). */
  readonly replicas: string[];
  /** How the other replicas were found, and which could not be used and why. */
  readonly notes: string[];
  /** "check-id on node: message" of every failed check, in the order of `checks`. */
  readonly reasons: string[];
  /** Failed first, then could-not-run, warnings, passes, skips. */
  readonly checks: PreflightCheckResult[];
  readonly durationMs: number;
}

export type DataCheckMode = 'check' | 'counts' | 'off';

export interface PreflightOptions {
  readonly primary: ConnectionSpec;
  readonly candidate: ConnectionSpec;
  /** The other replicas; none named: discovered from the primary unless `discover` is false. */
  readonly replicas: readonly ConnectionSpec[];
  /** Find the other replicas from the primary when none are named (as check and risks do). */
  readonly discover: boolean;
  /** Discovery: addresses for servers the primary reports without a usable one (--address). */
  readonly addresses?: AddressMap;
  /** Seconds the candidate may take to reach the primary's position. */
  readonly waitSeconds: number;
  /** A candidate not at the primary's position but reporting at most this lag is a warning (0: none tolerated). */
  readonly maxLagSeconds: number;
  readonly dataCheck: DataCheckMode;
  /** Scope of the schema and data checks. */
  readonly filter: TableFilter;
  readonly connectTimeoutMs: number;
  readonly log: Logger;
  readonly signal?: AbortSignal;
}

export type NodeRole = 'primary' | 'candidate' | 'replica';

/** One server's facts, read once. */
export interface PreflightNode {
  readonly label: string;
  readonly role: NodeRole;
  readonly spec: ConnectionSpec;
  readonly engine: Engine;
  readonly session: Session;
  /** Null when the server is not a replica (or the read failed: see gaps). */
  readonly status: ReplicaStatus | null;
  readonly mysql: MysqlFamilyPreflightFacts | null;
  readonly pg: PgPreflightFacts | null;
  /** MySQL family: gtid_binlog_state (MariaDB) or gtid_executed (MySQL), read primary last. */
  readonly gtidState: string | null;
  /** Reads that failed: "what: why". */
  readonly gaps: readonly string[];
}

/** Another replica that was found or named but could not be read. */
export interface UnusableReplica {
  readonly label: string;
  readonly error: string;
  /** Named with --replica (not checked: the verdict cannot be go) or found by discovery (a warning). */
  readonly found: 'named' | 'discovery';
}

export interface PreflightContext {
  /** The options, with `replicas` the other replicas actually used (named or discovered). */
  readonly opts: PreflightOptions;
  readonly family: Family;
  readonly primary: PreflightNode;
  readonly candidate: PreflightNode;
  readonly replicas: readonly PreflightNode[];
  /** How the other replicas were chosen: named, discovered, or neither (--no-discover without --replica). */
  readonly replicaSource: 'named' | 'discovery' | 'none';
  readonly unusable: readonly UnusableReplica[];
  /** Why discovery failed (then the other replicas are unknown), null when it ran or was not needed. */
  readonly discoveryError: string | null;
  /** Results of the checks run so far (a later check may depend on an earlier one). */
  readonly earlier: readonly PreflightCheckResult[];
}

export interface PreflightCheck {
  readonly id: string;
  readonly description: string;
  readonly families: readonly Family[];
  run(ctx: PreflightContext): Promise<PreflightCheckResult[]> | PreflightCheckResult[];
}

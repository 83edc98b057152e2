/** Shapes of the sandbox: what `sandbox up` returns, what sandbox.json records. */
import type { Logger } from 'pino';

export type SandboxEngine = 'mariadb' | 'postgres';
export type SandboxRole = 'primary' | 'replica' | 'standby' | 'subscriber';
export type BinlogFormat = 'ROW' | 'STATEMENT' | 'MIXED';

export interface SandboxNode {
  /** 'primary', 'replica1'.. (MariaDB), 'standby1'.. and 'subscriber1'.. (PostgreSQL). */
  readonly name: string;
  readonly role: SandboxRole;
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Server process id; null once stopped (down --keep) or before it was started. */
  pid: number | null;
  /** With credentials: mysql://root:<pw>@127.0.0.1:PORT/ or postgres://postgres:<pw>@127.0.0.1:PORT/postgres */
  readonly dsn: string;
  /** Directory of this node: data/, its log, its socket. */
  readonly nodeDir: string;
  readonly dataDir: string;
  /** The server's error log: the file to read when this node misbehaves. */
  readonly logFile: string;
  /** MariaDB: the socket file; PostgreSQL: the socket directory; null when none (path too long). */
  readonly socket: string | null;
  /** MariaDB server_id. */
  readonly serverId?: number;
  /** PostgreSQL: physical slot (standby) or subscription name (subscriber). */
  readonly replicationName?: string;

  // Live fields, filled by sandboxStatus (and by sandboxUp, which knows them all).
  /** The process is alive and the server answers. */
  up?: boolean;
  /** Replicas/standbys/subscribers: replication threads/receiver/worker running. */
  replicating?: boolean;
  /** Seconds behind the primary as the server reports it (MariaDB Seconds_Behind_Master); null if unknown. */
  lagSeconds?: number | null;
  /** PostgreSQL: bytes of WAL between the primary's current LSN and this node's applied position. */
  lagBytes?: number | null;
  /** Current (primary) or executed (replica) position: MariaDB GTID list, PostgreSQL LSN. */
  position?: string | null;
  /** MariaDB replicas: Relay_Master_Log_File:Exec_Master_Log_Pos in the primary's binlog. */
  executedFilePos?: string | null;
  /** Why a node is not up or not replicating (server error text, one line). */
  error?: string;
}

export interface SandboxInfo {
  readonly engine: SandboxEngine;
  /** Absolute path of the sandbox directory. */
  readonly dir: string;
  /** Server version string of the binaries used. */
  readonly serverVersion: string;
  readonly createdAt: string;
  /** MariaDB only. */
  readonly binlogFormat?: BinlogFormat;
  /** The replication account the replicas/standbys use (sandbox-only credentials). */
  readonly replication: { readonly user: string; readonly password: string };
  /** PostgreSQL: the publication logical subscribers follow (present when logical > 0). */
  readonly publication?: string;
  readonly nodes: SandboxNode[];
}

export interface SandboxUpOptions {
  /** Default ./.syncpoint-sandbox (resolved against the current directory). */
  dir?: string;
  /** Default: mariadb when its server binaries are installed, else postgres. */
  engine?: SandboxEngine;
  /** MariaDB replicas, PostgreSQL physical standbys. Default 2. */
  replicas?: number;
  /** PostgreSQL logical subscribers. Default 0. */
  logical?: number;
  /** MariaDB binlog_format. Default ROW. */
  binlogFormat?: BinlogFormat;
  /** First of consecutive ports; default: free loopback ports picked at random. */
  basePort?: number;
  /**
   * Extra server command-line options per node name ('*' for every node), appended last so they
   * win: `--name=value` (mariadbd options; PostgreSQL settings, which postgres also takes as
   * --name=value). For tests that need a misconfigured node, e.g. { replica1: ['--read-only=0'] }.
   */
  serverArgs?: Readonly<Record<string, readonly string[]>>;
  /**
   * A replication chain: replica1/standby1 from the primary, replicaN/standbyN from the one before
   * (primary -> replica1 -> replica2 -> ...; PostgreSQL: cascading standbys; subscribers still
   * follow the primary), to try `syncpoint topology` on replicas of replicas.
   */
  chain?: boolean;
  /** Bound for the whole bring-up (servers ready + replicas caught up). Default 120 s. */
  timeoutMs?: number;
  log?: Logger;
}

export interface SandboxDownOptions {
  dir?: string;
  /** Keep the directory (data and logs) after stopping the servers. */
  keep?: boolean;
  log?: Logger;
}

export interface SandboxDownResult {
  /** Names of the nodes whose server was running and was stopped. */
  stopped: string[];
  removed: boolean;
}

export interface SandboxStatusOptions {
  dir?: string;
}

/** What sandbox.json holds. */
export interface SandboxState extends SandboxInfo {
  readonly stateVersion: 1;
  /** 'starting' while `up` runs (or if it was killed half-way), 'running', 'stopped' after down --keep. */
  state: 'starting' | 'running' | 'stopped';
}

/**
 * Neutral, engine-independent shapes. Everything above src/engine sees only these:
 * raw server rows are mapped into them inside each engine folder.
 */
export type Flavor = 'mysql' | 'mariadb' | 'postgres';
export type Family = 'mysql-family' | 'postgres';

/** A server as reports and logs name it: never carries credentials. */
export interface ServerRef {
  readonly host: string;
  readonly port: number;
  /** "host:port", the name used in reports and JSON. */
  readonly label: string;
}

export type SqlValue = string | number | bigint | boolean | null | Buffer;

/** A statement with bound parameters, in the engine's own placeholder style. */
export interface Sql {
  readonly sql: string;
  readonly params: readonly SqlValue[];
  /**
   * The statement hashes or compares strings built on the server, and a string the server cut
   * short would make its answer wrong (MySQL family: a CONCAT or CAST over max_allowed_packet is
   * NULL, with warning 1301, and the row drops out of the hash). The engine's session refuses
   * such an answer with an error. Only engine SQL builders set it.
   */
  readonly refuseTruncation?: boolean;
}

export type Row = Record<string, unknown>;

export interface ColumnInfo {
  readonly name: string;
  /** 1-based position in the table. */
  readonly ordinal: number;
  /** Base type, lower case, no length: 'int', 'varchar', 'float', 'numeric', 'jsonb', ... */
  readonly dataType: string;
  /** Full declared type as the server prints it: 'int(10) unsigned', 'character varying(20)'. */
  readonly columnType: string;
  readonly nullable: boolean;
  readonly generated: 'no' | 'virtual' | 'stored';
  readonly charset: string | null;
  readonly collation: string | null;
  /**
   * PostgreSQL: the schema of the type's own comparison operators when it is not pg_catalog (an
   * extension type such as citext): with search_path = '' an unqualified `>` would resolve to
   * another type's operator (citext: text's, by its implicit cast: no index, other order) or to
   * none. Absent otherwise.
   */
  readonly compareSchema?: string | null;
  /**
   * PostgreSQL: a GENERATED ALWAYS identity column. An INSERT sets it only with OVERRIDING
   * SYSTEM VALUE, and an UPDATE only to DEFAULT. Absent otherwise (BY DEFAULT identity included).
   */
  readonly identityAlways?: boolean;
  /** PostgreSQL enum types: the labels in their sort order (the type's own, per server). */
  readonly enumLabels?: readonly string[];
}

export interface IndexInfo {
  readonly name: string;
  readonly columns: readonly string[];
  readonly unique: boolean;
  readonly primary: boolean;
  /** True when every column of the index is NOT NULL (a usable chunking key if unique). */
  readonly allNotNull: boolean;
}

export interface TableInfo {
  /** Database (MySQL family) or schema (PostgreSQL). */
  readonly schema: string;
  readonly name: string;
  /** "schema.table", the name used in reports and as the table's key (see displayName). */
  readonly qualified: string;
  /** Storage engine (InnoDB, MyISAM, ...); 'heap' for PostgreSQL tables; null if unknown. */
  readonly engine: string | null;
  /** False for engines whose reads are not snapshot-consistent (MyISAM, Aria, MEMORY, CSV...). */
  readonly transactional: boolean;
  /** PostgreSQL unlogged tables are not replicated at all. */
  readonly unlogged: boolean;
  /**
   * PostgreSQL: 'parent' for a plain table with classic (INHERITS) children, whose own rows are
   * read with ONLY (each child is checked as a table of its own); 'partitioned' for a partitioned
   * table, read whole (ONLY would read no rows). Absent otherwise. A field, not a side table, so
   * that every copy of the TableInfo keeps it.
   */
  readonly inheritance?: 'parent' | 'partitioned';
  /**
   * MariaDB WITH SYSTEM VERSIONING: the table's current rows are what every read sees and what
   * is compared. Its ROW START / ROW END columns are left out of `columns`, and ROW END out of its
   * indexes: transaction-precise ones hold each server's own transaction ids, and a repaired row
   * gets the replica's own time. History rows are not compared. 'transaction': its period
   * columns are BIGINT UNSIGNED transaction ids (transaction-precise); 'timestamp' otherwise.
   */
  readonly systemVersioned?: 'timestamp' | 'transaction';
  readonly columns: readonly ColumnInfo[];
  readonly indexes: readonly IndexInfo[];
  /** Planner estimate, may be stale or wildly wrong: used only for sizing, never for verdicts. */
  readonly rowEstimate: number;
  readonly dataBytes: number;
  readonly collation: string | null;
}

/**
 * "schema.table" as reports show it and as every stage keys the table by: a part holding a dot is
 * quoted the engine's way, so that a."b.c" and "a.b".c stay two tables (both were "a.b.c", and
 * one was checked for both), and `--tables` reads the name back (splitTablePattern). Other names
 * are shown as they are.
 */
export function displayName(schema: string, name: string, quote: '"' | '`'): string {
  const part = (x: string) => (x.includes('.') ? `${quote}${x.split(quote).join(quote + quote)}${quote}` : x);
  return `${part(schema)}.${part(name)}`;
}

/** Values of a key, one per key column, in key order, as the driver returns them for the boundary query. */
export type KeyValues = readonly SqlValue[];

/** A chunk covers keys k with lower < k <= upper; a missing bound is open. */
export interface ChunkRange {
  readonly lower: KeyValues | null;
  readonly upper: KeyValues | null;
}

/** Smallest and largest value of a one-column integer key. */
export interface KeyExtent {
  readonly lo: bigint;
  readonly hi: bigint;
}

/** An integer the driver returned as a number, a bigint or decimal text, as a bigint (null: not an integer). */
export function asBigInt(v: unknown): bigint | null {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : null;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  return null;
}

export function parseKeyExtent(row: Row): KeyExtent | null {
  if (row['lo'] === null || row['lo'] === undefined || row['hi'] === null || row['hi'] === undefined) return null;
  const lo = asBigInt(row['lo']);
  const hi = asBigInt(row['hi']);
  if (lo === null || hi === null || hi < lo) throw new Error(`unexpected key extent ${String(row['lo'])}..${String(row['hi'])}`);
  return { lo, hi };
}

/**
 * The per-row hash a chunk checksum is built from.
 * - 'fast': the cheapest hash the server offers that still reads every column of every row
 *   (MySQL family: CRC32 of an unambiguous row string; PostgreSQL: two 64-bit hashtextextended).
 * - 'strong': a cryptographic digest per row (SHA1 / md5), 128 bits a chunk, at about twice the cost.
 */
export type RowHash = 'fast' | 'strong';
export const ROW_HASHES: readonly RowHash[] = ['fast', 'strong'];

/** What a chunk checksum query yields; equal digests and counts mean equal content. */
export interface ChunkChecksum {
  readonly rows: number;
  /** Order-independent multiset hash of the chunk's rows, as a printable string. */
  readonly digest: string;
}

export type ReplicaKind = 'binlog' | 'physical' | 'logical';

export interface ReplicaStatus {
  readonly kind: ReplicaKind;
  /** Receiving changes (IO thread, walreceiver, subscription worker). */
  readonly receiving: boolean;
  /** Applying changes (SQL thread, WAL replay not paused, subscription enabled). */
  readonly applying: boolean;
  /** Last replication error text, null when none. */
  readonly lastError: string | null;
  readonly lagSeconds: number | null;
  /** What has been applied, in the primary's terms. */
  readonly executed: import('./position.js').Position | null;
  /** Where it replicates from, when the server says so. */
  readonly sourceHost: string | null;
  readonly sourcePort: number | null;
  /** MySQL family: the server id of the server it replicates from (Master_Server_Id). */
  readonly sourceServerId: number | null;
  /** MySQL family: what has been applied, in its source's own binlog coordinates (file:pos). */
  readonly executedAtSource: import('./position.js').Position | null;
  /** MySQL family: Slave_open_temp_tables, when replicaStatus was asked for it (null otherwise). */
  readonly openTempTables: number | null;
  /**
   * MySQL family: the UNTIL condition the apply thread was started with (Until_Condition:
   * 'Master', 'Relay', 'Gtid', 'SQL_AFTER_GTIDS', ...), while one is in force; absent or null
   * otherwise. A running thread with one stops by itself once it gets there.
   */
  readonly applyUntil?: string | null;
  /** MySQL family: what the apply thread is doing (Slave_SQL_Running_State), when it runs. */
  readonly applyState?: string | null;
  /** PostgreSQL: pg_is_wal_replay_paused(). */
  readonly paused: boolean;
  /** Logical subscriptions on this server (PostgreSQL), empty otherwise. */
  readonly subscriptions: readonly string[];
}

/** One of a replica's apply threads (MySQL family: the SQL thread or a parallel worker). */
export interface ApplyThread {
  /** Its processlist id. */
  readonly id: number;
  /** What it is doing (processlist STATE), '' when nothing is said. */
  readonly state: string;
  /** The statement it is applying (processlist INFO), null when none. */
  readonly statement: string | null;
  /** How long it has been at its current event (MariaDB TIME_MS), null where the server does not say. */
  readonly elapsedMs: number | null;
}

export interface DiscoveredReplica {
  readonly host: string;
  readonly port: number | null;
  /** How it was found, for the report: "SHOW SLAVE HOSTS", "pg_stat_replication", ... */
  readonly via: string;
  /** Why it cannot be used as found (no port reported, ...), null when usable. */
  readonly problem: string | null;
}

/** Shapes of `syncpoint clone`: resolved options in, the result and the manifest out. */
import type { Logger } from 'pino';
import type { ConnectionSpec } from '../config/dsn.js';
import type { Position } from '../engine/position.js';
import type { TableFilter } from '../pipeline/plan/table-filter.js';
import type { StepName } from './phases.js';

export type CopyMethod = 'cold' | 'two-phase' | 'command';
export const COPY_METHODS: readonly CopyMethod[] = ['cold', 'two-phase', 'command'];

/** A directory of the source that lives outside its data directory, and where the target's copy goes. */
export interface CopyDir {
  readonly from: string;
  readonly to: string;
}

export type CloneEngineName = 'mariadb' | 'mysql' | 'postgres';

/** Options after parsing and defaults (api/clone.ts builds them from strings). */
export interface CloneOptions {
  /** The source replica (a healthy replica / physical standby). */
  readonly source: ConnectionSpec;
  /** Null: the data directory the source reports (datadir / data_directory). */
  readonly sourceDatadir: string | null;
  /** Shell command that starts the source again (/bin/sh -c, detached). Required unless dryRun. */
  readonly sourceStart: string | null;
  /** Shell command that stops the source cleanly; null: SQL SHUTDOWN (MySQL family) or SIGINT to the postmaster (PostgreSQL). */
  readonly sourceStop: string | null;
  /** How to reach the new replica once started (credentials default to the source's: the copy has the same accounts). */
  readonly target: ConnectionSpec;
  readonly targetDatadir: string;
  readonly targetStart: string | null;
  /** Used only to stop a target that failed half-way; null: as for the source. */
  readonly targetStop: string | null;
  /** MySQL family; null: a free id (max of the topology's + 1), or the target configuration's own when that is free. */
  readonly targetServerId: number | null;
  /** PostgreSQL: the new standby's slot on the primary (when the source uses one); null: syncpoint_clone_<port>. */
  readonly targetSlot: string | null;
  /** PostgreSQL: application_name in the new standby's primary_conninfo; null: the slot name or syncpoint_clone_<port>. */
  readonly targetAppName: string | null;
  /** PostgreSQL: extra settings written to the copy's postgresql.auto.conf (socket directory, cluster_name...). */
  readonly targetSettings: ReadonlyArray<readonly [string, string]>;
  /** Where the new replica replicates from; null: the source's own primary, with the source's credentials. */
  readonly primary: ConnectionSpec | null;
  /** Replication account; null: the source's (MySQL family: master.info / mysql.slave_master_info; PostgreSQL: primary_conninfo). */
  readonly replUser: string | null;
  /** Non-enumerable. */
  readonly replPassword: string | null;
  readonly copyMethod: CopyMethod;
  /** copyMethod 'command': run while the source is stopped (env SYNCPOINT_SOURCE_DATADIR, SYNCPOINT_TARGET_DATADIR). */
  readonly copyCommand: string | null;
  /** copyMethod 'command': a snapshot's view of the data directory, rsynced to the target after the source is back. */
  readonly copyFrom: string | null;
  /** copyMethod 'command': run after copyFrom was copied (release the snapshot), also on failure. */
  readonly copyCleanup: string | null;
  readonly copyDirs: readonly CopyDir[];
  /** rsync --bwlimit, KiB/s. */
  readonly bwlimitKBps: number | null;
  /** Accept a non-empty target data directory (its contents are replaced). */
  readonly force: boolean;
  /** Null: <targetDatadir>/syncpoint-clone.json. */
  readonly manifestFile: string | null;
  readonly verify: boolean;
  readonly dryRun: boolean;
  /** Output of start/stop/copy commands and of the guardian; null: <target parent>/<target name>.clone.log. */
  readonly logFile: string | null;
  readonly tempTableTimeoutMs: number;
  readonly startTimeoutMs: number;
  readonly stopTimeoutMs: number;
  readonly catchUpTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly connectTimeoutMs: number;
  /** A detached watcher that restarts the source if this process dies while the source is stopped. */
  readonly guardian: boolean;
  /** Scope and pacing of the verifying check. */
  readonly verifyFilter: TableFilter;
  readonly log: Logger;
  readonly signal?: AbortSignal;
  /**
   * Called as each step starts and ends. Throwing at 'end' fails that step after its work was
   * done (how the integration tests inject a failure at each step).
   */
  readonly onStep?: (e: StepEvent) => void | Promise<void>;
}

export interface StepEvent {
  readonly step: number;
  readonly name: StepName;
  readonly title: string;
  readonly phase: 'start' | 'end' | 'failed' | 'skipped';
  readonly durationMs?: number;
  readonly detail?: string;
  readonly error?: string;
}

export interface StepRecord {
  readonly step: number;
  readonly name: StepName;
  status: 'done' | 'failed' | 'skipped';
  readonly startedAt: string;
  durationMs: number;
  detail?: string;
  error?: string;
}

export interface PreconditionCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface PlanStep {
  readonly step: number;
  readonly name: StepName;
  readonly title: string;
  readonly actions: readonly string[];
}

/** The position the copy holds, in the primary's terms. */
export interface RecordedPosition {
  readonly kind: Position['kind'];
  /** MySQL family: Relay_Master_Log_File / Exec_Master_Log_Pos in the primary's binlog. */
  readonly file?: string;
  readonly pos?: string;
  /** MariaDB gtid_slave_pos / MySQL Executed_Gtid_Set. */
  readonly gtid?: string;
  /** PostgreSQL: the standby's replay LSN and timeline. */
  readonly lsn?: string;
  readonly timeline?: number;
}

export interface CopyPass {
  readonly name: string;
  /** True for two-phase's first passes: the source was running (the copy is not consistent yet). */
  readonly whileRunning: boolean;
  /** Size of the files copied or updated. */
  readonly bytes: number;
  /** Bytes rsync actually sent; less than `bytes` when changed files were updated in place (two-phase). */
  readonly literalBytes: number;
  readonly files: number;
  readonly durationMs: number;
}

export type CloneVerdict = 'consistent' | 'unverified' | 'drift' | 'incomplete';

export interface CloneManifest {
  readonly schemaVersion: 1;
  readonly kind: 'syncpoint-clone-manifest';
  /** True only when the target replicates, has caught up, and verification passed (or was skipped). */
  complete: boolean;
  verdict: CloneVerdict;
  readonly engine: CloneEngineName | null;
  readonly serverVersion: string | null;
  readonly source: { readonly address: string; readonly datadir: string | null; readonly serverId: number | null; restartedBy: 'clone' | 'not-needed' | 'failed' | null; replicating: boolean | null };
  readonly primary: { readonly address: string | null };
  readonly target: { readonly address: string; readonly datadir: string; serverId: number | null; slot: string | null; running: boolean };
  position: RecordedPosition | null;
  replicationMode: 'gtid' | 'file-pos' | 'physical' | null;
  readonly copyMethod: CopyMethod;
  datadirBytes: number | null;
  /** Size of the files copied or updated, over all passes. */
  bytesCopied: number;
  /** What was actually sent, over all passes (delta transfers send only changed blocks). */
  bytesSent: number;
  copyPasses: CopyPass[];
  /** From the source's shutdown request until it answered again with replication running. */
  sourceDowntimeMs: number | null;
  sourceDowntime: { shutdownMs: number; stoppedCopyMs: number; restartMs: number } | null;
  /** From stopping the source's replication (SQL thread / replay) until it ran again. */
  replicationPausedMs: number | null;
  /** Times the SQL thread was restarted because temporary tables were open. */
  tempTableRetries: number;
  steps: StepRecord[];
  /** From starting the target's replication until it had applied the primary's position. */
  catchUpMs: number | null;
  verification: { verdict: string; tables: number; driftTables: string[]; durationMs: number } | null;
  readonly startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  notes: string[];
  error?: string;
  failedStep?: StepName;
}

export interface CloneResult {
  readonly schemaVersion: 1;
  readonly command: 'clone';
  readonly dryRun: boolean;
  /** Dry run: 'go' when every check passed, else 'no-go'. */
  readonly verdict: CloneVerdict | 'go' | 'no-go';
  readonly checks: readonly PreconditionCheck[];
  readonly plan: readonly PlanStep[];
  readonly manifest: CloneManifest | null;
  readonly manifestFile: string | null;
  /** The clone log (commands' output, the guardian). */
  readonly logFile: string | null;
  readonly error?: string;
}

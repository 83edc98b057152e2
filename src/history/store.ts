/** The history store contract: a local file journal (default) or a table in a database (--history DSN). */
import { readFileSync } from 'node:fs';
import type { Verdict } from '../pipeline/report/check-result.js';
import type { JournalRecord, RunSummaryRecord, StartRecord } from './records.js';

export type RunState = 'finished' | 'running' | 'interrupted';

export interface RunListing {
  readonly start: StartRecord;
  readonly summary: RunSummaryRecord | null;
  /** finished: has a result; running: its process is alive on this host; interrupted: neither. */
  readonly state: RunState;
  readonly verdict: Verdict | null;
}

export interface RunWriter {
  /** Queue a record; written before the next flush (file store: at once to the OS). */
  append(rec: JournalRecord): void;
  /** Make everything appended so far durable. */
  flush(): Promise<void>;
  /** Append the end record and the summary, flush, release resources. */
  finish(end: Extract<JournalRecord, { type: 'end' }>): Promise<void>;
  /** Release resources without an end record (the run stays resumable). */
  abandon(): Promise<void>;
}

export interface HistoryStore {
  /** Where the history lives, for messages (never a password). */
  readonly where: string;
  begin(start: StartRecord): Promise<RunWriter>;
  /** Newest first. */
  list(q: { cluster?: string; limit?: number }): Promise<RunListing[]>;
  /** All records of one run in write order; a usage error when unknown. */
  read(runId: string): Promise<JournalRecord[]>;
  close(): Promise<void>;
}

export function isAlive(start: StartRecord, hostname: string): boolean {
  if (start.host !== hostname) return false;
  if (start.pid === process.pid) return true;
  try {
    process.kill(start.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A recycled pid must not keep a killed run "running" forever: the process must look like us
  // and must have started no later than the run did.
  try {
    const cmd = readFileSync(`/proc/${start.pid}/cmdline`, 'utf8');
    if (!/node|syncpoint/.test(cmd)) return false;
    const started = processStartMs(start.pid);
    return started === null || started <= Date.parse(start.startedAt) + 5_000;
  } catch {
    return true;
  }
}

/** When a process started (Linux /proc), ms since the epoch; null when unknown. */
function processStartMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command name (which may contain spaces) start at field 3
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    if (!Number.isFinite(ticks) || !Number.isFinite(btime)) return null;
    // USER_HZ is 100 on every Linux architecture node runs on
    return btime * 1000 + (ticks / 100) * 1000;
  } catch {
    return null;
  }
}

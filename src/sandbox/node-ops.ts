/** What both engines' bring-up share: the run context, errors that name node and log, readiness waits. */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import { SyncpointError, type ErrorKind } from '../errors.js';
import { lastErrorLine, type SpawnedServer } from './processes.js';
import type { BinlogFormat, SandboxNode, SandboxState } from './types.js';

export interface UpContext {
  readonly state: SandboxState;
  readonly ports: readonly number[];
  readonly replicas: number;
  readonly logical: number;
  readonly binlogFormat: BinlogFormat;
  /** Superuser password of every node (root / postgres). */
  readonly adminPassword: string;
  readonly serverArgs: Readonly<Record<string, readonly string[]>>;
  /** replicaN / standbyN replicates from the one before instead of the primary. */
  readonly chain?: boolean;
  /** When the whole bring-up must be done; cancelled as soon as one parallel branch fails. */
  readonly deadline: Deadline;
  readonly log: Logger;
  /** Persists the state file (after each server start, so `down` finds every pid). */
  save(): Promise<void>;
}

/** A one-line error about `node` that names the log file to read. */
export function nodeError(node: Pick<SandboxNode, 'name' | 'logFile'>, kind: ErrorKind, what: string, cause?: unknown): SyncpointError {
  const oneLine = what.replace(/\s+/g, ' ').trim();
  return new SyncpointError(kind, `${oneLine}; see ${node.logFile}`, node.name, cause === undefined ? undefined : { cause });
}

/** A time bound that can also be cut short (a sibling branch failed: stop waiting). */
export class Deadline {
  private cancelled = false;
  constructor(readonly at: number) {}
  static in(ms: number): Deadline {
    return new Deadline(Date.now() + ms);
  }
  cancel(): void {
    this.cancelled = true;
  }
  get isCancelled(): boolean {
    return this.cancelled;
  }
  get over(): boolean {
    return this.cancelled || Date.now() >= this.at;
  }
  get remainingMs(): number {
    return this.cancelled ? 0 : Math.max(0, this.at - Date.now());
  }
}

/**
 * Like Promise.all, but waits for every branch to settle before throwing the first error, and
 * cancels the deadline on the first failure so the other branches stop waiting: when `up`
 * cleans up, nothing is still starting in the background.
 */
export async function settleAll<T>(deadline: Deadline, work: ReadonlyArray<Promise<T>>): Promise<T[]> {
  let first: { err: unknown } | null = null;
  const results = await Promise.all(
    work.map((p) =>
      p.catch((err: unknown) => {
        if (!first) first = { err };
        deadline.cancel();
        return undefined as T;
      }),
    ),
  );
  if (first) throw (first as { err: unknown }).err;
  return results;
}

/**
 * Polls `probe` until it says ready; fails fast when the process died (quoting the log's last
 * error line) and at the deadline.
 */
export async function waitServerReady(node: SandboxNode, server: SpawnedServer | null, probe: () => Promise<boolean>, deadline: Deadline): Promise<void> {
  for (;;) {
    if (server?.hasExited()) {
      const exit = await server.exited;
      const why = lastErrorLine(node.logFile);
      throw nodeError(node, 'server', `server exited during startup (${exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`})${why ? `: ${why}` : ''}`);
    }
    if (await probe().catch(() => false)) return;
    if (deadline.over) {
      const why = lastErrorLine(node.logFile);
      throw nodeError(node, 'timeout', `server did not accept connections on 127.0.0.1:${node.port} in time${why ? ` (last log line: ${why})` : ''}`);
    }
    await sleep(150);
  }
}

/** Random credentials: hex, so they need no quoting in URLs, option files or conninfo strings. */
export function secret(bytes = 12): string {
  return randomBytes(bytes).toString('hex');
}

/** The caller's extra server options for a node: '*' first, then the node's own. */
export function extraArgs(ctx: UpContext, node: string): string[] {
  return [...(ctx.serverArgs['*'] ?? []), ...(ctx.serverArgs[node] ?? [])];
}

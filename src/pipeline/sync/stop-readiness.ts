/**
 * What would make STOP on a replica wait. STOP SLAVE / STOP REPLICA does not interrupt the event
 * its apply thread is in: it waits for it to end. Two cases can make that long, and every replica
 * already stopped for the same sync point stays stopped meanwhile:
 * - the thread waits for a lock someone holds on the replica (LOCK TABLES, a long transaction's
 *   metadata lock, FLUSH TABLES WITH READ LOCK): as long as the lock is held;
 * - the thread is inside one long statement event: a replicated ALTER TABLE, a statement-format
 *   UPDATE (MariaDB 10.11: STOP SLAVE waited 7.5 s for an 8 s replicated statement, and a check
 *   held the other replica stopped 9 s for a replicated 9 s ALTER). Row events are not such a
 *   case: STOP comes between two of them (MariaDB shows the statement they came from, from its
 *   annotate event, with a `*_rows_log_event::` state).
 */
import type { ApplyThread } from '../../engine/types.js';

/** Slave_SQL_Running_State (or a worker's state) of an apply thread blocked by a lock taken on the replica. */
export const WAITING_FOR_LOCK = /^waiting for (table (metadata |level )?|global read |backup |commit )?lock/i;

/** Applying row events (MariaDB `Write_rows_log_event::write_row(-1)`, MySQL `Applying batch of row changes (write)`). */
const ROW_EVENT = /_rows_log_event::|^applying batch of row changes/i;

/** A parallel worker queued behind an earlier transaction: not executing its statement yet. */
const QUEUED = /^waiting for prior transaction/i;

/** A statement seen in progress this long is a long one; shorter ones are let end by themselves. */
export const LONG_STATEMENT_MS = 500;

export interface LongStatement {
  readonly statement: string;
  /** How long it has been seen in progress. */
  readonly forMs: number;
}

/**
 * Statement events in progress on a replica's apply threads, followed from one look to the next.
 * A statement is the same one while its thread shows the same text and (MariaDB) its event time
 * has not started again: a statement-based replica applying one hot-row UPDATE after another is
 * not one long statement.
 */
export class StatementWatch {
  private seen = new Map<string, { since: number; elapsedMs: number | null }>();
  private firstLook: number | null = null;
  private lastLong: number | null = null;

  /**
   * Notes what the threads apply at `now`. `long`: the longest statement in progress, once it has
   * been seen for LONG_STATEMENT_MS. `ready`: STOP would not wait for a statement: none is in
   * progress, or only young ones while no long one has been seen for LONG_STATEMENT_MS (so a
   * replica busy with short statements is not waited for without end, and the next of two long
   * statements in a row is not mistaken for a short one).
   */
  observe(threads: readonly ApplyThread[], now: number): { ready: boolean; long: LongStatement | null } {
    this.firstLook ??= now;
    const current = new Map<string, ApplyThread>();
    for (const t of threads) if (t.statement && !ROW_EVENT.test(t.state) && !QUEUED.test(t.state)) current.set(`${t.id}\u0000${t.statement}`, t);
    for (const k of [...this.seen.keys()]) if (!current.has(k)) this.seen.delete(k);
    let long: LongStatement | null = null;
    for (const [k, t] of current) {
      const before = this.seen.get(k);
      const restarted = before && t.elapsedMs !== null && before.elapsedMs !== null && t.elapsedMs < before.elapsedMs;
      const since = before && !restarted ? before.since : now;
      this.seen.set(k, { since, elapsedMs: t.elapsedMs });
      const forMs = now - since;
      if (forMs >= LONG_STATEMENT_MS && (!long || forMs > long.forMs)) long = { statement: t.statement!, forMs };
    }
    if (long) {
      this.lastLong = now;
      return { ready: false, long };
    }
    const quietFor = now - Math.max(this.firstLook, this.lastLong ?? this.firstLook);
    return { ready: current.size === 0 || quietFor >= LONG_STATEMENT_MS, long: null };
  }
}

/**
 * One replica's readiness for STOP over successive looks. A lock wait gets lockWaitMs from when
 * it is first seen; long statements get syncTimeoutMs in all, from the first look (they are the
 * replica catching up, and no replica is held while this waits). A wait that passes clears; one
 * that lasts gives the reason to leave the replica out.
 */
export class StopReadiness {
  private readonly statements = new StatementWatch();
  private lockSince: number | null = null;
  private firstLook: number | null = null;

  constructor(private readonly o: { readonly lockWaitMs: number; readonly syncTimeoutMs: number }) {}

  /** `applyState`: the SQL thread's state (null when it is not running); `threads`: every apply thread. */
  look(applyState: string | null, threads: readonly ApplyThread[], now: number): 'ready' | 'wait' | { readonly leaveOut: string } {
    this.firstLook ??= now;
    const lock = [applyState ?? '', ...threads.map((t) => t.state)].find((x) => WAITING_FOR_LOCK.test(x));
    if (lock) {
      this.lockSince ??= now;
      if (now - this.lockSince < this.o.lockWaitMs) return 'wait';
      return {
        leaveOut: `its SQL thread has waited over ${this.o.lockWaitMs / 1000}s for a lock held on the replica ("${lock}"): stopping it would wait as long, so it is left out (look for LOCK TABLES or a long transaction on it)`,
      };
    }
    this.lockSince = null;
    const { ready, long } = this.statements.observe(threads, now);
    if (ready) return 'ready';
    if (!long || now - this.firstLook < this.o.syncTimeoutMs) return 'wait';
    return {
      leaveOut: `its SQL thread has been applying one statement for over ${Math.floor(long.forMs / 1000)}s ("${statementHead(long.statement)}"): stopping it would wait for the statement to end, with the other replicas held meanwhile, so it is left out (check it again once the statement is applied)`,
    };
  }
}

/**
 * A statement named by its first words (`ALTER TABLE shop.orders`), comments dropped (the text of
 * a versioned one kept): enough to recognise it, and nothing a statement carries further on
 * (values, a password in CREATE USER ... IDENTIFIED BY or SET PASSWORD=...) goes into a message.
 */
export function statementHead(statement: string): string {
  const text = statement
    .replace(/\/\*M?!\d*([\s\S]*?)\*\//g, ' $1 ')
    .replace(/\/\*[\s\S]*?\*\/|(--\s|#)[^\n]*/g, ' ');
  const words: string[] = [];
  for (const token of text.split(/\s+/).filter(Boolean)) {
    // A name (quoted or not, qualified, user@host) up to the first character no name has.
    const word = /^[\w$.`"'@%-]+/.exec(token)?.[0] ?? '';
    if (word) words.push(word);
    if (words.length === 3 || word !== token) break;
  }
  const head = words.join(' ') || 'a statement';
  return head.length > 80 ? `${head.slice(0, 77)}...` : head;
}

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

/** A statement seen in progress this long is a long one; shorter ones are let end by themselves. */
export const LONG_STATEMENT_MS = 500;

export interface LongStatement {
  readonly statement: string;
  /** How long it has been seen in progress. */
  readonly forMs: number;
}

/** Statement events in progress on a replica's apply threads, followed from one look to the next. */
export class StatementWatch {
  private seen = new Map<string, number>();

  /** Notes what the threads apply at `now`: how many statements are in progress, and the longest once it is long. */
  observe(threads: readonly ApplyThread[], now: number): { running: number; long: LongStatement | null } {
    const current = new Map<string, string>();
    for (const t of threads) if (t.statement && !ROW_EVENT.test(t.state)) current.set(`${t.id}\u0000${t.statement}`, t.statement);
    for (const k of [...this.seen.keys()]) if (!current.has(k)) this.seen.delete(k);
    let long: LongStatement | null = null;
    for (const [k, statement] of current) {
      const since = this.seen.get(k) ?? now;
      this.seen.set(k, since);
      const forMs = now - since;
      if (forMs >= LONG_STATEMENT_MS && (!long || forMs > long.forMs)) long = { statement, forMs };
    }
    return { running: current.size, long };
  }
}

/**
 * A statement named by its first words (`ALTER TABLE shop.orders`), leading comments dropped:
 * enough to recognise it, and nothing a statement carries further on (values, a password in
 * CREATE USER ... IDENTIFIED BY) goes into a message.
 */
export function statementHead(statement: string): string {
  const bare = statement.replace(/^(\s+|\/\*[\s\S]*?\*\/|(--|#)[^\n]*\n)*/, '');
  const head = bare.split(/\s+/).filter(Boolean).slice(0, 3).join(' ');
  return head.length > 80 ? `${head.slice(0, 77)}...` : head;
}

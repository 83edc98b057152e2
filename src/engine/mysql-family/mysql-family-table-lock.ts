/**
 * primary-lock for the MySQL family.
 *
 * The lock: `LOCK TABLES t1 READ, t2 READ, ...` on a helper connection that belongs to the
 * control session. It waits for every writer of those tables to finish its transaction (the
 * metadata lock of a writer lasts until its commit, binlog write and GTID included), then blocks
 * new writers while readers go on. No FLUSH, no global lock, no RELOAD privilege: it needs SELECT
 * and LOCK TABLES on the schemas. The wait is bounded by lock_wait_timeout (whole seconds).
 *
 * Why a helper connection: LOCK TABLES ends the transaction of its own connection (implicit
 * commit) and a connection holding table locks may only touch the locked tables, so the lock and
 * a consistent snapshot cannot share one connection.
 *
 * The sequence, for the contract "lock, then snapshot, then return the position":
 *   1. helper: SET lock_wait_timeout; LOCK TABLES ... READ;
 *   2. helper: read the position (gtid_executed / gtid_binlog_pos / SHOW MASTER STATUS). Every
 *      committed write to the locked tables is at or before it, and none can follow while locked;
 *   3. control session: START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY;
 * endSnapshot(control) runs UNLOCK TABLES on the helper and commits the control session.
 */
import { qualifiedName } from './mysql-family-sql.js';
import type { TableInfo } from '../types.js';

export function lockTablesSql(tables: readonly Pick<TableInfo, 'schema' | 'name'>[]): string | null {
  if (tables.length === 0) return null;
  // The same table twice would be an error ("Not unique table/alias").
  const seen = new Set<string>();
  const list: string[] = [];
  for (const t of tables) {
    const k = `${t.schema}\u0000${t.name}`;
    if (seen.has(k)) continue;
    seen.add(k);
    list.push(`${qualifiedName(t)} READ`);
  }
  return `LOCK TABLES ${list.join(', ')}`;
}

export function lockWaitStatement(seconds: number): string {
  return `SET SESSION lock_wait_timeout = ${Math.max(1, Math.ceil(seconds))}`;
}

export const UNLOCK_TABLES = 'UNLOCK TABLES';

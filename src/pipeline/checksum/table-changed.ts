/**
 * Errors that mean "the table changed under the check" (DDL mid-run): dropped or renamed, a
 * column gone, or (MariaDB) the definition changed after the snapshot began. Such a table is
 * reported, never compared with a stale plan: a false drift would be worse than no answer.
 * The codes are the servers' own, read from the driver error kept as `cause`.
 */

/** MariaDB/MySQL errno -> what happened. */
const MYSQL_ERRNO: Record<number, string> = {
  1146: 'the table no longer exists (dropped or renamed)',
  1054: 'a checked column no longer exists',
  1412: 'its definition changed after the snapshot began',
};

/** PostgreSQL SQLSTATE -> what happened. */
const PG_SQLSTATE: Record<string, string> = {
  '42P01': 'the table no longer exists (dropped or renamed)',
  '42703': 'a checked column no longer exists',
};

export function tableChangedReason(err: unknown): string | null {
  const cause = (err as { cause?: unknown })?.cause ?? err;
  const c = cause as { errno?: unknown; code?: unknown } | null;
  if (!c || typeof c !== 'object') return null;
  if (typeof c.errno === 'number' && MYSQL_ERRNO[c.errno]) return MYSQL_ERRNO[c.errno]!;
  if (typeof c.code === 'string' && PG_SQLSTATE[c.code]) return PG_SQLSTATE[c.code]!;
  return null;
}

/** A change a fresh snapshot gets past (the table is still there with every checked column). */
export function retryableTableChange(err: unknown): boolean {
  const cause = (err as { cause?: unknown })?.cause ?? err;
  return (cause as { errno?: unknown } | null)?.errno === 1412;
}

/**
 * The order of names in reports: by UTF-16 code unit, the same on every machine and locale.
 * Not localeCompare: its first call builds an ICU collator (about 12 ms of a short run's
 * start-up or end), and its order follows the process's locale.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Per-(table, replica) records: by table, then replica. */
export function byTableThenReplica(a: { readonly table: string; readonly replica: string }, b: { readonly table: string; readonly replica: string }): number {
  return compareText(a.table, b.table) || compareText(a.replica, b.replica);
}

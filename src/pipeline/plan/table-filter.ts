/**
 * Which tables a run covers: --databases, --tables, --ignore-databases, --ignore-tables.
 * Names match case-sensitively; '*' and '?' are wildcards; a table pattern without a dot
 * matches that table name in any database/schema.
 */
import { configError, usageError } from '../../errors.js';
import type { TableInfo } from '../../engine/types.js';

export interface TableFilter {
  readonly databases?: readonly string[];
  readonly tables?: readonly string[];
  readonly ignoreDatabases?: readonly string[];
  readonly ignoreTables?: readonly string[];
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 's');
}

/** Split "db.table" at the first dot that is outside backticks/double quotes; bare names have no schema. */
export function splitTablePattern(p: string): { schema: string | null; table: string } {
  const m = /^(?:`((?:[^`]|``)+)`|"((?:[^"]|"")+)"|([^.`"]+))\.(.+)$/s.exec(p);
  if (!m) return { schema: null, table: unquote(p) };
  const schema = m[1]?.replace(/``/g, '`') ?? m[2]?.replace(/""/g, '"') ?? m[3]!;
  return { schema, table: unquote(m[4]!) };
}

function unquote(s: string): string {
  if (/^`.*`$/s.test(s)) return s.slice(1, -1).replace(/``/g, '`');
  if (/^".*"$/s.test(s)) return s.slice(1, -1).replace(/""/g, '"');
  return s;
}

function matcher(patterns: readonly string[] | undefined) {
  if (!patterns || patterns.length === 0) return null;
  return patterns.map((p) => {
    const { schema, table } = splitTablePattern(p);
    const s = schema === null ? null : globToRegExp(schema);
    const t = globToRegExp(table);
    return { pattern: p, wildcard: /[*?]/.test(p), test: (x: Pick<TableInfo, 'schema' | 'name'>) => (s === null || s.test(x.schema)) && t.test(x.name) };
  });
}

/**
 * Contradictions a user would not mean, refused before connecting: the same name both included
 * and excluded (the run would check nothing and report it clean), and empty names.
 */
export function validateFilter(f: TableFilter): TableFilter {
  const empty = (flag: string, list: readonly string[] | undefined, isTable: boolean) => {
    for (const p of list ?? []) {
      if (!isTable) continue;
      // "db." or ".t": a dot with nothing on one side (quote the name to mean a literal dot).
      if (p.trim() === '' || /^\.|\.$/.test(p)) throw usageError(`${flag} "${p}": empty ${p.startsWith('.') ? 'database/schema' : 'table'} name`);
      const { schema, table } = splitTablePattern(p);
      if (table === '' || /^[`"]{2}$/.test(table)) throw usageError(`${flag} "${p}": empty table name`);
      if (schema === '') throw usageError(`${flag} "${p}": empty database/schema name`);
    }
  };
  // "--databases ''" would otherwise mean "no filter": everything.
  for (const [flag, list] of [['--databases', f.databases], ['--tables', f.tables], ['--ignore-databases', f.ignoreDatabases], ['--ignore-tables', f.ignoreTables]] as const) {
    if (list !== undefined && list.length === 0) throw usageError(`${flag} was given an empty list`);
  }
  empty('--tables', f.tables, true);
  empty('--ignore-tables', f.ignoreTables, true);
  for (const d of f.databases ?? []) {
    if ((f.ignoreDatabases ?? []).includes(d)) throw usageError(`database/schema "${d}" is both included (--databases) and excluded (--ignore-databases)`);
  }
  for (const t of f.tables ?? []) {
    if ((f.ignoreTables ?? []).includes(t)) throw usageError(`table "${t}" is both included (--tables) and excluded (--ignore-tables)`);
  }
  return f;
}

/** True when the table passes the filter (no existence checks). */
export function matchesFilter(t: Pick<TableInfo, 'schema' | 'name'>, f: TableFilter): boolean {
  const dbs = f.databases?.length ? f.databases.map(globToRegExp) : null;
  const include = matcher(f.tables);
  const exclude = matcher(f.ignoreTables);
  return (
    (!dbs || dbs.some((r) => r.test(t.schema))) &&
    !(f.ignoreDatabases ?? []).some((d) => globToRegExp(d).test(t.schema)) &&
    (!include || include.some((m) => m.test(t))) &&
    !(exclude && exclude.some((m) => m.test(t)))
  );
}

/**
 * Apply the filter. A database or table named explicitly (no wildcard) that matches nothing is a
 * configuration error, and so is a filter that selects no table at all.
 */
export function selectTables<T extends Pick<TableInfo, 'schema' | 'name'>>(all: readonly T[], f: TableFilter, where: string, o: { readonly mayBeEmpty?: boolean } = {}): T[] {
  for (const d of f.databases ?? []) {
    if (!/[*?]/.test(d) && !all.some((t) => t.schema === d)) throw configError(`database/schema "${d}" not found, or no table in it this user can see (it needs SELECT on the tables)`, where);
  }
  for (const m of matcher(f.tables) ?? []) {
    if (!m.wildcard && !all.some(m.test)) throw configError(`table "${m.pattern}" not found, or this user cannot see it (it needs SELECT on it)`, where);
  }
  const selected = all.filter((t) => matchesFilter(t, f));
  // A run over no table proves nothing, and must not say "consistent": a typo in a cron job's
  // --tables would pass forever, and so would a user without SELECT on any table. Only a caller
  // that accounts for it itself (a fleet-wide filter some clusters have no table for) may get none.
  if (selected.length === 0 && !o.mayBeEmpty) {
    const filter = describeFilter(f);
    throw configError(all.length > 0
      ? `the table filter selects no table (${filter}); ${all.length} table(s) are visible`
      : `no table to check: none is visible on this server${filter ? ` (filter ${filter})` : ''} (the user needs SELECT on the tables)`, where);
  }
  return selected;
}

function describeFilter(f: TableFilter): string {
  const parts: string[] = [];
  for (const [flag, list] of [['--databases', f.databases], ['--tables', f.tables], ['--ignore-databases', f.ignoreDatabases], ['--ignore-tables', f.ignoreTables]] as const) {
    if (list?.length) parts.push(`${flag} ${list.join(',')}`);
  }
  return parts.join(' ');
}

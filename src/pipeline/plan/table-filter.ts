/**
 * Which tables a run covers: --databases, --tables, --ignore-databases, --ignore-tables.
 * Names match case-sensitively; '*' and '?' are wildcards; a table pattern without a dot
 * matches that table name in any database/schema.
 */
import { configError } from '../../errors.js';
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

/** Apply the filter; a database or table named explicitly (no wildcard) that matches nothing is a configuration error. */
export function selectTables<T extends Pick<TableInfo, 'schema' | 'name'>>(all: readonly T[], f: TableFilter, where: string): T[] {
  for (const d of f.databases ?? []) {
    if (!/[*?]/.test(d) && !all.some((t) => t.schema === d)) throw configError(`database/schema "${d}" not found (or has no tables)`, where);
  }
  for (const m of matcher(f.tables) ?? []) {
    if (!m.wildcard && !all.some(m.test)) throw configError(`table "${m.pattern}" not found`, where);
  }
  return all.filter((t) => matchesFilter(t, f));
}

/**
 * Why a statement is unsafe for statement-based replication: the replica re-executes the text,
 * so anything whose result depends on the server, the session, the moment or the physical row
 * order can differ there. Follows the MySQL/MariaDB "unsafe statements" lists (the server's own
 * warning 1592), but judges ORDER BY by the keys it names: ordering by a unique NOT NULL key is a
 * total order and safe, which the servers themselves do not recognise.
 *
 * Safe on purpose (the binlog carries their values): NOW()/CURRENT_TIMESTAMP and friends
 * (SET TIMESTAMP), RAND() in a single-row statement (RAND_SEED), LAST_INSERT_ID()/auto-increment
 * values (INSERT_ID), CONNECTION_ID() (pseudo_thread_id), user variables (User_var events).
 */
import type { AstNode } from './parse.js';
import { Catalog, type TableMeta, type TableRef } from './catalog.js';
import { functionCalls, type Token } from './tokenize.js';
import type { StatementInfo } from './statement.js';

export interface UnsafeReason {
  /** Stable code: "limit-without-order", "function:UUID", "system-variable:hostname", ... */
  readonly code: string;
  /** Why, in words, for the evidence. */
  readonly why: string;
  /** False when the catalog could not confirm it (unknown table): reported as info. */
  readonly certain: boolean;
}

/** System functions whose value can differ on the replica (MySQL/MariaDB unsafe list). */
export const UNSAFE_FUNCTIONS: Readonly<Record<string, string>> = Object.freeze({
  UUID: 'returns a new value on every server',
  UUID_SHORT: 'returns a new value on every server',
  SYS_GUID: 'returns a new value on every server',
  SYSDATE: 'reads the clock when it runs, not the statement time the binlog carries',
  USER: 'returns the replication applier user on the replica',
  SESSION_USER: 'returns the replication applier user on the replica',
  SYSTEM_USER: 'returns the replication applier user on the replica',
  CURRENT_USER: 'returns the replication applier user on the replica',
  FOUND_ROWS: 'depends on a previous SELECT that is not replicated',
  ROW_COUNT: 'depends on the previous statement\'s effect on that server',
  LOAD_FILE: 'reads a file from the server it runs on',
  GET_LOCK: 'depends on lock state local to each server',
  RELEASE_LOCK: 'depends on lock state local to each server',
  RELEASE_ALL_LOCKS: 'depends on lock state local to each server',
  IS_FREE_LOCK: 'depends on lock state local to each server',
  IS_USED_LOCK: 'depends on lock state local to each server',
  SLEEP: 'its result and timing differ on the replica',
  MASTER_POS_WAIT: 'depends on replication state local to each server',
  SOURCE_POS_WAIT: 'depends on replication state local to each server',
  MASTER_GTID_WAIT: 'depends on replication state local to each server',
  WAIT_FOR_EXECUTED_GTID_SET: 'depends on replication state local to each server',
  RANDOM_BYTES: 'returns new random bytes on every server',
  VERSION: 'returns each server\'s own version',
  BENCHMARK: 'its result and timing differ on the replica',
});

/** Session variables the binlog carries with each statement, so reading them is safe. */
const SAFE_SYSTEM_VARIABLES = new Set([
  'auto_increment_increment', 'auto_increment_offset', 'character_set_client', 'character_set_connection', 'character_set_database',
  'character_set_server', 'collation_connection', 'collation_database', 'collation_server', 'foreign_key_checks', 'identity',
  'last_insert_id', 'lc_time_names', 'pseudo_thread_id', 'sql_auto_is_null', 'time_zone', 'timestamp', 'unique_checks', 'sql_mode',
  'insert_id', 'rand_seed1', 'rand_seed2', 'explicit_defaults_for_timestamp', 'default_week_format', 'div_precision_increment',
]);

/** Tables whose content is per server: writing or reading them in a replicated statement is unsafe. */
const LOG_TABLES = new Set(['mysql.general_log', 'mysql.slow_log']);

// ---- AST helpers -----------------------------------------------------------------------

function functionName(node: AstNode): string | null {
  if (!node || typeof node !== 'object') return null;
  if (node.type !== 'function' && node.type !== 'aggr_func') return null;
  const n = node.name;
  if (typeof n === 'string') return n.toUpperCase();
  const parts = n?.name;
  if (Array.isArray(parts) && parts.length > 0) return String(parts[parts.length - 1]?.value ?? '').toUpperCase();
  return null;
}

function argsOf(node: AstNode): AstNode[] {
  const a = node?.args;
  if (!a) return [];
  if (Array.isArray(a.value)) return a.value;
  if (a.expr) return [a.expr];
  return [];
}

/** Every object node in the tree, depth first (subqueries included). */
function* walk(node: AstNode, seen = new Set<AstNode>()): Generator<AstNode> {
  if (!node || typeof node !== 'object' || seen.has(node)) return;
  seen.add(node);
  if (!Array.isArray(node)) yield node;
  for (const v of Array.isArray(node) ? node : Object.values(node)) if (v && typeof v === 'object') yield* walk(v, seen);
}

export function columnName(expr: AstNode): { table: string | null; column: string } | null {
  if (!expr || expr.type !== 'column_ref') return null;
  const c = expr.column;
  const column = typeof c === 'string' ? c : typeof c?.expr?.value === 'string' ? c.expr.value : null;
  if (!column || column === '*') return null;
  return { table: expr.table ?? null, column };
}

function hasLimit(node: AstNode): boolean {
  const l = node?.limit;
  return !!l && Array.isArray(l.value) && l.value.length > 0;
}

function isLiteral(node: AstNode): boolean {
  return !!node && ['number', 'string', 'single_quote_string', 'double_quote_string', 'bool', 'null', 'hex_string', 'bit_string', 'full_hex_string', 'natural_string'].includes(node.type);
}

/** Plain columns of an ORDER BY (expressions add nothing to totality). */
function orderColumns(orderby: AstNode): { table: string | null; column: string }[] {
  if (!Array.isArray(orderby)) return [];
  return orderby.map((o: AstNode) => columnName(o?.expr)).filter((c): c is { table: string | null; column: string } => c !== null);
}

const lower = (s: string) => s.toLowerCase();

/** Does a set of columns include every column of one of the table's total keys? */
function coversKey(meta: TableMeta, columns: readonly string[]): readonly string[] | null {
  const set = new Set(columns.map(lower));
  return meta.totalKeys.find((k) => k.length > 0 && k.every((c) => set.has(lower(c)))) ?? null;
}

/** Columns compared for equality with a literal in the top-level AND chain of a WHERE. */
function equalityColumns(where: AstNode): string[] {
  const out: string[] = [];
  const visit = (n: AstNode) => {
    if (!n || n.type !== 'binary_expr') return;
    if (n.operator === 'AND') {
      visit(n.left);
      visit(n.right);
    } else if (n.operator === '=') {
      const l = columnName(n.left);
      const r = columnName(n.right);
      if (l && isLiteral(n.right)) out.push(l.column);
      else if (r && isLiteral(n.left)) out.push(r.column);
    }
  };
  visit(where);
  return out;
}

interface Ordering {
  /** Total (ORDER BY covers a unique NOT NULL key of every table read), unknown (a table is not in the catalog) or not. */
  readonly verdict: 'total' | 'partial' | 'none' | 'unknown';
  readonly detail: string;
}

/** Judges the ORDER BY of a single-table UPDATE/DELETE or of a SELECT over `from`. */
function ordering(orderby: AstNode, from: readonly { ref: TableRef; alias: string | null }[], catalog: Catalog, defaultDb: string | null): Ordering {
  const cols = orderColumns(orderby);
  if (!Array.isArray(orderby) || orderby.length === 0) return { verdict: 'none', detail: 'no ORDER BY' };
  if (from.length === 0) return { verdict: 'total', detail: '' };
  let unknown: string | null = null;
  for (const f of from) {
    const meta = catalog.lookup(f.ref, defaultDb);
    const display = Catalog.display(f.ref, defaultDb, meta);
    if (!meta) {
      unknown = display;
      continue;
    }
    const names = new Set([f.ref.table, f.alias].filter((x): x is string => !!x).map(lower));
    const mine = cols.filter((c) => c.table === null || names.has(lower(c.table))).map((c) => c.column);
    if (!coversKey(meta, mine)) {
      const keys = meta.totalKeys.map((k) => `(${k.join(', ')})`).join(' or ');
      return { verdict: 'partial', detail: `ORDER BY ${cols.map((c) => c.column).join(', ') || 'an expression'} is not a total order on ${display}${keys ? ` (a unique NOT NULL key is ${keys})` : ' (it has no unique NOT NULL key)'}` };
    }
  }
  if (unknown) return { verdict: 'unknown', detail: `cannot tell whether the ORDER BY is a total order: ${unknown} is not in the primary's schema` };
  return { verdict: 'total', detail: '' };
}

function fromTables(from: AstNode): { ref: TableRef; alias: string | null }[] {
  if (!Array.isArray(from)) return [];
  return from.filter((f: AstNode) => typeof f?.table === 'string').map((f: AstNode) => ({ ref: { db: f.db ?? null, table: f.table }, alias: f.as ?? null }));
}

// ---- the checks --------------------------------------------------------------------------

export interface UnsafeContext {
  readonly catalog: Catalog;
  readonly defaultDb: string | null;
  /** Inside a stored function or trigger: RAND() seeds are not carried there. */
  readonly inRoutine?: boolean;
}

/** Reasons found in function calls and variables of any parsed tree, or of raw tokens. */
function functionReasons(fnNames: readonly { name: string; args: AstNode[] | null }[], multiRow: boolean, orderingTotal: boolean, ctx: UnsafeContext): UnsafeReason[] {
  const out: UnsafeReason[] = [];
  const seen = new Set<string>();
  for (const f of fnNames) {
    if (seen.has(f.name)) continue;
    const why = UNSAFE_FUNCTIONS[f.name];
    if (why) {
      seen.add(f.name);
      out.push({ code: `function:${f.name}`, why: `${f.name}() ${why}`, certain: true });
      continue;
    }
    if (f.name === 'RAND') {
      const seeded = f.args !== null && f.args.length > 0;
      const literalSeed = seeded && f.args!.every(isLiteral);
      if (literalSeed) continue;
      if (ctx.inRoutine && !seeded) {
        seen.add(f.name);
        out.push({ code: 'function:RAND', why: 'RAND() inside a stored function or trigger: its seed is not carried by the binlog', certain: true });
      } else if (multiRow && !orderingTotal && !seeded) {
        seen.add(f.name);
        out.push({ code: 'rand-row-order', why: 'RAND() over several rows without a total ORDER BY: the seed is replicated, but which row gets which value follows the physical row order', certain: true });
      }
    }
  }
  return out;
}

function variableReasons(ast: AstNode): UnsafeReason[] {
  const out: UnsafeReason[] = [];
  for (const n of walk(ast)) {
    if (n.type === 'var' && n.prefix === '@@') {
      const name = lower(String(n.name ?? '')).replace(/^(global|session|local)\./, '');
      if (!name || SAFE_SYSTEM_VARIABLES.has(name) || out.some((r) => r.code === `system-variable:${name}`)) continue;
      out.push({ code: `system-variable:${name}`, why: `@@${name} may have another value on the replica (the binlog does not carry it)`, certain: true });
    }
  }
  return out;
}

/** Statement-level checks on a parsed write. */
function writeReasons(ast: AstNode, ctx: UnsafeContext): { reasons: UnsafeReason[]; multiRow: boolean; orderingTotal: boolean } {
  const reasons: UnsafeReason[] = [];
  const { catalog, defaultDb } = ctx;
  let multiRow = false;
  let orderingTotal = false;
  const type = ast?.type;

  if (type === 'update' || type === 'delete') {
    const tables = fromTables(type === 'update' ? ast.table : ast.from ?? ast.table);
    const single = tables.length === 1;
    const target = tables[0];
    const meta = target ? catalog.lookup(target.ref, defaultDb) : null;
    const oneRow = single && meta && ast.where ? coversKey(meta, equalityColumns(ast.where)) !== null : false;
    multiRow = !oneRow;
    const ord = ordering(ast.orderby, single ? tables : [], catalog, defaultDb);
    orderingTotal = ord.verdict === 'total';
    if (hasLimit(ast) && !oneRow) {
      if (ord.verdict === 'none') reasons.push({ code: 'limit-without-order', why: `${type.toUpperCase()} with LIMIT and no ORDER BY: which rows it changes depends on the physical row order`, certain: true });
      else if (ord.verdict === 'partial') reasons.push({ code: 'limit-order-not-total', why: `${type.toUpperCase()} with LIMIT: ${ord.detail}, so ties are broken by physical row order`, certain: true });
      else if (ord.verdict === 'unknown') reasons.push({ code: 'limit-order-unverified', why: `${type.toUpperCase()} with LIMIT: ${ord.detail}`, certain: false });
    }
  }

  const select: AstNode | null = (type === 'insert' || type === 'replace') && ast.values?.type === 'select' ? ast.values : type === 'create' && ast.query_expr ? ast.query_expr : null;
  if (select) {
    const targetRef: TableRef | null = Array.isArray(ast.table) && ast.table[0]?.table ? { db: ast.table[0].db ?? null, table: ast.table[0].table } : null;
    const target = targetRef ? catalog.lookup(targetRef, defaultDb) : null;
    const sources = fromTables(select.from);
    const union = !!select._next;
    multiRow = sources.length > 0 || union;
    const ord = union ? { verdict: 'none' as const, detail: 'a UNION without an outer ORDER BY' } : ordering(select.orderby, sources, catalog, defaultDb);
    orderingTotal = ord.verdict === 'total';
    const what = type === 'create' ? 'CREATE TABLE ... SELECT' : `${type === 'replace' ? 'REPLACE' : /ignore/i.test(String(ast.prefix ?? '')) ? 'INSERT IGNORE' : 'INSERT'} ... SELECT`;
    const orderWords = ord.verdict === 'none' ? 'without ORDER BY' : ord.detail;
    if (multiRow && ord.verdict !== 'total') {
      const certain = ord.verdict !== 'unknown';
      if (hasLimit(select)) reasons.push({ code: 'select-limit', why: `${what} with LIMIT ${orderWords}: which rows are copied depends on row order`, certain });
      if (target?.autoIncrement || (type === 'create' && /auto_increment/i.test(JSON.stringify(ast.create_definitions ?? '')))) {
        reasons.push({ code: 'insert-select-autoinc', why: `${what} ${orderWords} into ${target?.qualified ?? 'a table'} with an AUTO_INCREMENT key: the ids rows receive follow the order rows are read in`, certain });
      } else if (!target && targetRef && type !== 'create') {
        reasons.push({ code: 'insert-select-unverified', why: `${what} ${orderWords}: cannot tell whether ${Catalog.display(targetRef, defaultDb, null)} has an AUTO_INCREMENT key (not in the primary's schema)`, certain: false });
      }
      if (type === 'replace' || /ignore/i.test(String(ast.prefix ?? '')) || ast.ignore_replace) {
        reasons.push({ code: 'ignore-replace-select', why: `${what} ${orderWords}: which duplicate rows are ignored or replaced depends on row order`, certain });
      }
    }
  }

  if ((type === 'insert' || type === 'replace') && ast.on_duplicate_update) {
    const targetRef: TableRef | null = Array.isArray(ast.table) && ast.table[0]?.table ? { db: ast.table[0].db ?? null, table: ast.table[0].table } : null;
    const target = targetRef ? catalog.lookup(targetRef, defaultDb) : null;
    if (target && target.uniqueIndexes > 1) {
      reasons.push({ code: 'on-duplicate-two-keys', why: `INSERT ... ON DUPLICATE KEY UPDATE on ${target.qualified}, which has ${target.uniqueIndexes} unique keys: which row is updated depends on the order keys are checked`, certain: true });
    }
  }
  return { reasons, multiRow, orderingTotal };
}

/** Why a write statement is unsafe under statement-based logging; empty when it is safe. */
export function unsafeReasons(st: StatementInfo, ctx: UnsafeContext): UnsafeReason[] {
  // Reads, SET @var = f() (the value travels as a User_var event) and the like are not replicated as text.
  if (st.kind !== 'write' && st.writes.length === 0) return [];
  const out: UnsafeReason[] = [];
  for (const w of st.writes) {
    const q = Catalog.display(w, ctx.defaultDb, ctx.catalog.lookup(w, ctx.defaultDb)).toLowerCase();
    if (LOG_TABLES.has(q)) out.push({ code: 'log-table', why: `writes ${q}, whose content is local to each server`, certain: true });
  }
  if (st.ast) {
    const w = writeReasons(st.ast, ctx);
    out.push(...w.reasons);
    const fns: { name: string; args: AstNode[] | null }[] = [];
    for (const n of walk(st.ast)) {
      const name = functionName(n);
      if (name) fns.push({ name, args: argsOf(n) });
    }
    // InnoDB walks rows in key order, so with equal data the RAND() sequence lands on the same
    // rows; heap engines (MyISAM, Aria, MEMORY) follow physical order, which a dump restore changes.
    const clustered = st.writes.length > 0 && st.writes.every((t) => ctx.catalog.lookup(t, ctx.defaultDb)?.transactional === true);
    out.push(...functionReasons(fns, w.multiRow, w.orderingTotal, ctx).map((r) => (r.code === 'rand-row-order' && clustered ? { ...r, certain: false } : r)));
    out.push(...variableReasons(st.ast));
  } else {
    out.push(...tokenReasons(st.tokens, ctx, st.kind === 'write' && /^(UPDATE|DELETE)$/.test(st.tokens[0]?.value ?? '')));
  }
  return out;
}

/**
 * The same function and variable checks on raw tokens, for statements and routine bodies the
 * parser cannot read. RAND(x) counts as seeded when its first argument is a literal.
 */
export function tokenReasons(tokens: readonly Token[], ctx: UnsafeContext, multiRow = false): UnsafeReason[] {
  const fns = functionCalls(tokens).map((f) => {
    const a = tokens[f.index + 2];
    const closes = tokens[f.index + 3]?.text === ')';
    const args = a?.text === ')' ? [] : a && (a.type === 'number' || a.type === 'string') && closes ? [{ type: 'number', value: a.text }] : [{ type: 'expr' }];
    return { name: f.name, args };
  });
  const out = functionReasons(fns, multiRow, false, ctx);
  // Bare CURRENT_USER / SESSION_USER without parentheses are the same functions.
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === 'word' && (t.value === 'CURRENT_USER' || t.value === 'SESSION_USER') && tokens[i + 1]?.text !== '(' && !out.some((r) => r.code === `function:${t.value}`)) {
      out.push({ code: `function:${t.value}`, why: `${t.value} ${UNSAFE_FUNCTIONS[t.value]}`, certain: true });
    }
    if (t.type === 'variable' && t.text.startsWith('@@')) {
      const name = lower(t.text.slice(2)).replace(/^(global|session|local)\./, '');
      if (!SAFE_SYSTEM_VARIABLES.has(name) && !out.some((r) => r.code === `system-variable:${name}`)) {
        out.push({ code: `system-variable:${name}`, why: `@@${name} may have another value on the replica (the binlog does not carry it)`, certain: true });
      }
    }
  }
  return out;
}

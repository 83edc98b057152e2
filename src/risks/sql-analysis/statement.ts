/**
 * One statement, classified: transaction control, USE, temporary tables, routine definitions,
 * writes (which tables), and its parsed AST when the parser can read it. Classification works on
 * tokens so that statements the parser cannot read still keep the transaction bookkeeping right.
 */
import type { AstNode } from './parse.js';
import { parseStatement } from './parse.js';
import type { TableRef } from './catalog.js';
import { fingerprint, tokenize, type Dialect, type Token } from './tokenize.js';
import { codeText } from './split.js';

export type StatementKind =
  | 'begin'
  | 'commit'
  | 'rollback'
  | 'savepoint'
  | 'use'
  | 'set'
  | 'write'
  | 'create-temp'
  | 'drop-temp'
  | 'routine'
  | 'ddl'
  | 'read'
  | 'call'
  | 'other';

export interface RoutineDefinition {
  readonly kind: 'FUNCTION' | 'PROCEDURE' | 'TRIGGER' | 'EVENT';
  readonly name: string;
  readonly deterministic: boolean;
  /** Tokens after the characteristics: the body. */
  readonly body: readonly Token[];
}

export interface StatementInfo {
  readonly kind: StatementKind;
  /** Code text (comments dropped). */
  readonly sql: string;
  /** As written, whitespace collapsed: for evidence. */
  readonly text: string;
  readonly tokens: readonly Token[];
  readonly fingerprint: string;
  readonly ast: AstNode | null;
  readonly parseError: string | null;
  /** Tables the statement writes (unqualified names have db null). */
  readonly writes: readonly TableRef[];
  /** USE db. */
  readonly useDb: string | null;
  /** SET autocommit = 0/1. */
  readonly autocommit: boolean | null;
  /** MySQL family: DDL commits the open transaction before and after. */
  readonly implicitCommit: boolean;
  /** CREATE/DROP TEMPORARY TABLE: the tables and the ENGINE clause when given. */
  readonly temp: { readonly tables: readonly TableRef[]; readonly engine: string | null } | null;
  readonly routine: RoutineDefinition | null;
}

const DDL_WORDS = new Set(['CREATE', 'ALTER', 'DROP', 'RENAME', 'TRUNCATE', 'GRANT', 'REVOKE', 'ANALYZE', 'OPTIMIZE', 'REPAIR', 'FLUSH', 'INSTALL', 'UNINSTALL']);
const READ_WORDS = new Set(['SELECT', 'SHOW', 'DESCRIBE', 'DESC', 'EXPLAIN', 'WITH', 'VALUES', 'TABLE', 'HELP', 'CHECKSUM', 'HANDLER', 'DO']);
const IDENT = (t: Token | undefined): t is Token => !!t && (t.type === 'word' || t.type === 'quoted-ident');
const nameOf = (t: Token) => (t.type === 'quoted-ident' ? t.value : t.text);

/** [db .] name at tokens[i]; returns the ref and the index after it. */
export function readQualifiedName(tokens: readonly Token[], i: number): { ref: TableRef; next: number } | null {
  const a = tokens[i];
  if (!IDENT(a)) return null;
  if (tokens[i + 1]?.text === '.' && IDENT(tokens[i + 2])) return { ref: { db: nameOf(a), table: nameOf(tokens[i + 2]!) }, next: i + 3 };
  return { ref: { db: null, table: nameOf(a) }, next: i + 1 };
}

function skipWords(tokens: readonly Token[], i: number, words: readonly string[]): number {
  while (i < tokens.length && tokens[i]!.type === 'word' && words.includes(tokens[i]!.value)) i++;
  return i;
}

/** Tables written, from the parser's table list ("insert::db::t", ...) or, unparsed, from the tokens. */
function writtenTables(tokens: readonly Token[], tableList: readonly string[] | null, ast: AstNode | null): TableRef[] {
  const out: TableRef[] = [];
  const seen = new Set<string>();
  const add = (ref: TableRef) => {
    const k = `${ref.db ?? ''}.${ref.table}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(ref);
    }
  };
  if (tableList) {
    for (const e of tableList) {
      const [op, db, table] = e.split('::');
      if (!table || table === 'null') continue;
      if (op === 'insert' || op === 'update' || op === 'delete' || op === 'replace' || (op === 'create' && ast?.query_expr)) add({ db: db === 'null' ? null : db!, table });
    }
    if (ast?.type === 'load_data' && ast.table?.table) add({ db: ast.table.db ?? null, table: ast.table.table });
    if (out.length > 0) return out;
  }
  const first = tokens[0]?.value;
  let i = 1;
  if (first === 'INSERT' || first === 'REPLACE') {
    i = skipWords(tokens, i, ['LOW_PRIORITY', 'DELAYED', 'HIGH_PRIORITY', 'IGNORE', 'INTO']);
  } else if (first === 'UPDATE') {
    i = skipWords(tokens, i, ['LOW_PRIORITY', 'IGNORE', 'ONLY']);
  } else if (first === 'DELETE') {
    i = skipWords(tokens, i, ['LOW_PRIORITY', 'QUICK', 'IGNORE', 'FROM', 'ONLY']);
  } else if (first === 'LOAD') {
    const into = tokens.findIndex((t, k) => t.value === 'TABLE' && tokens[k - 1]?.value === 'INTO');
    if (into < 0) return out;
    i = into + 1;
  } else if (first === 'MERGE') {
    i = skipWords(tokens, i, ['INTO']);
  } else {
    return out;
  }
  const r = readQualifiedName(tokens, i);
  if (r) add(r.ref);
  return out;
}

/** CREATE [OR REPLACE] [DEFINER = ...] [AGGREGATE] FUNCTION|PROCEDURE|TRIGGER|EVENT name ... */
function routineDefinition(tokens: readonly Token[]): RoutineDefinition | null {
  if (tokens[0]?.value !== 'CREATE') return null;
  let i = 1;
  let kind: RoutineDefinition['kind'] | null = null;
  for (; i < Math.min(tokens.length, 16); i++) {
    const v = tokens[i]!.value;
    if (tokens[i]!.type === 'word' && (v === 'FUNCTION' || v === 'PROCEDURE' || v === 'TRIGGER' || v === 'EVENT')) {
      kind = v;
      break;
    }
    if (tokens[i]!.type === 'word' && (v === 'TABLE' || v === 'VIEW' || v === 'INDEX' || v === 'DATABASE' || v === 'SCHEMA' || v === 'USER')) return null;
  }
  if (!kind) return null;
  i = skipWords(tokens, i + 1, ['IF', 'NOT', 'EXISTS']);
  const r = readQualifiedName(tokens, i);
  const name = r ? (r.ref.db ? `${r.ref.db}.${r.ref.table}` : r.ref.table) : '?';
  let deterministic = false;
  let bodyStart = tokens.length;
  // Characteristics come before the body; the body starts at BEGIN, RETURN, or the first statement word.
  const bodyWords = new Set(['BEGIN', 'RETURN', 'INSERT', 'UPDATE', 'DELETE', 'REPLACE', 'SET', 'SELECT', 'CALL', 'IF', 'DO']);
  let depth = 0;
  for (let k = r ? r.next : i; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    if (depth > 0 || t.type !== 'word') continue;
    if (t.value === 'DETERMINISTIC' && tokens[k - 1]?.value !== 'NOT') deterministic = true;
    if (kind === 'TRIGGER' && t.value === 'ROW' && tokens[k - 1]?.value === 'EACH') {
      bodyStart = k + 1;
      break;
    }
    if (kind === 'EVENT' && t.value === 'DO') {
      bodyStart = k + 1;
      break;
    }
    if (kind !== 'TRIGGER' && kind !== 'EVENT' && bodyWords.has(t.value) && tokens[k - 1]?.value !== 'SQL' && tokens[k - 1]?.value !== 'READS' && tokens[k - 1]?.value !== 'MODIFIES') {
      bodyStart = k;
      break;
    }
  }
  return { kind, name, deterministic, body: tokens.slice(bodyStart) };
}

function classify(tokens: readonly Token[], dialect: Dialect): Omit<StatementInfo, 'sql' | 'text' | 'tokens' | 'fingerprint' | 'ast' | 'parseError' | 'writes'> & { parse: boolean } {
  const base = { useDb: null, autocommit: null, implicitCommit: false, temp: null, routine: null, parse: false };
  const w = (k: number) => tokens[k]?.value ?? '';
  const first = w(0);
  if (first === 'BEGIN' || (first === 'START' && w(1) === 'TRANSACTION') || (first === 'XA' && (w(1) === 'START' || w(1) === 'BEGIN'))) return { ...base, kind: 'begin' };
  if (first === 'COMMIT' || first === 'END' || (first === 'XA' && w(1) === 'COMMIT')) return { ...base, kind: 'commit' };
  if ((first === 'ROLLBACK' || first === 'ABORT') && !tokens.some((t) => t.value === 'TO')) return { ...base, kind: 'rollback' };
  if (first === 'XA' && w(1) === 'ROLLBACK') return { ...base, kind: 'rollback' };
  if (first === 'SAVEPOINT' || first === 'RELEASE' || first === 'ROLLBACK' || first === 'XA') return { ...base, kind: 'savepoint' };
  if (first === 'USE' && IDENT(tokens[1])) return { ...base, kind: 'use', useDb: nameOf(tokens[1]!) };
  if (first === 'SET') {
    const ac = tokens.findIndex((t) => t.value === 'AUTOCOMMIT' || t.text.toUpperCase().replace(/^@@(SESSION\.|LOCAL\.)?/, '') === 'AUTOCOMMIT');
    if (ac >= 0) {
      const v = tokens.slice(ac + 1).find((t) => t.type === 'number' || t.value === 'ON' || t.value === 'OFF');
      return { ...base, kind: 'set', autocommit: v ? v.text === '1' || v.value === 'ON' : null };
    }
    return { ...base, kind: 'set' };
  }
  if (first === 'CREATE') {
    let k = skipWords(tokens, 1, ['OR', 'REPLACE', 'GLOBAL', 'LOCAL']);
    if (w(k) === 'TEMPORARY' || w(k) === 'TEMP') {
      k = skipWords(tokens, k + 1, ['TABLE', 'IF', 'NOT', 'EXISTS']);
      const r = readQualifiedName(tokens, k);
      const e = tokens.findIndex((t) => t.type === 'word' && t.value === 'ENGINE');
      const engineTok = e >= 0 ? tokens.slice(e + 1).find((t) => t.text !== '=') : undefined;
      return { ...base, kind: 'create-temp', temp: { tables: r ? [r.ref] : [], engine: engineTok ? nameOf(engineTok) : null }, implicitCommit: false, parse: true };
    }
    const routine = routineDefinition(tokens);
    if (routine) return { ...base, kind: 'routine', routine, implicitCommit: dialect === 'mysql' };
    return { ...base, kind: 'ddl', implicitCommit: dialect === 'mysql', parse: true };
  }
  if (first === 'DROP' && (w(1) === 'TEMPORARY')) {
    let k = skipWords(tokens, 2, ['TABLE', 'IF', 'EXISTS']);
    const tables: TableRef[] = [];
    for (;;) {
      const r = readQualifiedName(tokens, k);
      if (!r) break;
      tables.push(r.ref);
      if (tokens[r.next]?.text !== ',') break;
      k = r.next + 1;
    }
    return { ...base, kind: 'drop-temp', temp: { tables, engine: null } };
  }
  if (DDL_WORDS.has(first)) return { ...base, kind: 'ddl', implicitCommit: dialect === 'mysql', parse: true };
  if (first === 'LOCK' || first === 'UNLOCK') return { ...base, kind: 'other', implicitCommit: dialect === 'mysql' };
  if (first === 'INSERT' || first === 'REPLACE' || first === 'UPDATE' || first === 'DELETE' || first === 'LOAD' || first === 'MERGE' || first === 'COPY') return { ...base, kind: 'write', parse: true };
  if (first === 'CALL') return { ...base, kind: 'call', parse: true };
  if (READ_WORDS.has(first) || first === '(') {
    // WITH ... INSERT/UPDATE/DELETE (PostgreSQL, MySQL 8 UPDATE with CTE) writes.
    const writes = first === 'WITH' && tokens.some((t) => t.type === 'word' && (t.value === 'INSERT' || t.value === 'UPDATE' || t.value === 'DELETE'));
    return { ...base, kind: writes ? 'write' : 'read', parse: writes };
  }
  return { ...base, kind: 'other' };
}

export function analyzeStatement(input: string | readonly Token[], dialect: Dialect = 'mysql', text?: string): StatementInfo {
  const tokens = typeof input === 'string' ? tokenize(input, dialect) : input;
  const sql = codeText(tokens);
  const c = classify(tokens, dialect);
  let ast: AstNode | null = null;
  let parseError: string | null = null;
  let tableList: readonly string[] | null = null;
  if (c.parse) {
    const p = parseStatement(tokens, dialect);
    if (p.ok) {
      ast = p.ast;
      tableList = p.tableList;
    } else parseError = p.error;
  }
  const { parse: _parse, ...rest } = c;
  return {
    ...rest,
    sql,
    text: text ?? (typeof input === 'string' ? input.replace(/\s+/g, ' ').trim() : sql),
    tokens,
    fingerprint: fingerprint(tokens),
    ast,
    parseError,
    writes: c.kind === 'write' || (c.kind === 'ddl' && ast?.query_expr) ? writtenTables(tokens, tableList, ast) : c.kind === 'create-temp' && ast?.query_expr ? [] : [],
  };
}

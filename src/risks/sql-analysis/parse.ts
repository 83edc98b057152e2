/**
 * node-sql-parser behind one function. Its MySQL grammar reads more of what MariaDB writes than
 * its MariaDB grammar does (UPDATE/DELETE ... ORDER BY ... LIMIT fail in the latter, 5.4.0), so
 * MySQL-family text is tried with the MySQL grammar first, then the MariaDB one. A few spellings
 * neither grammar knows are rewritten on tokens first (bare CURRENT_USER, INSERT DELAYED,
 * DROP TEMPORARY TABLE); what still fails is returned as an error, never thrown.
 */
import mysqlGrammar from 'node-sql-parser/build/mysql.js';
import mariadbGrammar from 'node-sql-parser/build/mariadb.js';
import postgresGrammar from 'node-sql-parser/build/postgresql.js';
import type { Dialect, Token } from './tokenize.js';
import { codeText } from './split.js';

/** The parser's AST is loosely typed; rules read it defensively. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AstNode = any;

export interface ParsedStatement {
  readonly ok: true;
  readonly ast: AstNode;
  /** "op::db::table" entries (op: select, insert, update, delete, create, ...), db "null" when unqualified. */
  readonly tableList: readonly string[];
}

export interface UnparsedStatement {
  readonly ok: false;
  readonly error: string;
}

let parsers: { mysql: InstanceType<typeof mysqlGrammar.Parser>; mariadb: InstanceType<typeof mariadbGrammar.Parser>; postgres: InstanceType<typeof postgresGrammar.Parser> } | null = null;

function grammars() {
  parsers ??= { mysql: new mysqlGrammar.Parser(), mariadb: new mariadbGrammar.Parser(), postgres: new postgresGrammar.Parser() };
  return parsers;
}

const MODIFIERS_AFTER_INSERT = new Set(['DELAYED', 'LOW_PRIORITY', 'HIGH_PRIORITY']);
const BARE_FUNCTIONS = new Set(['CURRENT_USER', 'CURRENT_ROLE', 'SESSION_USER']);

/** Token-level rewrites for spellings the grammars lack; the meaning for our checks is unchanged. */
export function normalizeForParser(tokens: readonly Token[]): string {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const prev = tokens[i - 1];
    if (t.type === 'word' && MODIFIERS_AFTER_INSERT.has(t.value) && prev && ['INSERT', 'REPLACE', 'UPDATE', 'DELETE'].includes(prev.value)) continue;
    if (t.type === 'word' && t.value === 'TEMPORARY' && prev?.value === 'DROP') continue;
    if (t.type === 'word' && BARE_FUNCTIONS.has(t.value) && tokens[i + 1]?.text !== '(' && prev?.text !== '.') {
      out.push(t, { ...t, type: 'punct', text: '()', value: '()', start: t.end, end: t.end });
      continue;
    }
    out.push(t);
  }
  return codeText(out);
}

function attempt(p: { parse(sql: string, opt?: { database?: string }): { ast: AstNode; tableList: string[] } }, sql: string, database: string): ParsedStatement | UnparsedStatement {
  try {
    const r = p.parse(sql, { database });
    const ast = Array.isArray(r.ast) ? (r.ast.length === 1 ? r.ast[0] : r.ast) : r.ast;
    if (Array.isArray(ast)) return { ok: false, error: 'more than one statement' };
    return { ok: true, ast, tableList: r.tableList ?? [] };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return { ok: false, error: msg.replace(/\s+/g, ' ').slice(0, 160) };
  }
}

export function parseStatement(tokens: readonly Token[], dialect: Dialect): ParsedStatement | UnparsedStatement {
  if (tokens.length === 0) return { ok: false, error: 'empty statement' };
  const sql = normalizeForParser(tokens);
  const g = grammars();
  if (dialect === 'postgres') return attempt(g.postgres, sql, 'PostgresQL');
  const first = attempt(g.mysql, sql, 'MySQL');
  if (first.ok) return first;
  const second = attempt(g.mariadb, sql, 'MariaDB');
  return second.ok ? second : first;
}

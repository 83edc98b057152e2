/**
 * A small SQL lexer (MySQL/MariaDB and PostgreSQL quoting rules). The parser does the analysis;
 * the lexer is what splits scripts into statements (DELIMITER, dollar quotes, comments), finds
 * transaction and temporary-table statements the parser does not know, fingerprints statements
 * for de-duplication, and reads function calls in statements the parser cannot read.
 */

export type TokenType = 'word' | 'quoted-ident' | 'string' | 'number' | 'variable' | 'punct';

export interface Token {
  readonly type: TokenType;
  /** Source text of the token (quotes included for strings and quoted identifiers). */
  readonly text: string;
  /** Upper-cased text for words; the unquoted name for quoted identifiers. */
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

export type Dialect = 'mysql' | 'postgres';

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;

/**
 * Tokens of `sql`. Comments are dropped; MySQL executable comments (`/*! ... *\/`, `/*M! ... *\/`)
 * are read as code because the server runs them (mysqldump and mysqlbinlog output rely on it).
 */
export function tokenize(sql: string, dialect: Dialect = 'mysql'): Token[] {
  const out: Token[] = [];
  let i = 0;
  let execComment = 0;
  const n = sql.length;
  const push = (type: TokenType, start: number, end: number, value?: string) => {
    const text = sql.slice(start, end);
    out.push({ type, text, value: value ?? (type === 'word' ? text.toUpperCase() : text), start, end });
  };
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      i++;
      continue;
    }
    if (execComment > 0 && c === '*' && next === '/') {
      execComment--;
      i += 2;
      continue;
    }
    if (c === '/' && next === '*') {
      if (dialect === 'mysql' && (sql[i + 2] === '!' || (sql[i + 2] === 'M' && sql[i + 3] === '!'))) {
        i += sql[i + 2] === '!' ? 3 : 4;
        while (i < n && /[0-9]/.test(sql[i]!)) i++;
        execComment++;
        continue;
      }
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
      continue;
    }
    if ((c === '-' && next === '-' && (dialect === 'postgres' || i + 2 >= n || /\s/.test(sql[i + 2]!))) || (c === '#' && dialect === 'mysql')) {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
      continue;
    }
    if (c === "'" || (c === '"' && dialect === 'mysql')) {
      const end = quotedEnd(sql, i, c, dialect === 'mysql');
      push('string', i, end);
      i = end;
      continue;
    }
    if ((c === 'E' || c === 'e') && next === "'" && dialect === 'postgres') {
      const end = quotedEnd(sql, i + 1, "'", true);
      push('string', i, end);
      i = end;
      continue;
    }
    if (c === '`' || (c === '"' && dialect === 'postgres')) {
      const end = quotedEnd(sql, i, c, false);
      push('quoted-ident', i, end, sql.slice(i + 1, Math.max(i + 1, end - 1)).split(c + c).join(c));
      i = end;
      continue;
    }
    if (c === '$' && dialect === 'postgres') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64));
      if (m) {
        const tag = m[0];
        const close = sql.indexOf(tag, i + tag.length);
        const end = close < 0 ? n : close + tag.length;
        push('string', i, end);
        i = end;
        continue;
      }
      if (next && /[0-9]/.test(next)) {
        let j = i + 1;
        while (j < n && /[0-9]/.test(sql[j]!)) j++;
        push('variable', i, j);
        i = j;
        continue;
      }
    }
    if (c === '@') {
      let j = i + 1;
      if (sql[j] === '@') j++;
      if (sql[j] === '`' || sql[j] === "'" || sql[j] === '"') j = quotedEnd(sql, j, sql[j]!, sql[j] !== '`');
      else while (j < n && /[A-Za-z0-9_$.]/.test(sql[j]!)) j++;
      push('variable', i, j);
      i = j;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && next !== undefined && /[0-9]/.test(next))) {
      let j = i;
      if (c === '0' && (next === 'x' || next === 'X' || next === 'b' || next === 'B')) j += 2;
      while (j < n && /[0-9A-Za-z_.]/.test(sql[j]!)) {
        if ((sql[j] === 'e' || sql[j] === 'E') && (sql[j + 1] === '+' || sql[j + 1] === '-')) j++;
        j++;
      }
      push('number', i, j);
      i = j;
      continue;
    }
    if (WORD_START.test(c)) {
      let j = i + 1;
      while (j < n && WORD_CHAR.test(sql[j]!)) j++;
      push('word', i, j);
      i = j;
      continue;
    }
    // Multi-character operators that matter for splitting: "::" (PG casts), ":=", "<=>", ...
    const two = sql.slice(i, i + 2);
    if (['::', ':=', '<=', '>=', '<>', '!=', '||', '&&', '<<', '>>', '->'].includes(two)) {
      push('punct', i, i + 2);
      i += 2;
      continue;
    }
    push('punct', i, i + 1);
    i++;
  }
  return out;
}

/** End offset (exclusive) of a quoted run starting at `start`; doubled quotes escape, and backslashes too when `backslash`. */
function quotedEnd(sql: string, start: number, quote: string, backslash: boolean): number {
  let j = start + 1;
  while (j < sql.length) {
    const ch = sql[j]!;
    if (backslash && ch === '\\') {
      j += 2;
      continue;
    }
    if (ch === quote) {
      if (sql[j + 1] === quote) {
        j += 2;
        continue;
      }
      return j + 1;
    }
    j++;
  }
  return sql.length;
}

/** Text with literals replaced by `?` and whitespace normalized: the same statement with other values fingerprints the same. */
export function fingerprint(tokens: readonly Token[]): string {
  return tokens
    .map((t) => (t.type === 'string' || t.type === 'number' ? '?' : t.type === 'word' ? t.value : t.text))
    .join(' ')
    .replace(/\?( , \?)+/g, '?+')
    .replace(/\( \?\+? \)( , \( \?\+? \))+/g, '(?+)+');
}

/** Names called as functions: a word (not a keyword that takes parentheses) directly followed by "(". */
export function functionCalls(tokens: readonly Token[]): { name: string; index: number }[] {
  const out: { name: string; index: number }[] = [];
  for (let i = 0; i + 1 < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === 'word' && tokens[i + 1]!.text === '(' && tokens[i - 1]?.text !== '.') out.push({ name: t.value, index: i });
  }
  return out;
}

/**
 * Scripts to statements. Honors the mysql client's `DELIMITER` command (dumps, routines), keeps
 * BEGIN ... END bodies of CREATE PROCEDURE/FUNCTION/TRIGGER/EVENT together when no DELIMITER was
 * used, and PostgreSQL dollar quotes (through the lexer). Each statement keeps its line number.
 */
import { tokenize, type Dialect, type Token } from './tokenize.js';

export interface ScriptStatement {
  /** The statement as code: comments dropped, executable comments unwrapped, no delimiter. */
  readonly sql: string;
  /** The statement as written (whitespace collapsed), for evidence. */
  readonly text: string;
  readonly tokens: readonly Token[];
  /** 1-based line of its first token. */
  readonly line: number;
}

/** Code text of a token run: tokens joined with one space where the source had a gap. */
export function codeText(tokens: readonly Token[]): string {
  let s = '';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (i > 0 && tokens[i - 1]!.end !== t.start) s += ' ';
    s += t.text;
  }
  return s;
}

const ROUTINE_KINDS = new Set(['PROCEDURE', 'FUNCTION', 'TRIGGER', 'EVENT']);
const BLOCK_ENDERS = new Set(['IF', 'CASE', 'LOOP', 'WHILE', 'REPEAT', 'FOR']);

/** CREATE [OR REPLACE] [DEFINER = x] [AGGREGATE] PROCEDURE|FUNCTION|TRIGGER|EVENT ... */
function isRoutineDefinition(tokens: readonly Token[]): boolean {
  if (tokens[0]?.value !== 'CREATE') return false;
  for (let i = 1; i < Math.min(tokens.length, 12); i++) if (ROUTINE_KINDS.has(tokens[i]!.value) && tokens[i]!.type === 'word') return true;
  return false;
}

export function splitStatements(script: string, dialect: Dialect = 'mysql'): ScriptStatement[] {
  const tokens = tokenize(script, dialect);
  const lineStarts: number[] = [0];
  for (let i = 0; i < script.length; i++) if (script[i] === '\n') lineStarts.push(i + 1);
  const lineOf = (offset: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const firstOnLine = (t: Token): boolean => /^[ \t]*$/.test(script.slice(lineStarts[lineOf(t.start) - 1]!, t.start));

  const out: ScriptStatement[] = [];
  let delimiter = ';';
  let current: Token[] = [];
  let depth = 0;
  const flush = () => {
    if (current.length > 0) {
      const first = current[0]!;
      const last = current[current.length - 1]!;
      out.push({
        sql: codeText(current),
        text: script.slice(first.start, last.end).replace(/\s+/g, ' ').trim(),
        tokens: current,
        line: lineOf(first.start),
      });
    }
    current = [];
    depth = 0;
  };

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (dialect === 'mysql' && t.type === 'word' && t.value === 'DELIMITER' && current.length === 0 && firstOnLine(t)) {
      const lineEnd = script.indexOf('\n', t.end);
      const arg = script.slice(t.end, lineEnd < 0 ? script.length : lineEnd).trim();
      // mysqlbinlog writes "DELIMITER /*!*/;": the lexer reads "/*!*/" as an empty executable
      // comment, so the delimiter is what its tokens spell (";").
      const raw = arg.split(/\s+/)[0] ?? '';
      if (raw) delimiter = tokenize(raw, dialect).map((x) => x.text).join('') || raw;
      while (i + 1 < tokens.length && tokens[i + 1]!.start < (lineEnd < 0 ? script.length : lineEnd)) i++;
      continue;
    }
    // Does the delimiter start at this token? (adjacent punctuation tokens spelling it)
    let span = 0;
    let spelled = '';
    for (let j = i; j < tokens.length && spelled.length < delimiter.length; j++) {
      const tj = tokens[j]!;
      if (j > i && tokens[j - 1]!.end !== tj.start) break;
      spelled += tj.text;
      span++;
    }
    if (spelled === delimiter && !(delimiter === ';' && depth > 0)) {
      flush();
      i += span - 1;
      continue;
    }
    current.push(t);
    if (delimiter === ';' && dialect === 'mysql' && t.type === 'word' && isRoutineDefinition(current)) {
      if (t.value === 'BEGIN') depth++;
      else if (t.value === 'END' && depth > 0 && !BLOCK_ENDERS.has(tokens[i + 1]?.value ?? '')) depth--;
    }
  }
  flush();
  return out;
}

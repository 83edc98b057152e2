/**
 * The replicated workload as the rules see it: statements from SQL files, the primary's binary
 * log and performance_schema digests, replayed in order per source with the session state that
 * matters (default database, open transaction, autocommit, temporary tables) and reduced to what
 * the statement rules report: unsafe statements, transactions mixing engines, temporary tables,
 * routines, and statements the parser could not read.
 */
import { Catalog, engineIsTransactional, type TableMeta, type TableRef } from './catalog.js';
import { analyzeStatement, type StatementInfo } from './statement.js';
import type { Dialect, Token } from './tokenize.js';
import { tokenReasons, unsafeReasons, type UnsafeReason } from './unsafe.js';

/** How the statement reached the replicas: as SQL text, as row images, or not known (SQL files, digests). */
export type LoggedAs = 'statement' | 'row' | 'unknown';

export type StreamItem =
  | { readonly type: 'statement'; readonly sql: string | readonly Token[]; readonly text?: string; readonly db?: string | null; readonly at: string; readonly count?: number }
  /** A binlog transaction group opens (MariaDB "BEGIN GTID", MySQL Query BEGIN). */
  | { readonly type: 'begin'; readonly at: string }
  | { readonly type: 'commit'; readonly at: string }
  | { readonly type: 'rollback'; readonly at: string }
  /** A row event's table map: a table written under row-based logging. */
  | { readonly type: 'rows'; readonly table: TableRef; readonly at: string }
  /** The original text of the following row events (MariaDB Annotate_rows). */
  | { readonly type: 'annotate'; readonly text: string; readonly at: string };

export interface WorkloadSource {
  /** "file.sql", "binlog mariadb-bin.000003", "performance_schema digests". */
  readonly name: string;
  readonly kind: 'sql' | 'binlog' | 'digest';
  /** Statements from a binlog were logged as statements; from files and digests it depends on the format. */
  readonly loggedAs: LoggedAs;
  readonly items: readonly StreamItem[];
}

export interface AnalyzedStatement {
  readonly at: string;
  readonly sourceKind: WorkloadSource['kind'];
  readonly loggedAs: LoggedAs;
  readonly text: string;
  readonly fingerprint: string;
  /** Tables written, as reports name them. */
  readonly tables: readonly string[];
  readonly reasons: readonly UnsafeReason[];
  /** How many times the same statement (same fingerprint) was seen. */
  count: number;
}

export interface TableWrite {
  readonly table: string;
  readonly engine: string | null;
  readonly transactional: boolean | null;
  readonly temporary: boolean;
  /** The statement (or annotated row event) that wrote it. */
  readonly text: string;
  readonly at: string;
}

export interface MixedTransaction {
  readonly at: string;
  readonly sourceKind: WorkloadSource['kind'];
  readonly writes: readonly TableWrite[];
}

export interface TempTableUse {
  readonly table: string;
  readonly engine: string | null;
  readonly transactional: boolean | null;
  readonly at: string;
  readonly sourceKind: WorkloadSource['kind'];
  readonly loggedAs: LoggedAs;
  readonly text: string;
  count: number;
}

export interface RoutineFinding {
  readonly name: string;
  readonly kind: string;
  readonly deterministic: boolean;
  readonly reasons: readonly UnsafeReason[];
  readonly at: string;
}

export interface Unparsed {
  readonly at: string;
  readonly text: string;
  readonly error: string;
  count: number;
}

export interface Workload {
  readonly sources: readonly { readonly name: string; readonly kind: WorkloadSource['kind']; readonly statements: number }[];
  /** Unsafe statements only, one per fingerprint and source kind. */
  readonly unsafe: readonly AnalyzedStatement[];
  readonly mixedTransactions: readonly MixedTransaction[];
  readonly tempTables: readonly TempTableUse[];
  readonly routines: readonly RoutineFinding[];
  readonly unparsed: readonly Unparsed[];
}

export interface WorkloadOptions {
  readonly catalog: Catalog;
  readonly dialect: Dialect;
  /** Engine of temporary tables created without ENGINE= (default_tmp_storage_engine, else default_storage_engine). */
  readonly tmpEngine: string | null;
}

/** Passwords inside account and replication statements never reach a report. */
export function redactSecrets(text: string): string {
  return text
    .replace(/(IDENTIFIED\s+(?:WITH\s+\S+\s+)?(?:BY|AS|USING)\s+(?:PASSWORD\s*)?\(?\s*)('(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*")/gi, "$1'***'")
    .replace(/((?:MASTER|SOURCE)_PASSWORD\s*=\s*)('(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*")/gi, "$1'***'")
    .replace(/(\bPASSWORD\s*(?:=\s*)?(?:PASSWORD\s*)?\(\s*)('(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*")/gi, "$1'***'")
    .replace(/(\bPASSWORD\s*=?\s*)('(?:[^'\\]|\\.|'')*')/gi, "$1'***'");
}

const clip = (s: string, n = 240) => {
  const r = redactSecrets(s);
  return r.length > n ? `${r.slice(0, n - 1)}…` : r;
};

export function buildWorkload(sources: readonly WorkloadSource[], opts: WorkloadOptions): Workload {
  const unsafe = new Map<string, AnalyzedStatement>();
  const mixed: MixedTransaction[] = [];
  const temps = new Map<string, TempTableUse>();
  const routines: RoutineFinding[] = [];
  const unparsed = new Map<string, Unparsed>();
  const summary: { name: string; kind: WorkloadSource['kind']; statements: number }[] = [];

  for (const src of sources) {
    // Each source is its own session: temporary tables and the default database do not leak between them.
    const catalog = opts.catalog;
    const created: { db: string | null; table: string }[] = [];
    let defaultDb: string | null = null;
    let autocommit = true;
    let txn: { at: string; writes: TableWrite[] } | null = null;
    let annotate: string | null = null;
    let statements = 0;

    const open = (at: string) => {
      txn = { at, writes: [] };
    };
    const close = () => {
      const t = txn;
      txn = null;
      if (!t) return;
      const trans = t.writes.filter((w) => w.transactional === true);
      const non = t.writes.filter((w) => w.transactional === false);
      if (trans.length > 0 && non.length > 0) {
        const uniq = new Map<string, TableWrite>();
        for (const w of t.writes) if (w.transactional !== null && !uniq.has(w.table)) uniq.set(w.table, w);
        mixed.push({ at: t.at, sourceKind: src.kind, writes: [...uniq.values()] });
      }
    };
    const record = (ref: TableRef, meta: TableMeta | null, text: string, at: string) => {
      const write: TableWrite = {
        table: Catalog.display(ref, defaultDb, meta),
        engine: meta?.engine ?? null,
        transactional: meta?.transactional ?? null,
        temporary: meta?.temporary ?? false,
        text: clip(text),
        at,
      };
      if (txn) txn.writes.push(write);
      else {
        // An autocommitted statement is its own transaction (a multi-table UPDATE can still mix engines).
        open(at);
        txn!.writes.push(write);
        close();
      }
    };

    for (const item of src.items) {
      switch (item.type) {
        case 'begin':
          if (txn) close();
          open(item.at);
          continue;
        case 'commit':
        case 'rollback':
          close();
          continue;
        case 'annotate':
          annotate = item.text;
          continue;
        case 'rows': {
          const meta = catalog.lookup(item.table, null);
          record(item.table, meta, annotate ?? `row event on ${item.table.db}.${item.table.table}`, item.at);
          continue;
        }
        case 'statement':
          break;
      }
      statements++;
      if (item.db !== undefined && item.db !== null && item.db !== '') defaultDb = item.db;
      const st: StatementInfo = analyzeStatement(item.sql, opts.dialect, item.text);
      const count = item.count ?? 1;
      const db = defaultDb;

      switch (st.kind) {
        case 'begin':
          if (txn) close();
          open(item.at);
          continue;
        case 'commit':
        case 'rollback':
          close();
          continue;
        case 'use':
          defaultDb = st.useDb;
          continue;
        case 'set':
          if (st.autocommit !== null) {
            if (st.autocommit && txn) close();
            autocommit = st.autocommit;
          }
          continue;
        case 'routine': {
          const r = st.routine!;
          const reasons = tokenReasons(r.body, { catalog, defaultDb: db, inRoutine: true });
          if (reasons.length > 0) routines.push({ name: r.name.includes('.') || !db ? r.name : `${db}.${r.name}`, kind: r.kind, deterministic: r.deterministic, reasons, at: item.at });
          if (txn && opts.dialect === 'mysql') close();
          continue;
        }
        case 'create-temp': {
          for (const t of st.temp!.tables) {
            const engine = st.temp!.engine ?? opts.tmpEngine;
            catalog.addTemporary(t.db ?? db, t.table, engine);
            created.push({ db: t.db ?? db, table: t.table });
            const name = Catalog.display(t, db, null);
            const key = `${src.kind}\u0000${name}\u0000${st.fingerprint}`;
            const prev = temps.get(key);
            if (prev) prev.count += count;
            else temps.set(key, { table: name, engine, transactional: engineIsTransactional(engine), at: item.at, sourceKind: src.kind, loggedAs: src.loggedAs, text: clip(st.text), count });
          }
          continue;
        }
        case 'drop-temp':
          for (const t of st.temp!.tables) catalog.dropTemporary(t.db ?? db, t.table);
          continue;
        default:
          break;
      }
      // DDL and LOCK TABLES commit the open transaction before they run (MySQL family).
      if (st.implicitCommit && txn) close();

      // Only writes matter to the statement rules (and CREATE TABLE ... SELECT); unreadable DDL is not reported.
      const selects = st.kind === 'ddl' && st.tokens.some((t) => t.value === 'SELECT');
      if (st.parseError && (st.kind === 'write' || selects)) {
        const key = `${src.kind}\u0000${st.fingerprint}`;
        const prev = unparsed.get(key);
        if (prev) prev.count += count;
        else unparsed.set(key, { at: item.at, text: clip(st.text), error: st.parseError, count });
      }

      if (st.kind === 'write' || st.writes.length > 0) {
        if (!txn && !autocommit) {
          open(item.at);
        }
        const reasons = src.loggedAs === 'row' ? [] : unsafeReasons(st, { catalog, defaultDb: db });
        const tables = st.writes.map((w) => Catalog.display(w, db, catalog.lookup(w, db)));
        if (reasons.length > 0) {
          const key = `${src.kind}\u0000${st.fingerprint}`;
          const prev = unsafe.get(key);
          if (prev) prev.count += count;
          else unsafe.set(key, { at: item.at, sourceKind: src.kind, loggedAs: src.loggedAs, text: clip(st.text), fingerprint: st.fingerprint, tables, reasons, count });
        }
        for (const w of st.writes) record(w, catalog.lookup(w, db), st.text, item.at);
      }
    }
    if (txn) close();
    for (const t of created) catalog.dropTemporary(t.db, t.table);
    summary.push({ name: src.name, kind: src.kind, statements });
  }

  return {
    sources: summary,
    unsafe: [...unsafe.values()],
    mixedTransactions: mixed,
    tempTables: [...temps.values()],
    routines,
    unparsed: [...unparsed.values()],
  };
}

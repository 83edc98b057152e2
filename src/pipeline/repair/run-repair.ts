/**
 * repair, as a numbered list:
 *   1. input: a diff result (every differing row listed, not truncated)
 *   2. topology and schema: each table's key must still be the key the diff named rows by
 *   3. foreign keys and triggers of each table: warnings; triggers that would fire stop --apply
 *      without --force (foreign keys are neither checked nor cascaded by the repair's writes)
 *   4. per (table, replica), transactions of up to ROWS_PER_TRANSACTION rows, each statement made
 *      from the primary's current row (absent there: a delete by key):
 *      print           the replica-side SQL as a reviewable script, nothing executed
 *      apply-replica   the replica-side SQL on the replica, binary logging / replication triggers
 *                      off for that session, while the primary holds the table still at a position
 *                      the replica has applied (so no replicated change races the rewrite)
 *      apply-primary   the engine's primary rewrite in a transaction on the primary that reads
 *                      the row FOR UPDATE, so replication carries the primary's values
 *   5. apply modes: check again on the repaired tables, and the verdict from it
 */
import type { Logger } from 'pino';
import type { ConnectionSpec } from '../../config/dsn.js';
import type { Engine, Session } from '../../engine/engine.js';
import type { RelatedObject } from '../../engine/row-types.js';
import type { ColumnInfo, SqlValue, TableInfo } from '../../engine/types.js';
import { splitTablePattern } from '../plan/table-filter.js';
import { messageOf, SyncpointError, usageError } from '../../errors.js';
import type { DiffResult, DiffRow } from '../diff/diff-result.js';
import { chooseKey } from '../plan/choose-key.js';
import type { CheckResult } from '../report/check-result.js';
import { resolveTopology, type ReplicaNode } from '../topology/topology.js';
import type { RepairMode, RepairResult, RepairTable } from './repair-result.js';
import { byTableThenReplica } from '../../text-order.js';

export const ROWS_PER_TRANSACTION = 100;

export interface RepairOptions {
  readonly primary: ConnectionSpec;
  readonly replicas: readonly ConnectionSpec[];
  readonly diff: DiffResult;
  readonly apply: 'primary' | 'replica' | null;
  /** Key-less tables: repair by row content on the replica side (print or --apply replica). */
  readonly allowKeyless: boolean;
  /** Apply even where triggers of the repaired tables would fire for its writes. */
  readonly force: boolean;
  readonly lockWaitMs: number;
  /** --apply replica: the longest the primary's table lock is held while the replica catches up. */
  readonly maxLockMs: number;
  readonly syncTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly log: Logger;
  readonly signal?: AbortSignal;
  /** check on these tables, for the follow-up. */
  readonly followUp: (tables: readonly string[]) => Promise<CheckResult>;
}

interface Group {
  readonly table: string;
  readonly replica: string;
  readonly rows: DiffRow[];
}

interface Prepared {
  readonly group: Group;
  readonly entry: RepairTable;
  readonly t: TableInfo | null;
  readonly key: readonly ColumnInfo[] | null;
  readonly node: ReplicaNode | null;
}

export async function runRepair(o: RepairOptions): Promise<RepairResult> {
  const started = Date.now();
  const mode: RepairMode = o.apply === 'primary' ? 'apply-primary' : o.apply === 'replica' ? 'apply-replica' : 'print';
  // 1. input
  if (o.diff.truncated) {
    const total = o.diff.totals.reduce((n, t) => n + t.missing + t.extra + t.changed, 0);
    throw usageError(`the diff lists ${o.diff.rows.length} of ${total} differing rows: raise --max-rows to ${total} or more (on repair, or on the diff that wrote the --from-diff file) so every row can be repaired`);
  }
  const topo = await resolveTopology({ primary: o.primary, replicas: o.replicas, connect: { lockWaitMs: o.lockWaitMs, connectTimeoutMs: o.connectTimeoutMs, appName: 'syncpoint-repair' }, log: o.log });
  const result: RepairResult = {
    schemaVersion: 1,
    command: 'repair',
    verdict: 'clean',
    mode,
    primary: topo.primary.label,
    replicas: topo.replicas.map((r) => r.label),
    tables: [],
    warnings: [],
    notes: [...topo.notes],
    durationMs: 0,
  };
  const script: string[] = [];
  let failed = false;
  /** Tables whose repair failed before it wrote anything. */
  const untouched = new Set<RepairTable>();
  try {
    if (o.diff.primary !== topo.primary.label) throw usageError(`the diff was taken against primary ${o.diff.primary}, not ${topo.primary.label}`);
    const pe = topo.primary.engine;
    for (const p of o.diff.problems ?? []) result.notes.push(`not repairable from the diff: ${p.table} on ${p.replica}: ${p.reason}`);

    // 2. topology and schema
    const groups = groupRows(o.diff.rows);
    // The schema as displayName wrote it (a part with a dot is quoted).
    const schemas = [...new Set(groups.map((g) => splitTablePattern(g.table).schema ?? g.table))];
    const tables = groups.length ? await pe.introspector.loadSchema(topo.primary.control, { schemas }) : [];
    const byName = new Map(tables.map((t) => [t.qualified, t]));
    const prepared: Prepared[] = groups.map((g) => prepare(g, byName.get(g.table) ?? null, topo.replicas.find((r) => r.label === g.replica) ?? null, o));
    result.tables.push(...prepared.map((p) => p.entry));

    // 3. foreign keys and triggers
    const firing: string[] = [];
    for (const p of prepared) {
      if (!p.t || p.entry.refused === p.entry.rows) continue;
      const where = mode === 'apply-replica' && p.node?.engine && p.node.control ? { e: p.node.engine, s: p.node.control, side: 'replica' } : { e: pe, s: topo.primary.control, side: 'primary' };
      const related = where.e.sql.rows.parseRelated(await where.s.query(where.e.sql.rows.relatedObjects(p.t)));
      p.entry.related.push(...related);
      for (const r of related) result.warnings.push(relatedWarning(p, r, mode, where.side));
      for (const r of related) if (r.kind === 'trigger' && triggerFires(r, mode)) firing.push(`${r.name} on ${p.entry.table}`);
    }
    if (mode !== 'print' && firing.length && !o.force) {
      throw usageError(`trigger(s) ${[...new Set(firing)].join(', ')} would fire for the repair's writes: they can change the repaired values or write rows replication never carries (on a replica, rows its primary lacks, which can stop replication later; MariaDB/MySQL rewrite a row with REPLACE, so its DELETE and INSERT triggers fire); review the printed SQL (repair without --apply), then add --force to apply`);
    }

    // 4. statements
    for (const p of prepared) {
      const todo = p.group.rows.filter((_r, i) => !refusedIndex(p).has(i));
      if (todo.length === 0 || !p.t) continue;
      for (let i = 0; i < todo.length; i += ROWS_PER_TRANSACTION) {
        if (o.signal?.aborted) throw new SyncpointError('interrupted', 'interrupted');
        const chunk = todo.slice(i, i + ROWS_PER_TRANSACTION);
        try {
          if (mode === 'print') script.push(...(await printChunk(pe, topo.primary.control, p, chunk)));
          else if (mode === 'apply-replica') await applyOnReplica(o, pe, p, chunk);
          else await applyOnPrimary(pe, p, chunk);
        } catch (err) {
          if (err instanceof SyncpointError && (err.kind === 'interrupted' || err.kind === 'usage')) throw err;
          failed = true;
          if (p.entry.statements === 0) untouched.add(p.entry);
          const msg = messageOf(err);
          const hint = /read.only/i.test(msg) && mode === 'apply-replica' ? ' (writing a read_only replica needs READ_ONLY ADMIN or SUPER; PostgreSQL: only a logical subscriber can be written)' : '';
          p.entry.reason = `transaction ${Math.floor(i / ROWS_PER_TRANSACTION) + 1} failed and was rolled back: ${msg}${hint}`;
          o.log.error({ table: p.entry.table, replica: p.entry.replica }, p.entry.reason);
          break;
        }
      }
    }
  } finally {
    await topo.close();
  }

  const refused = result.tables.some((t) => t.refused > 0);
  const rows = result.tables.reduce((n, t) => n + t.rows, 0);
  if (mode === 'print') {
    result.script = scriptText(result, script, topo.primary.engine);
    result.verdict = rows === 0 ? 'clean' : refused || failed ? 'incomplete' : 'ok';
  } else if (rows === 0) {
    result.verdict = 'clean';
  } else {
    // 5. follow-up check on what was repaired. Not of a table whose repair failed before it
    // wrote anything (a replica that did not catch up, say): that check could only wait on the
    // same replica, holding the primary's table lock (primary-lock) while it does.
    const names = [...new Set(result.tables.filter((t) => !untouched.has(t)).map((t) => t.table))];
    if (names.length === 0) result.verdict = 'incomplete';
    else {
      try {
        const check = await o.followUp(names);
        result.followUp = {
          verdict: check.verdict,
          tables: check.tables.map((t) => ({ table: t.table, replica: t.replica, status: t.status, ...(t.reason ? { reason: t.reason } : {}) })),
        };
        result.verdict = check.verdict === 'drift' ? 'failed' : check.verdict === 'consistent' && !refused && !failed ? 'passed' : 'incomplete';
      } catch (err) {
        result.error = `follow-up check failed: ${messageOf(err)}`;
        result.verdict = 'incomplete';
      }
    }
  }
  result.durationMs = Date.now() - started;
  return result;
}

function groupRows(rows: readonly DiffRow[]): Group[] {
  const m = new Map<string, Group>();
  for (const r of rows) {
    const k = `${r.table}\u0000${r.replica}`;
    let g = m.get(k);
    if (!g) m.set(k, (g = { table: r.table, replica: r.replica, rows: [] }));
    g.rows.push(r);
  }
  return [...m.values()].sort(byTableThenReplica);
}

const refusals = new WeakMap<Prepared, Set<number>>();
const refusedIndex = (p: Prepared) => refusals.get(p) ?? new Set<number>();

function prepare(g: Group, t: TableInfo | null, node: ReplicaNode | null, o: RepairOptions): Prepared {
  const count = g.rows.reduce((n, r) => n + (r.copies ?? 1), 0);
  const entry: RepairTable = { table: g.table, replica: g.replica, rows: count, statements: 0, transactions: 0, refused: 0, related: [] };
  const refuseAll = (reason: string): Prepared => {
    entry.refused = count;
    entry.reason = reason;
    return { group: g, entry, t: null, key: null, node };
  };
  if (!t) return refuseAll('the table no longer exists on the primary');
  // Printing reads only the primary; applying needs the replica (and the follow-up check does).
  if (o.apply && (!node || node.error)) return refuseAll(`replica not reachable or not a replica: ${node?.error ?? 'not in this run (pass it with --replica)'}`);
  if (o.apply === 'replica' && !node?.engine) return refuseAll('replica not connected');
  if (o.apply === 'replica' && node?.status?.kind === 'physical') return refuseAll('a physical standby cannot be written: use --apply primary, or rebuild it (syncpoint clone)');
  const key = chooseKey(t)?.columns ?? null;
  const p: Prepared = { group: g, entry, t, key, node };
  const refused = new Set<number>();
  const reasons = new Set<string>();
  g.rows.forEach((r, i) => {
    let why: string | null = null;
    if (r.key === null) {
      if (key) why = 'the diff compared this table without a key but it has one now: run diff again';
      else if (!o.allowKeyless) why = 'no primary key or unique NOT NULL index: rows can only be matched by their whole content; --allow-keyless deletes and inserts whole-row copies on the replica';
      else if (o.apply === 'primary') why = 'no usable key: the primary path cannot name a row to rewrite; use --apply replica with --allow-keyless';
    } else if (!key) {
      why = 'the table has no usable key any more: run diff again';
    } else if (key.map((c) => c.name).join('\u0000') !== Object.keys(r.key).join('\u0000') || !r.keyValues || r.keyValues.length !== key.length) {
      why = `the diff named rows by (${Object.keys(r.key).join(', ')}) but the key is now (${key.map((c) => c.name).join(', ')}): run diff again`;
    }
    if (why) {
      refused.add(i);
      reasons.add(why);
      entry.refused += r.copies ?? 1;
    }
  });
  if (reasons.size) entry.reason = [...reasons].join('; ');
  refusals.set(p, refused);
  return p;
}

/**
 * Whether a trigger fires for the repair's own writes. MySQL family: always (replicated row events
 * do not fire a replica's triggers, the repair's statements do). PostgreSQL: the replica path
 * writes with session_replication_role = replica (ENABLE REPLICA / ALWAYS triggers still fire);
 * the primary path is taken as firing every enabled trigger.
 */
function triggerFires(r: RelatedObject, mode: RepairMode): boolean {
  if (r.firesUnder === undefined) return true;
  if (r.firesUnder === 'disabled') return false;
  return mode === 'apply-replica' ? r.firesUnder !== 'origin' : true;
}

function relatedWarning(p: Prepared, r: RelatedObject, mode: RepairMode, side: string): string {
  const where = `${p.entry.table} (on the ${side})`;
  if (r.kind === 'trigger') {
    const effect = mode === 'apply-primary' ? 'fires on the primary (and, for statement-logged rewrites, on MySQL-family replicas too)' : 'fires for the repair writes unless the engine suppresses it (PostgreSQL replica path: session_replication_role = replica)';
    // MySQL family: a row is rewritten with REPLACE, a delete and an insert wherever the row exists.
    const replace = r.firesUnder === undefined ? '; a rewritten row is deleted and inserted again (REPLACE), so DELETE and INSERT triggers fire for it, on the primary path for the primary\'s own unchanged rows too' : '';
    return `${where}: trigger ${r.name} (${r.detail}) ${effect}${replace}`;
  }
  // The repair's writes neither check nor cascade foreign keys (MySQL family: foreign_key_checks
  // = 0; PostgreSQL: session_replication_role = replica, or an UPDATE that keeps the key), so the
  // tables are made equal one by one, in any order.
  const other = r.detail.replace(/ \(ON DELETE .*$/, '');
  if (r.kind === 'foreign-key-child') return `${where}: foreign key ${r.name} from ${r.detail} points at this table; the repair's writes do not cascade to that table${r.cascades ? ' (though its key CASCADES for other writes)' : ''}: repair ${other} too, or its rows whose parent the repair deletes stay on the replica without it`;
  return `${where}: foreign key ${r.name} to ${r.detail} is not checked for the repair's writes: repair ${other} too, or a row may stay without its parent on the replica`;
}

const keyId = (values: readonly unknown[]) => JSON.stringify(values.map((v) => (v === null || v === undefined ? null : String(v))));

/**
 * Literals of the primary's row for each keyed row (null: the primary has no such row), read in
 * one statement. A key that comes back in other bytes (equal under a case-insensitive collation)
 * does not match by encoding: those rows are looked up one by one, with the column's own equality.
 */
async function primaryLiterals(pe: Engine, s: Session, t: TableInfo, key: readonly ColumnInfo[], rows: readonly DiffRow[]): Promise<(string[] | null)[]> {
  if (rows.length === 0) return [];
  const found = new Map<string, string[]>();
  for (const g of await s.query(pe.sql.rows.rowsLiterals(t, key, rows.map((r) => r.keyValues as SqlValue[])))) {
    const k = pe.sql.rows.parseKeyedLiterals(g, t, key);
    found.set(keyId(k.keyValues), k.literals);
  }
  const out: (string[] | null)[] = [];
  for (const r of rows) {
    const hit = found.get(keyId(r.keyValues!));
    if (hit) {
      out.push(hit);
      continue;
    }
    const got = await s.query(pe.sql.rows.rowLiterals(t, key, r.keyValues as SqlValue[], false));
    out.push(got.length ? pe.sql.rows.parseRowLiterals(got[0]!, t) : null);
  }
  return out;
}

/**
 * Replica-side statements for one chunk: deletes first (they may free a unique value an upsert needs).
 * Key-less rows: with the replica's session (--apply replica, under the primary's lock and at its
 * position), the copies to delete or insert are counted on both sides now, so an apply run twice,
 * or after the rows changed, writes only the difference left. A printed script has only the diff's
 * counts.
 */
async function replicaStatements(pe: Engine, ps: Session, re: Engine, p: Prepared, rows: readonly DiffRow[], rs?: Session): Promise<{ comment: string; sql: string }[]> {
  const t = p.t!;
  const dels: { comment: string; sql: string }[] = [];
  const ups: { comment: string; sql: string }[] = [];
  const keyed = rows.filter((r) => r.key !== null);
  const lits = p.key ? await primaryLiterals(pe, ps, t, p.key, keyed) : [];
  // Where the upsert cannot set every column (an identity column only DEFAULT can update), the
  // row is deleted and inserted.
  const rewrites = p.key === null || pe.sql.rows.upsertRewritesRow(t, p.key);
  keyed.forEach((r, i) => {
    const comment = `${r.kind}: ${pe.sql.rows.keyComment(p.key!, Object.values(r.key!))}`;
    const kv = r.keyValues as SqlValue[];
    const l = lits[i]!;
    if (!l) {
      dels.push({ comment: `${comment} -> not on the primary: delete`, sql: pe.sql.rows.deleteByKey(t, p.key!, kv) });
      return;
    }
    if (!rewrites) ups.push({ comment: `${comment} -> deleted, then inserted (a GENERATED ALWAYS identity column cannot be updated)`, sql: pe.sql.rows.deleteByKey(t, p.key!, kv) });
    // A row of another key holding one of its unique values (values swapped on the replica, in
    // this transaction or a later one): deleted right before, as REPLACE does; it differs from
    // the primary's, and its own statement writes it back.
    const holders = pe.sql.rows.deleteUniqueHolders(t, p.key!, kv, l);
    if (holders) ups.push({ comment: `${comment} -> rows of other keys holding its unique values (they differ from the primary's) deleted first`, sql: holders });
    ups.push({ comment: `${comment} -> the primary's row`, sql: rewrites ? pe.sql.rows.upsert(t, p.key!, l) : pe.sql.rows.insert(t, l) });
  });
  const hashes = new Set<string>();
  for (const r of rows.filter((x) => x.key === null)) {
    const hash = r.rowHash!;
    if (hashes.has(hash)) continue;
    hashes.add(hash);
    let add: number;
    let comment: string;
    if (rs) {
      const onPrimary = pe.sql.parseCount((await ps.query(pe.sql.rows.countByHash(t, hash)))[0]!);
      const onReplica = re.sql.parseCount((await rs.query(re.sql.rows.countByHash(t, hash)))[0]!);
      add = onPrimary - onReplica;
      comment = `no key: the row with content hash ${hash}: ${onPrimary} on the primary, ${onReplica} on the replica`;
    } else {
      add = (r.copies ?? 1) * (r.kind === 'extra' ? -1 : 1);
      comment = `${r.kind} (no key): ${Math.abs(add)} cop${Math.abs(add) === 1 ? 'y' : 'ies'} of the row with content hash ${hash}`;
    }
    if (add < 0) {
      dels.push({ comment, sql: re.sql.rows.deleteByHash(t, hash, -add) });
    } else if (add > 0) {
      const got = await ps.query(pe.sql.rows.rowLiteralsByHash(t, hash));
      if (!got.length) throw new Error(`no row with content hash ${hash} on the primary any more: run diff again`);
      const l = pe.sql.rows.parseRowLiterals(got[0]!, t);
      for (let i = 0; i < add; i++) ups.push({ comment, sql: pe.sql.rows.insert(t, l) });
    }
  }
  return [...dels, ...ups];
}

async function printChunk(pe: Engine, ps: Session, p: Prepared, rows: readonly DiffRow[]): Promise<string[]> {
  const stmts = await replicaStatements(pe, ps, pe, p, rows);
  p.entry.statements += stmts.length;
  p.entry.transactions++;
  return [
    comment(`${p.entry.table} on replica ${p.entry.replica}: ${rows.length} row(s)`),
    `${pe.sql.rows.beginWrite()};`,
    ...stmts.flatMap((s) => [comment(s.comment), `${s.sql};`]),
    `${pe.sql.rows.commit()};`,
    '',
  ];
}

/** --apply replica: locks of the primary's table tried before the replica is given up on. */
const LOCK_ATTEMPTS = 3;

async function applyOnReplica(o: RepairOptions, pe: Engine, p: Prepared, rows: readonly DiffRow[]): Promise<void> {
  const node = p.node!;
  const re = node.engine!;
  const ps = await pe.session();
  const ws = await re.session();
  let locked = false;
  try {
    for (const s of re.sql.rows.replicaWriteSetup()) await privileged(ws, s, 'replica', node.label);
    // The primary holds the table still at a position the replica has applied: no replicated
    // change to these rows can land between reading the primary and writing the replica. The
    // replica first catches up without the lock, so that the lock (which makes the table's writers
    // wait) is held for the last few transactions only, never longer than --max-lock-time.
    for (let attempt = 1; ; attempt++) {
      const now = await pe.replication.currentPosition(ps);
      if (!(await re.replication.waitApplied(node.control!, now, o.syncTimeoutMs, o.signal))) {
        throw new SyncpointError('timeout', `the replica did not catch up with the primary within --sync-timeout ${Math.round(o.syncTimeoutMs / 1000)}s; nothing was locked or written`, node.label);
      }
      const pos = await pe.replication.lockTablesForSync(ps, [p.t!], o.lockWaitMs);
      locked = true;
      if (await re.replication.waitApplied(node.control!, pos, o.maxLockMs)) break;
      await pe.replication.endSnapshot(ps);
      locked = false;
      if (attempt >= LOCK_ATTEMPTS) {
        throw new SyncpointError('timeout', `the replica did not reach the primary's locked position within --max-lock-time ${o.maxLockMs / 1000}s (${LOCK_ATTEMPTS} tries, the lock released each time); nothing was written: raise --max-lock-time for a replica that applies slowly`, node.label);
      }
      o.log.info({ replica: node.label, table: p.entry.table }, `the replica did not reach the locked position within --max-lock-time: lock released, trying again (${attempt + 1} of ${LOCK_ATTEMPTS})`);
    }
    await ws.query(re.sql.rows.beginWrite());
    let stmts;
    try {
      stmts = await replicaStatements(pe, ps, re, p, rows, ws);
      for (const s of stmts) await ws.query(s.sql);
      await ws.query(re.sql.rows.commit());
    } catch (err) {
      await ws.query(re.sql.rows.rollback()).catch(() => undefined);
      throw err;
    }
    p.entry.statements += stmts.length;
    p.entry.transactions++;
  } finally {
    if (locked) await pe.replication.endSnapshot(ps).catch(() => undefined);
    await ps.close();
    await ws.close();
  }
}

async function applyOnPrimary(pe: Engine, p: Prepared, rows: readonly DiffRow[]): Promise<void> {
  const t = p.t!;
  const key = p.key!;
  const ws = await pe.session();
  try {
    for (const s of pe.sql.rows.primaryWriteSetup(t)) await privileged(ws, s, 'primary', ws.server.label);
    await ws.query(pe.sql.rows.beginWrite());
    let statements = 0;
    const refusedWhy = new Set<string>();
    try {
      for (const r of rows) {
        const got = await ws.query(pe.sql.rows.rowLiterals(t, key, r.keyValues as SqlValue[], true));
        const lits = got.length ? pe.sql.rows.parseRowLiterals(got[0]!, t) : null;
        const held = lits ? await heldElsewhere(pe, p, r.keyValues as SqlValue[], lits) : null;
        if (held) {
          p.entry.refused++;
          refusedWhy.add(`${r.kind}: ${held}`);
          continue;
        }
        const rw = pe.sql.rows.primaryRewrite(t, key, r.keyValues as SqlValue[], lits, r.kind);
        if ('refused' in rw) {
          p.entry.refused++;
          refusedWhy.add(`${r.kind}: ${rw.refused}`);
          continue;
        }
        for (const s of rw.statements) await ws.query(s);
        statements += rw.statements.length;
      }
      await ws.query(pe.sql.rows.commit());
    } catch (err) {
      await ws.query(pe.sql.rows.rollback()).catch(() => undefined);
      throw err;
    }
    p.entry.statements += statements;
    p.entry.transactions++;
    if (refusedWhy.size) p.entry.reason = [p.entry.reason, ...refusedWhy].filter(Boolean).join('; ');
  } finally {
    await ws.close();
  }
}

/**
 * The primary path on an engine whose rewrite cannot clear a replica's row holding one of the
 * row's unique values (PostgreSQL): such a row on the replica would make the replicated write fail
 * there, which stops a subscription. Null when none does (or the replica cannot be asked).
 */
async function heldElsewhere(pe: Engine, p: Prepared, keyValues: SqlValue[], lits: readonly string[]): Promise<string | null> {
  const re = p.node?.engine;
  const rs = p.node?.control;
  if (pe.sql.rows.upsertClearsUniqueHolders || !re || !rs || !p.key) return null;
  const q = re.sql.rows.uniqueHolders(p.t!, p.key, keyValues, lits);
  if (!q) return null;
  const n = re.sql.parseCount((await rs.query(q))[0]!);
  return n > 0
    ? 'another row on the replica holds one of its unique values: replicated, the primary\'s write would fail there and stop replication; use --apply replica'
    : null;
}

/** Session settings that need privileges: say which, rather than the server's bare refusal. */
async function privileged(s: Session, stmt: string, side: string, label: string): Promise<void> {
  try {
    await s.query(stmt);
  } catch (err) {
    throw new SyncpointError(
      'config',
      `cannot run "${stmt}" on the ${side}: ${messageOf(err)} (MariaDB: SUPER or BINLOG ADMIN; MySQL 8: SYSTEM_VARIABLES_ADMIN or SESSION_VARIABLES_ADMIN; PostgreSQL: superuser)`,
      label,
    );
  }
}

/**
 * One comment line of the printed script. Names and messages in it come from the servers (table,
 * trigger and constraint names may hold a line break): a break would end the comment and run the
 * rest as SQL, so every control or line-separator character becomes a space.
 */
export function comment(text: string): string {
  return `-- ${text.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]/g, ' ')}`;
}

function scriptText(r: RepairResult, body: readonly string[], pe: Engine): string {
  if (body.length === 0) return `${comment(`syncpoint repair: nothing to repair (primary ${r.primary})`)}\n`;
  const head = [
    comment(`syncpoint repair: SQL that makes each replica equal to primary ${r.primary}.`),
    '-- Run each block on the replica it names. The statements below first keep this session\'s',
    '-- writes from being replicated any further, as --apply replica does (they fail without the',
    '-- privilege for it: then stop, rather than write into the replica\'s own change stream).',
    '-- Every row statement was built from the primary\'s row as it was when this script was written.',
    ...r.warnings.map((w) => comment(`warning: ${w}`)),
    ...pe.sql.rows.replicaWriteSetup().map((s) => `${s};`),
    ...pe.sql.rows.scriptPreamble().map((s) => `${s};`),
    '',
  ];
  return [...head, ...body].join('\n');
}

export type { RepairResult } from './repair-result.js';

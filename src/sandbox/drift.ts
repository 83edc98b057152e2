/**
 * Writes on one node behind replication's back: what `demo` and the tests use to create drift.
 *
 * MariaDB: the session turns sql_log_bin off, so the change neither reaches other servers nor
 * leaves an errant GTID (pass `binlog: true` for the errant-GTID variant; with gtid_strict_mode
 * that stops the replica's replication at the primary's next event). root holds SUPER/READ_ONLY
 * ADMIN, so read_only replicas accept it. PostgreSQL: subscribers take plain writes; a physical
 * standby cannot be written at all; on the primary a write always replicates.
 */
import { usageError } from '../errors.js';
import { nodeOf } from './catch-up.js';
import { connectDsn, errorText, type ExecResult, type Params } from './node-client.js';
import { nodeError } from './node-ops.js';
import { SAMPLE_SCHEMA, validSchemaName } from './sample-schema.js';
import type { SandboxInfo } from './types.js';

export interface ExecOnNodeOptions {
  /** Bound parameters for every statement (MariaDB `?`, PostgreSQL `$1`). */
  params?: Params;
  /** Default database for MariaDB sessions. */
  database?: string;
  /** MariaDB: log the statements to this node's binlog (creates errant GTIDs on a replica). Default false. */
  binlog?: boolean;
}

/** Runs statements on one node, in order, in one session; returns each statement's rows/affected count. */
export async function execOnNode(info: SandboxInfo, nodeName: string, sql: string | readonly string[], opts: ExecOnNodeOptions = {}): Promise<ExecResult[]> {
  const node = nodeOf(info, nodeName);
  if (node.role === 'standby') throw usageError(`${nodeName} is a physical standby (read-only hot standby): it cannot be written; use the primary or a logical subscriber`);
  const statements = typeof sql === 'string' ? [sql] : sql;
  const c = await connectDsn(node.dsn, opts.database ? { database: opts.database } : {}).catch((err: unknown) => {
    throw nodeError(node, 'connection', `cannot connect: ${errorText(err)}`, err);
  });
  try {
    if (info.engine === 'mariadb' && !opts.binlog) await c.exec('SET SESSION sql_log_bin = 0');
    const out: ExecResult[] = [];
    for (const s of statements) {
      try {
        out.push(await c.exec(s, opts.params));
      } catch (err) {
        throw nodeError(node, 'server', `statement failed: ${errorText(err)}`, err);
      }
    }
    return out;
  } finally {
    await c.close();
  }
}

export type DriftKind = 'update' | 'delete' | 'insert' | 'case' | 'nokey';
export const DRIFT_KINDS: readonly DriftKind[] = ['update', 'delete', 'insert', 'case', 'nokey'];

export interface InjectedDrift {
  readonly kind: DriftKind;
  /** "schema.table" */
  readonly table: string;
  /** Key of the row concerned (column → value), or null for the keyless table. */
  readonly key: Record<string, string> | null;
  readonly description: string;
}

/**
 * Injects drift into the sample schema on one node: a changed row (customers), a missing row
 * (order_items, composite key), an extra row (orders), a case-only change (customers.email,
 * equal under a case-insensitive collation) and a changed row in the keyless table (events).
 */
export async function injectDrift(info: SandboxInfo, nodeName: string, kinds: readonly DriftKind[] = DRIFT_KINDS, opts: { schema?: string } = {}): Promise<InjectedDrift[]> {
  const schema = opts.schema ?? SAMPLE_SCHEMA;
  if (!validSchemaName(schema)) throw usageError(`invalid schema name ${JSON.stringify(schema)}`);
  const my = info.engine === 'mariadb';
  const t = (name: string) => (my ? `\`${schema}\`.\`${name}\`` : `"${schema}"."${name}"`);
  const ph = (i: number) => (my ? '?' : `$${i}`);
  const one = async (sql: string, params: Params = []) => (await execOnNode(info, nodeName, sql, { params }))[0]!;
  const firstRow = async (sql: string, params: Params = []) => (await one(sql, params)).rows[0];
  const out: InjectedDrift[] = [];

  for (const kind of kinds) {
    switch (kind) {
      case 'update': {
        const r = await firstRow(`SELECT id FROM ${t('customers')} WHERE id >= (SELECT max(id) / 3 FROM ${t('customers')}) ORDER BY id LIMIT 1`);
        if (!r) break;
        const id = String(r['id']);
        await one(`UPDATE ${t('customers')} SET balance = balance + 0.01 WHERE id = ${ph(1)}`, [id]);
        out.push({ kind, table: `${schema}.customers`, key: { id }, description: `customers id=${id}: balance +0.01` });
        break;
      }
      case 'delete': {
        const r = await firstRow(`SELECT order_id, line_no FROM ${t('order_items')} WHERE order_id >= (SELECT max(order_id) / 2 FROM ${t('order_items')}) ORDER BY order_id, line_no LIMIT 1`);
        if (!r) break;
        const key = { order_id: String(r['order_id']), line_no: String(r['line_no']) };
        await one(`DELETE FROM ${t('order_items')} WHERE order_id = ${ph(1)} AND line_no = ${ph(2)}`, [key.order_id, key.line_no]);
        out.push({ kind, table: `${schema}.order_items`, key, description: `order_items (${key.order_id}, ${key.line_no}) deleted` });
        break;
      }
      case 'insert': {
        const r = await firstRow(`SELECT coalesce(max(id), 0) + 1000 AS id FROM ${t('orders')}`);
        const id = String(r!['id']);
        await one(
          `INSERT INTO ${t('orders')} (id, customer_id, status, total, currency, placed_at, shipped_on, note) VALUES (${[1, 2, 3, 4, 5, 6, 7, 8].map(ph).join(', ')})`,
          [id, 1, 'new', '13.37', 'EUR', '2024-06-01 12:00:00.000001', null, 'written on the replica'],
        );
        out.push({ kind, table: `${schema}.orders`, key: { id }, description: `orders id=${id}: extra row` });
        break;
      }
      case 'case': {
        const r = await firstRow(`SELECT id, email FROM ${t('customers')} WHERE id >= (SELECT max(id) * 2 / 3 FROM ${t('customers')}) ORDER BY id LIMIT 1`);
        if (!r) break;
        const id = String(r['id']);
        await one(`UPDATE ${t('customers')} SET email = upper(email) WHERE id = ${ph(1)}`, [id]);
        out.push({ kind, table: `${schema}.customers`, key: { id }, description: `customers id=${id}: email upper-cased (equal under a case-insensitive collation)` });
        break;
      }
      case 'nokey': {
        const sql = my
          ? `UPDATE ${t('events')} SET kind = 'tampered' ORDER BY occurred_at DESC, kind LIMIT 1`
          : `UPDATE ${t('events')} SET kind = 'tampered' WHERE ctid = (SELECT ctid FROM ${t('events')} ORDER BY occurred_at DESC, kind LIMIT 1)`;
        const res = await one(sql);
        if (res.affected > 0) out.push({ kind, table: `${schema}.events`, key: null, description: `events (no key): one row's kind set to 'tampered'` });
        break;
      }
    }
  }
  return out;
}

/**
 * startWriteLoad: small transactions (inserts, updates, deletes) on the sample tables over a few
 * connections, paced to a target rate, stopping by itself after durationMs. Statements carry
 * literal values only (no NOW(), RAND(), UUID(), LIMIT without ORDER BY), so they replicate
 * identically under statement-based logging: drift found under this load is the tool's fault.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { usageError } from '../errors.js';
import { connectDsn, type NodeClient, type Params } from './node-client.js';
import { Prng } from './prng.js';
import { SAMPLE_SCHEMA, SAMPLE_TABLES, validSchemaName, type SampleTable } from './sample-schema.js';
import type { SandboxEngine } from './types.js';

export interface WriteLoadOptions {
  /** Tables to write to (default: all sample tables). */
  tables?: readonly SampleTable[];
  /** Target transactions per second over all connections. Default 300. */
  tps?: number;
  /** Stops by itself after this long. Default 60 000 ms. */
  durationMs?: number;
  /** Concurrent connections. Default 3. */
  connections?: number;
  /** Sample schema/database. Default 'shop'. */
  schema?: string;
  seed?: number;
}

export interface WriteLoadResult {
  readonly transactions: number;
  readonly errors: number;
  /** The last error's text, for diagnostics. */
  readonly lastError: string | null;
  readonly durationMs: number;
}

export interface WriteLoad {
  /** Stops the load (waits for in-flight transactions) and returns what it did. Idempotent. */
  stop(): Promise<WriteLoadResult>;
  /** Resolves when the load ends, by stop() or by durationMs. */
  readonly done: Promise<WriteLoadResult>;
  /** Committed transactions so far. */
  readonly transactions: number;
}

interface Ranges {
  customers: number;
  orders: number;
  products: number;
}

/** One transaction: statements run between BEGIN and COMMIT. */
type Txn = Array<{ sql: string; params: Params }>;

class StatementBuilder {
  private seq = 0;
  constructor(
    private readonly e: SandboxEngine,
    private readonly schema: string,
    private readonly runId: string,
  ) {}

  t(name: SampleTable): string {
    return this.e === 'mariadb' ? `\`${this.schema}\`.\`${name}\`` : `"${this.schema}"."${name}"`;
  }

  ph(i: number): string {
    return this.e === 'mariadb' ? '?' : `$${i}`;
  }

  list(n: number): string {
    return Array.from({ length: n }, (_, i) => this.ph(i + 1)).join(', ');
  }

  ts(r: Prng): string {
    const ms = Date.UTC(2025, 0, 1) + r.int(0, 365 * 86_400_000);
    return new Date(ms).toISOString().replace('T', ' ').replace('Z', '') + String(r.int(0, 999)).padStart(3, '0');
  }

  build(table: SampleTable, r: Prng, ranges: Ranges, tables: ReadonlySet<SampleTable>): Txn {
    const my = this.e === 'mariadb';
    const op = r.next();
    switch (table) {
      case 'customers': {
        if (op < 0.7) {
          return [{ sql: `UPDATE ${this.t('customers')} SET balance = balance + ${this.ph(1)}, updated_at = ${this.ph(2)} WHERE id = ${this.ph(3)}`, params: [(r.int(-500, 500) / 100).toFixed(2), this.ts(r), r.int(1, ranges.customers)] }];
        }
        const n = ++this.seq;
        const cols = ['email', 'name', 'country', 'tier', 'flags', 'balance', 'active', 'created_at', 'ext_uuid'];
        const uuid = `${this.runId}-0000-4000-8000-${String(n).padStart(12, '0')}`;
        return [
          {
            sql: `INSERT INTO ${this.t('customers')} (${cols.join(', ')}) VALUES (${this.list(cols.length)})`,
            params: [`load.${this.runId}.${n}@example.com`, `Load ${n}`, 'SE', 'free', my ? 'beta' : ['beta'], '0.00', my ? 1 : true, this.ts(r), uuid],
          },
        ];
      }
      case 'products':
        return [{ sql: `UPDATE ${this.t('products')} SET stock = stock + ${this.ph(1)} WHERE id = ${this.ph(2)}`, params: [r.int(-5, 5), r.int(1, ranges.products)] }];
      case 'orders': {
        if (op < 0.5) {
          const cols = ['customer_id', 'status', 'total', 'currency', 'placed_at'];
          const insert = { sql: `INSERT INTO ${this.t('orders')} (${cols.join(', ')}) VALUES (${this.list(cols.length)})`, params: [r.int(1, ranges.customers), 'new', (r.int(100, 100_000) / 100).toFixed(2), 'EUR', this.ts(r)] };
          if (!tables.has('order_items')) return [insert];
          // The new order's id comes from the same session (LAST_INSERT_ID is replicated with the statement).
          const itemCols = 'order_id, line_no, product_id, qty, unit_price, discount';
          const item = my
            ? { sql: `INSERT INTO ${this.t('order_items')} (${itemCols}) VALUES (LAST_INSERT_ID(), 1, ?, ?, ?, 0)`, params: [r.int(1, ranges.products), r.int(1, 5), '9.99'] }
            : { sql: `INSERT INTO ${this.t('order_items')} (${itemCols}) VALUES (currval(pg_get_serial_sequence('${this.schema}.orders', 'id')), 1, $1, $2, $3, 0)`, params: [r.int(1, ranges.products), r.int(1, 5), '9.99'] };
          return [insert, item];
        }
        if (op < 0.85) return [{ sql: `UPDATE ${this.t('orders')} SET status = ${this.ph(1)} WHERE id = ${this.ph(2)}`, params: [r.pick(['paid', 'shipped', 'cancelled']), r.int(1, ranges.orders)] }];
        const id = r.int(1, ranges.orders);
        const del: Txn = [{ sql: `DELETE FROM ${this.t('orders')} WHERE id = ${this.ph(1)}`, params: [id] }];
        if (tables.has('order_items')) del.push({ sql: `DELETE FROM ${this.t('order_items')} WHERE order_id = ${this.ph(1)}`, params: [id] });
        return del;
      }
      case 'order_items': {
        const orderId = r.int(1, ranges.orders);
        if (op < 0.7) return [{ sql: `UPDATE ${this.t('order_items')} SET qty = ${this.ph(1)} WHERE order_id = ${this.ph(2)} AND line_no = 1`, params: [r.int(1, 20), orderId] }];
        return [{ sql: `DELETE FROM ${this.t('order_items')} WHERE order_id = ${this.ph(1)} AND line_no = ${this.ph(2)}`, params: [orderId, r.int(1, 3)] }];
      }
      case 'events': {
        const cols = ['occurred_at', 'kind', 'customer_id', 'payload'];
        return [{ sql: `INSERT INTO ${this.t('events')} (${cols.join(', ')}) VALUES (${this.list(cols.length)})`, params: [this.ts(r), r.pick(['view', 'search', 'cart']), r.int(1, ranges.customers), JSON.stringify({ load: this.runId, n: ++this.seq })] }];
      }
    }
  }
}

async function readRanges(c: NodeClient, b: StatementBuilder): Promise<Ranges> {
  const one = async (sql: string) => Number((await c.query(sql))[0]?.['m'] ?? 0) || 1;
  return {
    customers: await one(`SELECT max(id) AS m FROM ${b.t('customers')}`),
    orders: await one(`SELECT max(id) AS m FROM ${b.t('orders')}`),
    products: await one(`SELECT max(id) AS m FROM ${b.t('products')}`),
  };
}

export async function startWriteLoad(dsn: string, opts: WriteLoadOptions = {}): Promise<WriteLoad> {
  const tps = opts.tps ?? 300;
  const durationMs = opts.durationMs ?? 60_000;
  const connections = opts.connections ?? 3;
  const schema = opts.schema ?? SAMPLE_SCHEMA;
  const tables = new Set<SampleTable>(opts.tables ?? SAMPLE_TABLES);
  if (!(tps > 0) || !(durationMs > 0) || !Number.isInteger(connections) || connections < 1) throw usageError('write load: tps, durationMs and connections must be positive');
  if (!validSchemaName(schema)) throw usageError(`invalid schema name ${JSON.stringify(schema)}`);
  for (const t of tables) if (!SAMPLE_TABLES.includes(t)) throw usageError(`write load: unknown sample table "${t}"`);

  const clients: NodeClient[] = [];
  try {
    for (let i = 0; i < connections; i++) clients.push(await connectDsn(dsn));
  } catch (err) {
    await Promise.all(clients.map((c) => c.close()));
    throw err;
  }
  const e = clients[0]!.engine;
  const runId = (Date.now() % 100_000_000).toString(16).padStart(8, '0');
  const builder = new StatementBuilder(e, schema, runId);
  let ranges: Ranges;
  try {
    ranges = await readRanges(clients[0]!, builder);
    if (e === 'mariadb') for (const c of clients) await c.exec('SET SESSION innodb_lock_wait_timeout = 5');
    else for (const c of clients) await c.exec("SET lock_timeout = '5s'");
  } catch (err) {
    await Promise.all(clients.map((c) => c.close()));
    throw err;
  }

  const started = Date.now();
  const endAt = started + durationMs;
  const tableList = [...tables];
  let stopping = false;
  let transactions = 0;
  let errors = 0;
  let lastError: string | null = null;
  // Each connection paces itself to its share of the target rate.
  const intervalMs = (1000 * connections) / tps;
  const rng = new Prng(opts.seed ?? 7);

  const worker = async (c: NodeClient) => {
    let next = Date.now();
    while (!stopping && Date.now() < endAt) {
      const txn = builder.build(rng.pick(tableList), rng, ranges, tables);
      try {
        await c.exec('BEGIN');
        for (const s of txn) await c.exec(s.sql, s.params);
        await c.exec('COMMIT');
        transactions++;
      } catch (err) {
        errors++;
        lastError = err instanceof Error ? err.message : String(err);
        await c.exec('ROLLBACK').catch(() => {});
        // A broken session: back off instead of spinning on errors.
        await sleep(50);
      }
      next += intervalMs;
      const wait = Math.min(next - Date.now(), endAt - Date.now());
      if (wait > 0) await sleep(wait);
      else if (next < Date.now() - 1000) next = Date.now();
    }
  };

  const done = Promise.all(clients.map(worker)).then(async () => {
    await Promise.all(clients.map((c) => c.close()));
    return { transactions, errors, lastError, durationMs: Date.now() - started };
  });
  return {
    stop: async () => {
      stopping = true;
      return done;
    },
    done,
    get transactions() {
      return transactions;
    },
  };
}

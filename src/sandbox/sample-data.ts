/**
 * loadSampleData: (re)creates the sample schema on the primary and fills it with reproducible
 * rows (seeded PRNG, one stream per table, so the content does not depend on batch order),
 * loaded with multi-row INSERTs over two connections, then waits until every replica has it.
 *
 * PostgreSQL logical subscribers get the schema too (DDL is not replicated logically) and a
 * REFRESH PUBLICATION, so loading works whether or not `up` pre-created the schema.
 */
import type { Logger } from 'pino';
import { usageError } from '../errors.js';
import { silentLogger } from '../log.js';
import { primaryOf, waitForReplicas } from './catch-up.js';
import { connectDsn, errorText, type NodeClient } from './node-client.js';
import { nodeError } from './node-ops.js';
import { Prng } from './prng.js';
import { dropSampleSchemaSql, SAMPLE_COLUMNS, SAMPLE_SCHEMA, SAMPLE_TABLES, sampleSchemaSql, type SampleTable } from './sample-schema.js';
import type { SandboxEngine, SandboxInfo } from './types.js';

export interface SampleDataOptions {
  /** Approximate total rows over all tables. Default 120 000. */
  rows?: number;
  /** MariaDB database / PostgreSQL schema. Default 'shop'. */
  schema?: string;
  /** PRNG seed: the same seed gives the same rows. Default 20240601. */
  seed?: number;
  /** Bound for loading plus replicas catching up. Default 180 s. */
  timeoutMs?: number;
  log?: Logger;
}

export interface SampleDataResult {
  readonly schema: string;
  readonly tables: ReadonlyArray<{ readonly table: SampleTable; readonly rows: number }>;
  readonly totalRows: number;
  readonly durationMs: number;
}

const DEFAULT_ROWS = 120_000;
const DEFAULT_SEED = 20240601;

export interface SampleSizes {
  readonly customers: number;
  readonly products: number;
  readonly orders: number;
  readonly events: number;
}

/** Rows per table for a total; order_items gets ~2 lines per order (1 to 3). */
export function sampleSizes(rows: number): SampleSizes {
  const customers = Math.max(1, Math.round(rows * 0.1));
  const products = Math.min(30_000, Math.max(1, Math.round(rows * 0.01)));
  const orders = Math.max(1, Math.round(rows * 0.22));
  const events = Math.max(1, rows - customers - products - orders - 2 * orders);
  return { customers, products, orders, events };
}

// ---------------------------------------------------------------------------------------------
// Value generators

const FIRST = ['Anna', 'Ben', 'Chloé', 'Dmitri', 'Eve', 'François', 'Grete', 'Hiro', 'Ines', 'José', 'Kai', 'Łukasz', 'Maëlle', 'Noor', "O'Neil", 'Priya', 'Quentin', 'Renée', 'Søren', 'Tomás', 'Ulla', 'Viktor', 'Wen', 'Xavier', 'Yusuf', 'Zoë', '李', 'Ngọc', 'Björk', 'Ōta'];
const LAST = ['Smith', 'Müller', 'García', 'Nowak', 'Rossi', 'Dubois', 'Kowalski', 'Tanaka', 'Okafor', 'Nguyễn', 'Johansson', 'Silva', "D'Angelo", 'Van der Berg', 'Šimek', 'Øster', '王', 'Iyer'];
const COUNTRIES = ['US', 'DE', 'FR', 'PL', 'BR', 'JP', 'IN', 'NG', 'SE', 'VN', 'GB', 'ES'];
const TIERS = ['free', 'free', 'free', 'pro', 'pro', 'enterprise'];
const FLAGS = ['newsletter', 'beta', 'vip', 'staff'];
const STATUSES = ['new', 'paid', 'paid', 'shipped', 'shipped', 'shipped', 'cancelled', 'refunded'];
const CURRENCIES = ['USD', 'EUR', 'PLN', 'JPY', 'GBP'];
const ADJ = ['Red', 'Quiet', 'Rapid', 'Tiny', 'Grand', 'Smart', 'Ürban', 'Solid', 'Sunny', 'Nordic'];
const NOUNS = ['Lamp', 'Chair', 'Kettle', 'Backpack', 'Notebook', 'Headphones', 'Mug', 'Bike', 'Drone', 'Jacket'];
const KINDS = ['login', 'logout', 'view', 'search', 'cart', 'checkout', 'error'];
const AGENTS = ['Mozilla/5.0 (X11; Linux x86_64)', 'curl/8.5.0', 'okhttp/4.12', '', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0)'];
// NULL, '', the string 'NULL', quotes, backslashes, control characters and 4-byte UTF-8: the
// cases a row hash must keep apart.
const NOTES: ReadonlyArray<string | null> = [null, '', 'NULL', 'null', 'prefers email', "it's \"quoted\"", 'back\\slash', 'tab\there', 'line1\nline2', 'emoji 🙂🚀', ' leading space', 'trailing space ', 'caf\u00e9 vs cafe\u0301'];

const BASE_MS = Date.UTC(2019, 0, 1);
const SPAN_MS = Date.UTC(2025, 0, 1) - BASE_MS;

const p2 = (n: number) => String(n).padStart(2, '0');

function fmtDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}`;
}

/** 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC (every sandbox session runs in UTC). */
function fmtTs(ms: number, micros: number): string {
  const d = new Date(ms);
  const frac = String((ms % 1000) * 1000 + micros).padStart(6, '0');
  return `${fmtDate(ms)} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${frac}`;
}

function uuid(r: Prng): string {
  const h = r.bytes(16);
  h[6] = (h[6]! & 0x0f) | 0x40;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const s = h.toString('hex');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

const ascii = (s: string) => s.normalize('NFD').replace(/[^a-zA-Z]/g, '').toLowerCase() || 'x';
const money = (cents: number) => (cents / 100).toFixed(2);

type Row = unknown[];

function* customers(e: SandboxEngine, n: number, r: Prng): Generator<Row> {
  for (let id = 1; id <= n; id++) {
    const first = r.pick(FIRST);
    const last = r.pick(LAST);
    let email = `${ascii(first)}.${ascii(last)}.${id}@example.${r.pick(['com', 'org', 'net'])}`;
    if (id % 97 === 0) email = email[0]!.toUpperCase() + email.slice(1);
    const flags = FLAGS.filter(() => r.chance(0.25));
    const extRef = id === 1 ? '9223372036854775807' : id === 2 ? '-9223372036854775808' : id % 11 === 0 ? null : String(r.int(-(2 ** 40), 2 ** 40));
    const created = BASE_MS + Math.floor(r.next() * SPAN_MS);
    yield [
      id,
      email,
      `${first} ${last}`,
      r.pick(COUNTRIES),
      r.pick(TIERS),
      e === 'mariadb' ? flags.join(',') : flags,
      money(r.int(-50_000, 5_000_000)),
      id % 13 === 0 ? null : Math.round(r.next() * 10_000) / 100,
      id % 17 === 0 ? null : r.next(),
      extRef === null ? null : e === 'mariadb' ? BigInt(extRef) : extRef,
      e === 'mariadb' ? (r.chance(0.85) ? 1 : 0) : r.chance(0.85),
      id % 7 === 0 ? null : fmtDate(Date.UTC(1940, 0, 1) + r.int(0, 65 * 365) * 86_400_000),
      fmtTs(created, r.int(0, 999)),
      id % 5 === 0 ? null : fmtTs(created + r.int(0, 400 * 86_400) * 1000, r.int(0, 999)),
      id % 3 === 0 ? r.pick(NOTES) : id % 31 === 0 ? `Long note ${id}: ${'lorem ipsum dolor sit amet '.repeat(r.int(5, 40))}` : null,
      uuid(r),
    ];
  }
}

function* products(e: SandboxEngine, n: number, r: Prng): Generator<Row> {
  for (let id = 1; id <= n; id++) {
    const attrs = {
      color: r.pick(['red', 'green', 'blue', 'black', 'weiß']),
      sizes: ['S', 'M', 'L', 'XL'].filter(() => r.chance(0.5)),
      dims: { w: r.int(1, 200), h: r.int(1, 200), d: Math.round(r.next() * 1000) / 10 },
      fragile: r.chance(0.2),
      rating: r.chance(0.1) ? null : Math.round(r.next() * 50) / 10,
    };
    const perms = r.int(0, 255);
    yield [
      id,
      `SKU-${String(id).padStart(8, '0')}`,
      `${r.pick(ADJ)} ${r.pick(NOUNS)} ${id}`,
      money(r.int(99, 999_999)),
      Math.round(r.next() * 50_000) / 1000,
      r.int(-10, 100_000),
      e === 'mariadb' ? perms : perms.toString(2).padStart(8, '0'),
      id % 9 === 0 ? null : JSON.stringify(attrs),
      id % 4 === 0 ? null : r.bytes(r.int(16, 512)),
      r.bytes(16),
    ];
  }
}

function* orders(_e: SandboxEngine, n: number, customersN: number, r: Prng): Generator<Row> {
  for (let id = 1; id <= n; id++) {
    const placed = BASE_MS + Math.floor(r.next() * SPAN_MS);
    const status = r.pick(STATUSES);
    yield [
      id,
      r.int(1, customersN),
      status,
      money(r.int(100, 2_500_000)),
      r.pick(CURRENCIES),
      fmtTs(placed, r.int(0, 999)),
      status === 'shipped' ? fmtDate(placed + r.int(1, 14) * 86_400_000) : null,
      r.chance(0.1) ? r.pick(NOTES) : null,
    ];
  }
}

function* orderItems(_e: SandboxEngine, ordersN: number, productsN: number, r: Prng): Generator<Row> {
  for (let orderId = 1; orderId <= ordersN; orderId++) {
    const lines = r.int(1, 3);
    for (let line = 1; line <= lines; line++) {
      yield [orderId, line, r.int(1, productsN), r.int(1, 20), money(r.int(99, 99_999)), r.pick([0, 0, 0, 0.05, 0.1, 0.15, 0.333])];
    }
  }
}

function* events(e: SandboxEngine, n: number, customersN: number, r: Prng): Generator<Row> {
  let t = BASE_MS;
  let prev: Row | null = null;
  for (let i = 1; i <= n; i++) {
    // A few exact duplicate rows: a keyless table may hold them, and they must not cancel out.
    if (prev && i % 200 === 0) {
      yield prev;
      continue;
    }
    t += r.int(0, Math.max(1, Math.floor(SPAN_MS / n) * 2));
    const v6 = r.chance(0.1);
    const ipBytes = r.bytes(v6 ? 16 : 4);
    const ip = r.chance(0.05) ? null : e === 'mariadb' ? ipBytes : v6 ? ipv6Text(ipBytes) : [...ipBytes].join('.');
    const kind = r.pick(KINDS);
    const payload = r.chance(0.2) ? null : JSON.stringify({ n: i, kind, path: `/p/${r.int(1, 5000)}`, q: r.chance(0.3) ? 'naïve "search"' : null, ms: r.int(1, 3000) });
    // Whole seconds now and then: timestamps that collide, so the keyless table has no natural order.
    const row: Row = [fmtTs(t - (i % 7 === 0 ? t % 1000 : 0), i % 7 === 0 ? 0 : r.int(0, 999)), kind, r.chance(0.3) ? null : r.int(1, customersN), ip, payload, r.chance(0.1) ? null : r.pick(AGENTS)];
    prev = row;
    yield row;
  }
}

function ipv6Text(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  return groups.join(':');
}

function tableRows(e: SandboxEngine, table: SampleTable, sizes: SampleSizes, seed: number): Generator<Row> {
  const r = new Prng((seed * 31 + SAMPLE_TABLES.indexOf(table) + 1) >>> 0);
  switch (table) {
    case 'customers':
      return customers(e, sizes.customers, r);
    case 'products':
      return products(e, sizes.products, r);
    case 'orders':
      return orders(e, sizes.orders, sizes.customers, r);
    case 'order_items':
      return orderItems(e, sizes.orders, sizes.products, r);
    case 'events':
      return events(e, sizes.events, sizes.customers, r);
  }
}

// ---------------------------------------------------------------------------------------------
// Loading

function insertSql(e: SandboxEngine, schema: string, table: SampleTable, rowCount: number): string {
  const cols = SAMPLE_COLUMNS[table];
  if (e === 'mariadb') return `INSERT INTO \`${schema}\`.\`${table}\` (${cols.map((c) => `\`${c}\``).join(', ')}) VALUES ?`;
  const tuples: string[] = [];
  let p = 1;
  for (let i = 0; i < rowCount; i++) tuples.push(`(${cols.map(() => `$${p++}`).join(', ')})`);
  return `INSERT INTO "${schema}"."${table}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES ${tuples.join(', ')}`;
}

async function insertBatch(c: NodeClient, schema: string, table: SampleTable, rows: Row[]): Promise<void> {
  const sql = insertSql(c.engine, schema, table, rows.length);
  if (c.engine === 'mariadb') await c.exec(sql, [rows]);
  else await c.exec(sql, rows.flat());
}

/** Rows per INSERT: PostgreSQL allows 65535 bind parameters per statement. */
function batchSize(e: SandboxEngine, table: SampleTable): number {
  return e === 'mariadb' ? 1000 : Math.floor(30_000 / SAMPLE_COLUMNS[table].length);
}

export async function loadSampleData(info: SandboxInfo, opts: SampleDataOptions = {}): Promise<SampleDataResult> {
  const started = Date.now();
  const log = opts.log ?? silentLogger;
  const schema = opts.schema ?? SAMPLE_SCHEMA;
  const rows = opts.rows ?? DEFAULT_ROWS;
  if (!Number.isInteger(rows) || rows < 10) throw usageError(`sample rows must be a whole number >= 10, got ${rows}`);
  const seed = opts.seed ?? DEFAULT_SEED;
  const deadline = started + (opts.timeoutMs ?? 180_000);
  const e = info.engine;
  const primary = primaryOf(info);
  const subscribers = info.nodes.filter((n) => n.role === 'subscriber');
  const sizes = sampleSizes(rows);

  // Subscribers first: their tables are dropped and re-created, then subscribed again below.
  for (const s of subscribers) {
    const c = await connectDsn(s.dsn).catch((err: unknown) => {
      throw nodeError(s, 'connection', `cannot connect: ${errorText(err)}`, err);
    });
    try {
      for (const sql of [...dropSampleSchemaSql(e, schema), ...sampleSchemaSql(e, schema)]) await c.exec(sql);
    } catch (err) {
      throw nodeError(s, 'server', `creating the sample schema failed: ${errorText(err)}`, err);
    } finally {
      await c.close();
    }
  }

  const conns: NodeClient[] = [];
  const counts = new Map<SampleTable, number>();
  try {
    for (let i = 0; i < 2; i++) {
      conns.push(
        await connectDsn(primary.dsn).catch((err: unknown) => {
          throw nodeError(primary, 'connection', `cannot connect: ${errorText(err)}`, err);
        }),
      );
    }
    try {
      for (const sql of [...dropSampleSchemaSql(e, schema), ...sampleSchemaSql(e, schema)]) await conns[0]!.exec(sql);
    } catch (err) {
      throw nodeError(primary, 'server', `creating the sample schema failed: ${errorText(err)}`, err);
    }
    for (const s of subscribers) {
      const c = await connectDsn(s.dsn);
      try {
        // New tables (new relids) join the subscription only on refresh.
        await c.exec(`ALTER SUBSCRIPTION ${s.replicationName} REFRESH PUBLICATION`);
      } catch (err) {
        throw nodeError(s, 'server', `refreshing the subscription failed: ${errorText(err)}`, err);
      } finally {
        await c.close();
      }
    }

    // Batches are handed out in a fixed sequence from per-table generators; content is
    // independent of which connection inserts which batch.
    const queue = SAMPLE_TABLES.map((t) => ({ table: t, gen: tableRows(e, t, sizes, seed) }));
    let qi = 0;
    const nextBatch = (): { table: SampleTable; rows: Row[] } | null => {
      while (qi < queue.length) {
        const { table, gen } = queue[qi]!;
        const size = batchSize(e, table);
        const batch: Row[] = [];
        while (batch.length < size) {
          const it = gen.next();
          if (it.done) break;
          batch.push(it.value);
        }
        if (batch.length > 0) return { table, rows: batch };
        qi++;
      }
      return null;
    };
    await Promise.all(
      conns.map(async (c) => {
        for (let b = nextBatch(); b; b = nextBatch()) {
          if (Date.now() > deadline) throw nodeError(primary, 'timeout', 'loading the sample data ran out of time');
          try {
            await insertBatch(c, schema, b.table, b.rows);
          } catch (err) {
            throw nodeError(primary, 'server', `loading ${schema}.${b.table} failed: ${errorText(err)}`, err);
          }
          counts.set(b.table, (counts.get(b.table) ?? 0) + b.rows.length);
        }
      }),
    );
    if (e === 'postgres') {
      // Explicit ids do not advance identity sequences; later plain INSERTs (write load) need them past the data.
      for (const t of ['customers', 'orders'] as const) {
        await conns[0]!.exec(`SELECT setval(pg_get_serial_sequence($1, 'id'), (SELECT max(id) FROM "${schema}"."${t}"))`, [`"${schema}"."${t}"`]);
      }
    }
  } finally {
    await Promise.all(conns.map((c) => c.close()));
  }
  log.info({ ms: Date.now() - started }, `sample data loaded into ${schema} on the primary`);
  await waitForReplicas(info, { timeoutMs: Math.max(1000, deadline - Date.now()) });
  const tables = SAMPLE_TABLES.map((t) => ({ table: t, rows: counts.get(t) ?? 0 }));
  return { schema, tables, totalRows: tables.reduce((a, t) => a + t.rows, 0), durationMs: Date.now() - started };
}

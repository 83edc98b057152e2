/**
 * `risks` as a numbered list:
 *   1. connect the primary, the named replicas (or those discovered from the primary);
 *   2. collect each server's facts once, in parallel, into frozen snapshots;
 *   3. read the workload: --sql files, --binlog files, the primary's binlog (--from-binlog) and its
 *      performance_schema statement digests when they are on;
 *   4. replay the workload against the primary's schema (unsafe statements, mixed-engine
 *      transactions, temporary tables, routines);
 *   5. run every rule that applies to the engine family on the facts;
 *   6. sort the findings and decide the verdict against --fail-on;
 *   7. close every connection (finally).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Logger } from 'pino';
import type { ConnectionSpec } from '../config/dsn.js';
import { discoverReplicaSpecs } from '../pipeline/topology/topology.js';
import { connectEngine } from '../engine/detect.js';
import type { Engine, Session } from '../engine/engine.js';
import type { Family } from '../engine/types.js';
import { auditBinlogEvents, auditStatementDigests } from '../engine/mysql-family/mysql-family-audit.js';
import { messageOf, SyncpointError, usageError } from '../errors.js';
import { binlogEventsToStream } from './binlog/binlog-events.js';
import { isBinlogFile, readBinlogFile } from './binlog/binlog-file.js';
import { collectFacts } from './collect.js';
import { RULES } from './rules/index.js';
import { Catalog } from './sql-analysis/catalog.js';
import { splitStatements } from './sql-analysis/split.js';
import type { Dialect } from './sql-analysis/tokenize.js';
import { buildWorkload, type StreamItem, type WorkloadSource } from './sql-analysis/workload.js';
import { SEVERITY_RANK, type Finding, type RiskContext, type ServerFacts, type Severity, type UnreachableServer } from './types.js';
import { compareText } from '../text-order.js';

export interface RisksOptions {
  /** Null: analyse --sql/--binlog files alone, without a server. */
  readonly primary: ConnectionSpec | null;
  readonly replicas: readonly ConnectionSpec[];
  readonly sqlFiles: readonly string[];
  readonly binlogFiles: readonly string[];
  readonly fromBinlog: boolean;
  /** Budget of binlog events read through the server (newest first, whole files). */
  readonly binlogMaxEvents: number;
  /** Read performance_schema statement digests when performance_schema is on. */
  readonly digests: boolean;
  readonly digestLimit: number;
  readonly failOn: Exclude<Severity, 'info'>;
  readonly maxLagSeconds: number;
  readonly connectTimeoutMs: number;
  /** PostgreSQL subscribers: time per table for the local-write scan (0 skips it). */
  readonly localWriteScanMs: number;
  /** Only these rule ids; none: all. */
  readonly rules?: readonly string[];
  readonly skipRules?: readonly string[];
  readonly log: Logger;
}

export const risksDefaults = Object.freeze({
  fromBinlog: false,
  binlogMaxEvents: 200_000,
  digests: true,
  digestLimit: 1000,
  failOn: 'error' as const,
  maxLagSeconds: 300,
  connectTimeoutMs: 10_000,
  localWriteScanMs: 5_000,
});

export type RisksVerdict = 'clean' | 'findings' | 'incomplete';

export interface RisksResult {
  readonly schemaVersion: 1;
  readonly command: 'risks';
  /** findings: at least one finding at or above failOn; incomplete: a server could not be audited. */
  readonly verdict: RisksVerdict;
  readonly failOn: Exclude<Severity, 'info'>;
  readonly primary: string | null;
  readonly replicas: string[];
  readonly findings: Finding[];
  readonly counts: Record<Severity, number>;
  /** What the statement rules read: files, binlogs, digests, and how many statements each held. */
  readonly sources: { name: string; kind: string; statements: number }[];
  readonly notes: string[];
  readonly durationMs: number;
}

export const RULE_IDS: readonly string[] = RULES.map((r) => r.id);

interface Node {
  readonly label: string;
  readonly engine: Engine;
  readonly session: Session;
  readonly role: 'primary' | 'replica';
}

/** Step 1: the primary, then the replicas named or discovered; unreachable ones are recorded, not fatal. */
async function connect(opts: RisksOptions, notes: string[], unreachable: UnreachableServer[], engines: Engine[]): Promise<{ primary: Node; replicas: Node[] }> {
  const connectOpts = { lockWaitMs: 1000, connectTimeoutMs: opts.connectTimeoutMs, appName: 'syncpoint-risks' };
  const spec = opts.primary!;
  const pe = await connectEngine(spec, connectOpts);
  engines.push(pe);
  const primary: Node = { label: spec.label, engine: pe, session: await pe.session(), role: 'primary' };
  let specs = [...opts.replicas];
  if (specs.length === 0) {
    if (pe.caps.replicaDiscovery) {
      try {
        // The same recursive discovery as check and topology: replicas of replicas are audited too.
        const found = await discoverReplicaSpecs({ primary: spec, connect: connectOpts, log: opts.log });
        notes.push(...found.notes);
        specs.push(...found.specs);
      } catch (err) {
        notes.push(`replica discovery failed: ${messageOf(err)}`);
      }
    }
    if (specs.length === 0) notes.push('no replicas named or discovered: only the primary was audited (name them with --replica)');
    const seen = new Set<string>();
    specs = specs.filter((s) => !seen.has(s.label) && seen.add(s.label));
  }
  const replicas = await Promise.all(
    specs.map(async (s): Promise<Node | null> => {
      if (s.label === spec.label) {
        unreachable.push({ label: s.label, role: 'replica', error: 'this is the primary itself, not a replica' });
        return null;
      }
      try {
        const e = await connectEngine(s, connectOpts);
        engines.push(e);
        if (e.family !== pe.family) {
          unreachable.push({ label: s.label, role: 'replica', error: `a ${e.flavor} server cannot replicate from a ${pe.flavor} primary` });
          return null;
        }
        return { label: s.label, engine: e, session: await e.session(), role: 'replica' };
      } catch (err) {
        if (err instanceof SyncpointError && err.kind === 'usage') throw err;
        unreachable.push({ label: s.label, role: 'replica', error: messageOf(err).replace(`${s.label}: `, '') });
        return null;
      }
    }),
  );
  return { primary, replicas: replicas.filter((r): r is Node => r !== null) };
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw usageError(`cannot read ${JSON.stringify(path)}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}

function sqlSource(path: string, text: string, dialect: Dialect, kind: WorkloadSource['kind'], loggedAs: WorkloadSource['loggedAs']): WorkloadSource {
  const name = basename(path);
  const items: StreamItem[] = splitStatements(text, dialect).map((s) => ({ type: 'statement', sql: s.tokens, text: s.text, at: `${name}:${s.line}` }));
  return { name, kind, loggedAs, items };
}

/** Step 3: every workload source the options name, plus the primary's own where it has them. */
async function readWorkload(opts: RisksOptions, primary: Node | null, primaryFacts: ServerFacts | null, dialect: Dialect, notes: string[]): Promise<WorkloadSource[]> {
  const sources: WorkloadSource[] = [];
  for (const f of opts.sqlFiles) sources.push(sqlSource(f, readText(f), dialect, 'sql', 'unknown'));
  for (const f of opts.binlogFiles) {
    let binary: boolean;
    try {
      binary = isBinlogFile(f);
    } catch (err) {
      throw usageError(`cannot read ${JSON.stringify(f)}: ${(err as Error).message}`);
    }
    if (!binary) {
      // mysqlbinlog output: SQL text with DELIMITER /*!*/; and BEGIN/COMMIT, replayed as logged statements.
      sources.push(sqlSource(f, readText(f), 'mysql', 'binlog', 'statement'));
      continue;
    }
    const r = readBinlogFile(f, opts.binlogMaxEvents);
    if (r.unreadable) notes.push(`${basename(f)}: ${r.unreadable} compressed event(s) not read`);
    if (r.truncated) notes.push(`${basename(f)}: read the first ${opts.binlogMaxEvents} events only (--binlog-events)`);
    sources.push({ name: `binlog ${basename(f)}`, kind: 'binlog', loggedAs: 'statement', items: binlogEventsToStream(r.events) });
  }
  if (primary && primaryFacts?.family === 'mysql-family') {
    if (opts.fromBinlog) {
      try {
        const r = await auditBinlogEvents(primary.session, opts.binlogMaxEvents);
        if (r.truncated) notes.push(`binlog: read the newest ${r.events.length} events (${r.files.join(', ')}); raise --binlog-events to read more`);
        sources.push({ name: `binlog ${r.files.join(', ') || '(none)'}`, kind: 'binlog', loggedAs: 'statement', items: binlogEventsToStream(r.events) });
      } catch (err) {
        notes.push(`binlog of ${primary.label} not read: ${messageOf(err)}`);
      }
    }
    if (opts.digests && (primaryFacts.variables['performance_schema'] ?? '').toUpperCase() === 'ON') {
      try {
        const digests = await auditStatementDigests(primary.session, opts.digestLimit);
        const items: StreamItem[] = digests.map((d, i) => ({ type: 'statement', sql: d.text, db: d.schema, at: `performance_schema digest #${i + 1}`, count: d.count }));
        sources.push({ name: 'performance_schema digests', kind: 'digest', loggedAs: 'unknown', items });
      } catch (err) {
        notes.push(`performance_schema digests of ${primary.label} not read: ${messageOf(err)}`);
      }
    }
  }
  return sources;
}

function tmpEngine(f: ServerFacts | null): string | null {
  if (!f || f.family !== 'mysql-family') return null;
  const tmp = f.variables['default_tmp_storage_engine'];
  return tmp && tmp.toUpperCase() !== 'NULL' ? tmp : (f.variables['default_storage_engine'] ?? f.variables['storage_engine'] ?? null);
}

export function sortFindings(findings: readonly Finding[]): Finding[] {
  const order = new Map(RULES.map((r, i) => [r.id, i]));
  return [...findings].sort(
    (a, b) =>
      SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
      (order.get(a.rule) ?? 99) - (order.get(b.rule) ?? 99) ||
      compareText(a.server, b.server) ||
      compareText(a.object, b.object),
  );
}

/** Step 5 on its own: the rules that apply to `family`, on a context (pure: tests call it on captured facts). */
export function runRules(ctx: RiskContext, family: Family, only?: readonly string[], skip?: readonly string[]): Finding[] {
  const out: Finding[] = [];
  for (const rule of RULES) {
    if (!rule.engines.includes(family)) continue;
    if (only && only.length > 0 && !only.includes(rule.id)) continue;
    if (skip?.includes(rule.id)) continue;
    out.push(...rule.run(ctx));
  }
  return out;
}

export function verdictOf(findings: readonly Finding[], failOn: Exclude<Severity, 'info'>, incomplete: boolean): RisksVerdict {
  if (findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn])) return 'findings';
  return incomplete ? 'incomplete' : 'clean';
}

export async function runRisks(opts: RisksOptions): Promise<RisksResult> {
  const started = Date.now();
  for (const id of [...(opts.rules ?? []), ...(opts.skipRules ?? [])]) {
    if (!RULE_IDS.includes(id)) throw usageError(`unknown rule "${id}" (rules: ${RULE_IDS.join(', ')})`);
  }
  if (!opts.primary && opts.sqlFiles.length === 0 && opts.binlogFiles.length === 0) throw usageError('--primary is required (or --sql/--binlog files to analyse without a server)');
  const notes: string[] = [];
  const unreachable: UnreachableServer[] = [];
  const engines: Engine[] = [];
  try {
    // 1. connect
    const nodes = opts.primary ? await connect(opts, notes, unreachable, engines) : null;
    // 2. collect facts, once per server
    const collectOpts = { localWriteScanMs: opts.localWriteScanMs };
    const [primaryFacts, ...replicaFacts] = nodes
      ? await Promise.all([nodes.primary, ...nodes.replicas].map((n) => collectFacts(n.engine, n.session, n.role, collectOpts)))
      : [null];
    for (const f of [primaryFacts, ...replicaFacts]) for (const g of f?.gaps ?? []) notes.push(`${f!.label}: not read: ${g}`);
    for (const u of unreachable) notes.push(`${u.label}: not audited: ${u.error}`);
    opts.log.debug({ servers: 1 + replicaFacts.length }, 'facts collected');
    const family: Family = primaryFacts?.family ?? 'mysql-family';
    const dialect: Dialect = family === 'postgres' ? 'postgres' : 'mysql';
    // 3. the workload
    const sources = await readWorkload(opts, nodes?.primary ?? null, primaryFacts ?? null, dialect, notes);
    // 4. replay it against the primary's schema
    const catalog = new Catalog(primaryFacts?.tables ?? [], primaryFacts?.autoIncrement ?? []);
    if (sources.length > 0 && catalog.size === 0 && !primaryFacts) notes.push('no primary: ORDER BY keys, auto-increment and engines are unknown, so order-dependent statements are reported as info');
    const workload = sources.length > 0 ? buildWorkload(sources, { catalog, dialect, tmpEngine: tmpEngine(primaryFacts ?? null) }) : null;
    // 5. the rules
    const ctx: RiskContext = Object.freeze({
      primary: primaryFacts ?? null,
      replicas: replicaFacts as ServerFacts[],
      unreachable,
      workload,
      options: { maxLagSeconds: opts.maxLagSeconds },
    });
    // 6. sort, verdict
    const findings = sortFindings(runRules(ctx, family, opts.rules, opts.skipRules));
    const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
    for (const f of findings) counts[f.severity]++;
    return {
      schemaVersion: 1,
      command: 'risks',
      verdict: verdictOf(findings, opts.failOn, unreachable.length > 0),
      failOn: opts.failOn,
      primary: nodes?.primary.label ?? null,
      replicas: [...replicaFacts.map((f) => f!.label), ...unreachable.map((u) => u.label)],
      findings,
      counts,
      sources: workload ? workload.sources.map((s) => ({ ...s })) : [],
      notes,
      durationMs: Date.now() - started,
    };
  } finally {
    // 7. close
    await Promise.all(engines.map((e) => e.close().catch(() => undefined)));
  }
}

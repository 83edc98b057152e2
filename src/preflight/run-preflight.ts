/**
 * `preflight` as a numbered list:
 *   1. validate: a candidate distinct from the primary and from the other replicas;
 *   2. connect the primary and the candidate, then the other replicas: those named, or with none
 *      named every server downstream of the primary (the discovery check and risks use) except
 *      the candidate; a replica that cannot be reached becomes a replicas-can-follow result, not
 *      the end of the run;
 *   3. read each server's facts once: the replicas and the candidate first, the primary last, so
 *      a transaction committed meanwhile can make the primary look ahead but never a replica
 *      look errant;
 *   4. run every check that applies to the family, in order; a check that throws becomes a
 *      could-not-run result and the others go on;
 *   5. order the results (failures first) and decide: go, no-go or incomplete;
 *   6. close every connection (finally).
 * Nothing here changes a server: no replication is stopped or started, no setting changed.
 */
import { connectEngine } from '../engine/detect.js';
import type { Engine } from '../engine/engine.js';
import { readMysqlFamilyGtidState, readMysqlFamilyPreflight } from '../engine/mysql-family/mysql-family-preflight.js';
import { readPostgresPreflight } from '../engine/postgres/postgres-preflight.js';
import type { ConnectionSpec } from '../config/dsn.js';
import { discoverReplicaSpecs } from '../pipeline/topology/topology.js';
import { messageOf, SyncpointError, usageError } from '../errors.js';
import { CHECKS } from './checks/index.js';
import { couldNotRun } from './result.js';
import type { NodeRole, PreflightCheckResult, PreflightContext, PreflightNode, PreflightOptions, PreflightResult, UnusableReplica } from './types.js';
import { orderResults, preflightVerdict, reasonsOf } from './verdict.js';

export const preflightDefaults = Object.freeze({
  waitSeconds: 30,
  maxLagSeconds: 0,
  dataCheck: 'check' as const,
  discover: true,
  connectTimeoutMs: 10_000,
});

export const CHECK_IDS: readonly string[] = CHECKS.map((c) => c.id);

/** Step 1. */
function validate(o: PreflightOptions): void {
  if (o.candidate.label === o.primary.label) throw usageError(`--candidate ${o.candidate.label} is the primary itself`);
  const seen = new Set<string>();
  for (const r of o.replicas) {
    if (r.label === o.primary.label) throw usageError(`--replica ${r.label} is the primary itself`);
    if (r.label === o.candidate.label) throw usageError(`--replica ${r.label} is the candidate: name the other replicas only`);
    if (seen.has(r.label)) throw usageError(`--replica ${r.label} is named twice`);
    seen.add(r.label);
  }
  if (o.addresses?.size && (o.replicas.length > 0 || !o.discover)) {
    throw usageError(o.replicas.length > 0 ? '--address is for discovery, which does not run when --replica names the other replicas' : '--address is for discovery: drop it or --no-discover');
  }
  if (!(o.waitSeconds >= 0)) throw usageError('--wait must be a number of seconds >= 0');
  if (!(o.maxLagSeconds >= 0)) throw usageError('--max-lag must be a number of seconds >= 0');
}

async function attempt<T>(gaps: string[], what: string, fallback: T, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof SyncpointError && err.kind === 'connection') throw err;
    gaps.push(`${what}: ${messageOf(err).replace(/^[^ ]+:\d+: /, '')}`);
    return fallback;
  }
}

/** Step 3 for one server. */
async function readNode(engine: Engine, spec: ConnectionSpec, role: NodeRole): Promise<PreflightNode> {
  const session = await engine.session();
  const gaps: string[] = [];
  const status = role === 'primary' ? null : await attempt(gaps, 'replica status', null, () => engine.replication.replicaStatus(session));
  let mysql: PreflightNode['mysql'] = null;
  let pg: PreflightNode['pg'] = null;
  let gtidState: string | null = null;
  if (engine.family === 'mysql-family') {
    const flavor = engine.flavor === 'mariadb' ? 'mariadb' : 'mysql';
    mysql = await attempt(gaps, 'variables and replication connections', null, () => readMysqlFamilyPreflight(session, flavor));
    gtidState = await attempt(gaps, 'gtid state', null, () => readMysqlFamilyGtidState(session, flavor));
  } else {
    pg = await attempt(gaps, 'standby state, settings and slots', null, () => readPostgresPreflight(session));
  }
  return Object.freeze({ label: spec.label, role, spec, engine, session, status, mysql, pg, gtidState, gaps: Object.freeze(gaps) });
}

/** Loopback spellings name the same server (discovery reports report_host, the user may type localhost). */
function sameLabel(a: string, b: string): boolean {
  const norm = (x: string) => x.replace(/^(localhost|::1|\[::1\]):/, '127.0.0.1:');
  return norm(a) === norm(b);
}

/** Step 2 for the other replicas when none are named: everything downstream of the primary but the candidate. */
async function discoverOthers(opts: PreflightOptions, pe: Engine, connect: { lockWaitMs: number; connectTimeoutMs: number; appName: string }, notes: string[], unusable: UnusableReplica[]): Promise<{ specs: ConnectionSpec[]; error: string | null }> {
  if (!pe.caps.replicaDiscovery) {
    const error = `${pe.flavor} cannot discover replicas from the primary: name them with --replica (or --no-discover when there are none)`;
    notes.push(error);
    return { specs: [], error };
  }
  let found: Awaited<ReturnType<typeof discoverReplicaSpecs>>;
  try {
    // The candidate as a known server: discovery matches it by the name its upstream reports
    // (application_name, slot), so a PostgreSQL standby without a reported port is still
    // recognised as the candidate and not listed as another replica nobody can reach.
    found = await discoverReplicaSpecs({ primary: opts.primary, known: [opts.candidate], connect, log: opts.log, ...(opts.addresses ? { addresses: opts.addresses } : {}) });
  } catch (err) {
    if (err instanceof SyncpointError && err.kind === 'usage') throw err;
    const error = messageOf(err);
    notes.push(`replica discovery failed: ${error}`);
    return { specs: [], error };
  }
  // Discovery's own line about the candidate would call it --replica (it was passed as known).
  notes.push(...found.notes.filter((n) => !n.startsWith(`found ${opts.candidate.label} `)));
  for (const u of found.unusable) {
    if (!sameLabel(u.label, opts.candidate.label)) unusable.push({ label: u.label, error: u.error, found: 'discovery' });
  }
  const specs: ConnectionSpec[] = [];
  let candidateSeen = false;
  for (const s of found.specs) {
    if (sameLabel(s.label, opts.candidate.label)) candidateSeen = true;
    else if (!sameLabel(s.label, opts.primary.label)) specs.push(s);
  }
  if (candidateSeen) notes.push(`${opts.candidate.label} is the candidate: not one of the replicas that must follow it`);
  if (specs.length === 0 && unusable.length === 0) notes.push('no other replica found downstream of the primary (a replica that does not report itself, e.g. without report_host, must be named with --replica)');
  return { specs, error: null };
}

export async function runPreflight(opts: PreflightOptions): Promise<PreflightResult> {
  const started = Date.now();
  // 1. validate
  validate(opts);
  const engines: Engine[] = [];
  const connectOpts = { lockWaitMs: 1000, connectTimeoutMs: opts.connectTimeoutMs, appName: 'syncpoint-preflight' };
  const open = async (spec: ConnectionSpec): Promise<Engine> => {
    const e = await connectEngine(spec, connectOpts);
    engines.push(e);
    return e;
  };
  try {
    // 2. connect: the primary and the candidate must be reachable, or there is nothing to judge
    const [pe, ce] = await Promise.all([open(opts.primary), open(opts.candidate)]);
    if (ce.family !== pe.family) throw new SyncpointError('config', `a ${ce.flavor} server cannot replicate from a ${pe.flavor} primary`, opts.candidate.label);
    const notes: string[] = [];
    const unusable: UnusableReplica[] = [];
    let discoveryError: string | null = null;
    let replicaSpecs: ConnectionSpec[] = [...opts.replicas];
    const replicaSource = opts.replicas.length > 0 ? 'named' : opts.discover ? 'discovery' : 'none';
    if (replicaSource === 'discovery') {
      const found = await discoverOthers(opts, pe, connectOpts, notes, unusable);
      replicaSpecs = found.specs;
      discoveryError = found.error;
    } else if (replicaSource === 'none') {
      notes.push('discovery off (--no-discover) and no --replica named: no other replica checked');
    }
    // 3. facts: replicas and candidate first, the primary last
    const readReplica = async (spec: ConnectionSpec): Promise<PreflightNode | null> => {
      try {
        const e = await open(spec);
        if (e.family !== pe.family) {
          const why = `a ${e.flavor} server cannot replicate from a ${pe.flavor} primary`;
          if (replicaSource === 'named') throw new SyncpointError('config', why, spec.label);
          unusable.push({ label: spec.label, error: why, found: 'discovery' });
          return null;
        }
        return await readNode(e, spec, 'replica');
      } catch (err) {
        // A named replica with a wrong password or DSN is the user's to fix (exit 2); one that
        // cannot be reached, or a discovered one (given the primary's credentials), is a result.
        const reachability = err instanceof SyncpointError && (err.kind === 'connection' || err.kind === 'timeout');
        if (replicaSource === 'named' && !reachability) throw err;
        if (err instanceof SyncpointError && (err.kind === 'usage' || err.kind === 'interrupted')) throw err;
        const error = messageOf(err).replace(`${spec.label}: `, '');
        opts.log.warn({ replica: spec.label }, `replica not usable: ${error}`);
        unusable.push({ label: spec.label, error, found: replicaSource === 'named' ? 'named' : 'discovery' });
        return null;
      }
    };
    const [candidate, ...maybeReplicas] = await Promise.all([readNode(ce, opts.candidate, 'candidate'), ...replicaSpecs.map(readReplica)]);
    const primary = await readNode(pe, opts.primary, 'primary');
    // MySQL names every server by server_uuid, MariaDB by nothing: there server_id, hostname and
    // port together. A discovered one equal to the candidate's is the candidate reached under
    // another address, not a replica with a clashing id.
    const identity = (n: PreflightNode): string | null => {
      const v = n.mysql?.variables;
      if (!v) return null;
      if (v['server_uuid']) return `server_uuid ${v['server_uuid']}`;
      return v['server_id'] && v['hostname'] && v['port'] ? `server_id ${v['server_id']} on ${v['hostname']}:${v['port']}` : null;
    };
    const candidateId = identity(candidate!);
    const replicas = maybeReplicas.filter((r): r is PreflightNode => {
      if (r === null) return false;
      if (replicaSource === 'discovery' && candidateId && identity(r) === candidateId) {
        notes.push(`${r.label} is the candidate (same ${candidateId}): not one of the replicas that must follow it`);
        return false;
      }
      return true;
    });
    for (const n of [primary, candidate!, ...replicas]) for (const g of n.gaps) opts.log.warn(`${n.label}: not read: ${g}`);
    // The checks see the replicas actually used (risks audits them as named).
    const used: PreflightOptions = { ...opts, replicas: replicas.map((r) => r.spec) };
    // 4. checks
    const results: PreflightCheckResult[] = [];
    for (const chk of CHECKS) {
      if (!chk.families.includes(pe.family)) continue;
      if (opts.signal?.aborted) throw new SyncpointError('interrupted', `stopped before the ${chk.id} check`);
      const ctx: PreflightContext = { opts: used, family: pe.family, primary, candidate: candidate!, replicas, replicaSource, unusable, discoveryError, earlier: [...results] };
      const t0 = Date.now();
      try {
        results.push(...(await chk.run(ctx)));
      } catch (err) {
        if (opts.signal?.aborted) throw new SyncpointError('interrupted', `stopped during the ${chk.id} check`);
        results.push(couldNotRun(chk.id, candidate!.label, err));
      }
      opts.log.debug({ check: chk.id, ms: Date.now() - t0 }, `check ${chk.id} done`);
    }
    // 5. order and verdict
    const checks = orderResults(results);
    return {
      schemaVersion: 1,
      command: 'preflight',
      verdict: preflightVerdict(checks),
      primary: primary.label,
      candidate: candidate!.label,
      replicas: replicas.map((r) => r.label),
      notes,
      reasons: reasonsOf(checks),
      checks,
      durationMs: Date.now() - started,
    };
  } finally {
    // 6. close
    await Promise.all(engines.map((e) => e.close().catch(() => undefined)));
  }
}

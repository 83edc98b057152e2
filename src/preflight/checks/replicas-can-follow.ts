/**
 * Each other replica can replicate from the candidate once it is promoted.
 * MySQL family: positions by GTID (a replica on file coordinates has no coordinates in the new
 * primary's binlog), server versions (a replica must run the same or a newer major.minor than
 * its source: a newer source can write events an older replica cannot read), distinct server ids
 * (the IO thread drops events carrying its own server_id; MySQL also needs distinct server_uuid).
 * PostgreSQL: a physical standby follows only a primary of the same major version, and the
 * candidate needs WAL senders for all of them.
 * A replica that could not be read is not silently dropped: named, it could not be checked (not a
 * go); found by discovery, it is a warning naming why (discovery may report a server this host
 * cannot reach, and its reason says what to pass).
 */
import { parseServerVersion } from '../../engine/mysql-family/mysql-family-flavor.js';
import { formatPosition, hasReached, parseMariadbGtid, parseMysqlGtidSet, type Position } from '../../engine/position.js';
import { couldNotRun, isOn, result } from '../result.js';
import type { PreflightCheck, PreflightCheckResult, PreflightContext, PreflightNode, UnusableReplica } from '../types.js';

const ID = 'replicas-can-follow';

function mysqlFamily(ctx: PreflightContext, r: PreflightNode): PreflightCheckResult {
  const c = ctx.candidate;
  const cv = c.mysql?.variables ?? {};
  const rv = r.mysql?.variables ?? {};
  const problems: string[] = [];
  const cVer = parseServerVersion(c.engine.version);
  const rVer = parseServerVersion(r.engine.version);
  const channel = r.mysql?.channels[0] ?? null;
  const evidence: Record<string, unknown> = {
    candidateVersion: c.engine.version,
    replicaVersion: r.engine.version,
    candidateServerId: cv['server_id'] ?? null,
    replicaServerId: rv['server_id'] ?? null,
    primaryServerId: ctx.primary.mysql?.variables['server_id'] ?? null,
  };
  if (c.engine.flavor !== r.engine.flavor) problems.push(`a ${r.engine.flavor} replica cannot follow a ${c.engine.flavor} primary by GTID`);
  if (r.engine.flavor === 'mariadb') {
    evidence['usingGtid'] = channel?.usingGtid ?? null;
    if (!channel) problems.push('not a replica');
    else if (!channel.usingGtid || channel.usingGtid.toLowerCase() === 'no') problems.push('it replicates by file coordinates (Using_Gtid=No): run CHANGE MASTER TO MASTER_USE_GTID=slave_pos on it first');
  } else {
    evidence['candidateGtidMode'] = cv['gtid_mode'] ?? null;
    evidence['replicaGtidMode'] = rv['gtid_mode'] ?? null;
    evidence['autoPosition'] = channel?.autoPosition ?? null;
    if (!isOn(cv['gtid_mode'])) problems.push(`the candidate has gtid_mode=${cv['gtid_mode'] ?? 'unknown'}`);
    if (!isOn(rv['gtid_mode'])) problems.push(`it has gtid_mode=${rv['gtid_mode'] ?? 'unknown'}`);
    if (channel && channel.autoPosition === false) problems.push('it does not use SOURCE_AUTO_POSITION=1');
    if (cv['server_uuid'] && cv['server_uuid'] === rv['server_uuid']) problems.push(`same server_uuid as the candidate (${cv['server_uuid']})`);
  }
  // What the candidate's binary logs no longer hold: a replica that has not applied it yet would
  // ask the new primary for purged transactions (error 1236) the moment it is pointed there.
  const start = c.mysql?.binlogStart ?? null;
  evidence['candidateBinlogStart'] = start;
  const executed = r.status?.executed ?? null;
  if (start !== null && start.trim() !== '' && executed && (executed.kind === 'mariadb-gtid' || executed.kind === 'mysql-gtid')) {
    let needed: Position | null = null;
    try {
      needed = c.engine.flavor === 'mariadb' ? parseMariadbGtid(start) : parseMysqlGtidSet(start);
    } catch {
      evidence['candidateBinlogStart'] = `${start} (not understood: coverage not checked)`;
    }
    if (needed && needed.kind === executed.kind && !hasReached(executed, needed)) {
      problems.push(`it has applied ${formatPosition(executed)}, but the candidate's binary logs start at ${formatPosition(needed)} (older ones purged): it would ask the new primary for transactions it no longer has; rebuild it or let it catch up before promoting`);
    }
  }
  if (cVer.major * 1000 + cVer.minor > rVer.major * 1000 + rVer.minor) {
    problems.push(`the candidate runs a newer version (${cVer.major}.${cVer.minor}) than this replica (${rVer.major}.${rVer.minor}): upgrade the replica first`);
  }
  if (cv['server_id'] !== undefined && cv['server_id'] === rv['server_id']) problems.push(`same server_id as the candidate (${cv['server_id']})`);
  const pid = ctx.primary.mysql?.variables['server_id'];
  if (pid !== undefined && pid === rv['server_id']) problems.push(`same server_id as the primary (${pid})`);
  const dupes = ctx.replicas.filter((o) => o !== r && o.mysql?.variables['server_id'] !== undefined && o.mysql.variables['server_id'] === rv['server_id']);
  if (dupes.length) problems.push(`same server_id as ${dupes.map((d) => d.label).join(', ')}`);
  if (problems.length) return result(ID, 'fail', r.label, `cannot follow the candidate: ${problems.join('; ')}`, evidence);
  return result(ID, 'pass', r.label, `can replicate from the candidate by GTID (versions ${cVer.major}.${cVer.minor} -> ${rVer.major}.${rVer.minor}, distinct server ids)`, evidence);
}

function postgres(ctx: PreflightContext, r: PreflightNode): PreflightCheckResult {
  const c = ctx.candidate;
  const cm = Math.floor((c.pg?.versionNum ?? 0) / 10000);
  const rm = Math.floor((r.pg?.versionNum ?? 0) / 10000);
  const senders = Number(c.pg?.settings['max_wal_senders'] ?? NaN);
  const evidence = { candidateVersionNum: c.pg?.versionNum ?? null, replicaVersionNum: r.pg?.versionNum ?? null, candidateStandby: c.pg?.inRecovery ?? null, standby: r.pg?.inRecovery ?? null, candidateMaxWalSenders: Number.isFinite(senders) ? senders : null };
  if (!c.pg?.inRecovery) {
    // A logical subscriber is its own cluster: nothing of the old primary's streams can continue from it.
    const what = r.pg?.inRecovery ? 'a physical standby of the old primary' : 'a logical subscriber';
    return result(ID, 'fail', r.label, `cannot follow the candidate: ${what} cannot continue from a logical subscriber; rebuild it from the candidate after the promotion (pg_basebackup, or a new subscription)`, evidence);
  }
  if (!r.pg?.inRecovery) {
    return result(ID, 'warn', r.label, 'a logical subscriber follows the new primary only through its slot there: re-point it (ALTER SUBSCRIPTION ... CONNECTION) once the slot exists (see replication-slots)', evidence);
  }
  const problems: string[] = [];
  if (cm !== rm) problems.push(`major versions differ (candidate ${cm}, this standby ${rm})`);
  if (Number.isFinite(senders) && senders < ctx.replicas.length) problems.push(`the candidate's max_wal_senders=${senders} is less than the ${ctx.replicas.length} standby(s) to serve`);
  if (problems.length) return result(ID, 'fail', r.label, `cannot follow the candidate: ${problems.join('; ')}`, evidence);
  return result(ID, 'pass', r.label, `can stream from the candidate (same major version ${cm}, max_wal_senders=${senders})`, evidence);
}

function unusable(ctx: PreflightContext, u: UnusableReplica): PreflightCheckResult {
  if (u.found === 'named') return couldNotRun(ID, u.label, u.error, { found: '--replica' });
  // Discovery's reasons already say what to pass when an address is missing; a refused connection does not.
  const hint = /--address|--replica/.test(u.error) ? '' : '; make it reachable from here (--address NAME=HOST:PORT when the reported one is wrong), or verify it by hand';
  return result(ID, 'warn', u.label, `found by discovery but could not be checked, and it will have to follow the candidate: ${u.error}${hint}`, { found: 'discovery', error: u.error, primary: ctx.primary.label });
}

/** Where each result's replica came from, so the evidence says whether it was named or discovered. */
const withSource = (ctx: PreflightContext, r: PreflightCheckResult): PreflightCheckResult =>
  result(r.id, r.status, r.node, r.message, { ...r.evidence, found: ctx.replicaSource === 'discovery' ? 'discovery' : '--replica' });

export const replicasCanFollow: PreflightCheck = {
  id: ID,
  description: 'the other replicas can replicate from the candidate (GTID, versions, server ids / major version, WAL senders)',
  families: ['mysql-family', 'postgres'],
  run(ctx) {
    const out = ctx.replicas.map((r) => withSource(ctx, ctx.family === 'postgres' ? postgres(ctx, r) : mysqlFamily(ctx, r)));
    out.push(...ctx.unusable.map((u) => unusable(ctx, u)));
    if (ctx.discoveryError !== null) out.push(couldNotRun(ID, ctx.primary.label, `the other replicas are unknown: ${ctx.discoveryError} (name them with --replica, or --no-discover when there are none)`, { found: 'discovery' }));
    if (out.length > 0) return out;
    const why = ctx.replicaSource === 'none' ? 'no other replicas named (--replica) and discovery off (--no-discover)' : ctx.replicaSource === 'discovery' ? 'no other replica found downstream of the primary (see notes)' : 'no other replicas';
    return [result(ID, 'skip', ctx.candidate.label, why, { found: ctx.replicaSource })];
  },
};

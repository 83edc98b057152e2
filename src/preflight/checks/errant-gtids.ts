/**
 * No transactions on the candidate (or on the other replicas) that the primary lacks. On the
 * candidate they would be on the new primary's history but nowhere else; on another replica they
 * stop it from following the new primary (the new primary cannot serve GTIDs it never had).
 */
import { messageOf } from '../../errors.js';
import { mariadbErrantGtids, mysqlErrantGtids } from '../errant-gtids.js';
import { couldNotRun, isOn, result } from '../result.js';
import type { PreflightCheck, PreflightCheckResult, PreflightContext, PreflightNode } from '../types.js';

const ID = 'errant-gtids';

function judge(ctx: PreflightContext, n: PreflightNode): PreflightCheckResult {
  const p = ctx.primary;
  if (n.gtidState === null || p.gtidState === null) return couldNotRun(ID, n.label, n.gtidState === null ? (n.gaps.find((g) => g.startsWith('gtid')) ?? 'GTID state not read') : `primary: ${p.gaps.find((g) => g.startsWith('gtid')) ?? 'GTID state not read'}`);
  const mariadb = n.engine.flavor === 'mariadb';
  const v = n.mysql?.variables ?? {};
  if (!mariadb && !isOn(v['gtid_mode'])) return result(ID, 'skip', n.label, `gtid_mode=${v['gtid_mode'] ?? 'unknown'}: without GTIDs errant transactions cannot be told apart`, { gtidMode: v['gtid_mode'] ?? null });
  if (mariadb && !isOn(v['log_bin'])) {
    return result(ID, 'skip', n.label, 'binary logging is off: this server records no GTIDs of its own to compare (see binary-logging)', { logBin: v['log_bin'] ?? null });
  }
  let errant: string[];
  try {
    errant = mariadb ? mariadbErrantGtids(n.gtidState, p.gtidState) : [mysqlErrantGtids(n.gtidState, p.gtidState)].filter(Boolean);
  } catch (err) {
    return couldNotRun(ID, n.label, messageOf(err));
  }
  const evidence = { gtidState: n.gtidState, primaryGtidState: p.gtidState, errant };
  if (errant.length === 0) return result(ID, 'pass', n.label, 'no transactions the primary lacks', evidence);
  const who = n.role === 'candidate' ? 'the candidate' : 'this replica';
  const fix = mariadb
    ? 'inspect them in its binary log (SHOW BINLOG EVENTS, mariadb-binlog); apply the same change on the primary or rebuild the server'
    : 'inspect them (mysqlbinlog --include-gtids); if they are harmless, commit empty transactions with these GTIDs on the primary, else rebuild the server';
  const consequence = n.role === 'candidate' ? 'the new primary would start from a history no other server has' : 'it could not replicate from the new primary';
  return result(ID, 'fail', n.label, `errant transaction(s) on ${who}, not on the primary (${errant.join(', ')}): ${consequence}; ${fix}`, evidence);
}

export const errantGtids: PreflightCheck = {
  id: ID,
  description: 'no GTIDs on the candidate or the other replicas that the primary lacks',
  families: ['mysql-family'],
  run: (ctx) => [ctx.candidate, ...ctx.replicas].map((n) => judge(ctx, n)),
};

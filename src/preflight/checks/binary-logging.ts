/**
 * A new primary must write a binary log, and with log_slave_updates it holds the replicated
 * transactions too, which is what lets the other replicas re-point to it by GTID without a gap.
 */
import { couldNotRun, isOn, result } from '../result.js';
import type { PreflightCheck } from '../types.js';

const ID = 'binary-logging';

export const binaryLogging: PreflightCheck = {
  id: ID,
  description: 'binary logging and log_slave_updates are on on the candidate',
  families: ['mysql-family'],
  run(ctx) {
    const c = ctx.candidate;
    if (!c.mysql) return [couldNotRun(ID, c.label, c.gaps.find((g) => g.startsWith('variables')) ?? 'variables not read')];
    const v = c.mysql.variables;
    const logBin = v['log_bin'];
    const updates = v['log_slave_updates'] ?? v['log_replica_updates'];
    const evidence = { log_bin: logBin ?? null, log_slave_updates: updates ?? null, binlog_format: v['binlog_format'] ?? null };
    if (!isOn(logBin)) {
      return [result(ID, 'fail', c.label, 'binary logging is off (log_bin=OFF): as primary it could feed no replica and its writes could not be recovered from a binlog; restart it with --log-bin', evidence)];
    }
    if (!isOn(updates)) {
      // Replicas that could not be read still have to follow the candidate.
      const status = ctx.replicas.length + ctx.unusable.length > 0 ? 'fail' : 'warn';
      return [result(ID, status, c.label, "log_slave_updates is off: its binary log lacks the replicated transactions, so the other replicas cannot continue from it by GTID; restart it with --log-slave-updates", evidence)];
    }
    return [result(ID, 'pass', c.label, `binary log on with log_slave_updates (binlog_format=${v['binlog_format'] ?? '?'})`, evidence)];
  },
};

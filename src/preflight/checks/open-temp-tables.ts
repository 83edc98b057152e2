/**
 * Temporary tables the candidate's SQL thread holds open (statement-based replication of CREATE
 * TEMPORARY TABLE). They live only in the replication session: a promotion (or a restart) drops
 * them, and the primary's later statements that use them would fail or write wrong data.
 */
import { couldNotRun, result } from '../result.js';
import type { PreflightCheck } from '../types.js';

const ID = 'open-temp-tables';

export const openTempTables: PreflightCheck = {
  id: ID,
  description: "no temporary tables open on the candidate's SQL thread (Slave_open_temp_tables)",
  families: ['mysql-family'],
  run(ctx) {
    const c = ctx.candidate;
    const n = c.mysql?.openTempTables ?? null;
    if (n === null) return [couldNotRun(ID, c.label, 'the server reports no Slave_open_temp_tables / Replica_open_temp_tables')];
    const evidence = { openTempTables: n };
    if (n > 0) {
      return [
        result(ID, 'fail', c.label, `${n} temporary table(s) open on the SQL thread: they vanish with the promotion; wait until the primary's sessions drop them (or use binlog_format=ROW)`, evidence),
      ];
    }
    return [result(ID, 'pass', c.label, 'no temporary tables open on the SQL thread', evidence)];
  },
};

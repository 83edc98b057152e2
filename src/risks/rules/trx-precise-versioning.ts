/**
 * trx-precise-versioning: a MariaDB table WITH SYSTEM VERSIONING whose ROW START / ROW END are
 * BIGINT UNSIGNED transaction ids. Measured on MariaDB 10.11.19 with binlog_format=ROW: writes to
 * such a table go to the binlog as statements whatever binlog_format says (each server then stamps
 * its own transaction ids, so the history differs by construction), and an INSERT ... SELECT into
 * it is not written to the binlog at all: its rows never reach a replica, silently. check compares
 * the current rows and finds what is missing; this says why it happens before it does.
 */
import { finding } from '../facts.js';
import type { Finding, RiskRule } from '../types.js';

const ID = 'trx-precise-versioning';

export const trxPreciseVersioning: RiskRule = {
  id: ID,
  description: 'system-versioned tables whose history is stamped with transaction ids (MariaDB): their writes replicate as statements, INSERT ... SELECT not at all',
  engines: ['mysql-family'],
  run(ctx) {
    const p = ctx.primary;
    if (!p) return [];
    const out: Finding[] = [];
    for (const t of p.tables) {
      if (t.systemVersioned !== 'transaction') continue;
      out.push(finding({
        rule: ID,
        severity: 'warning',
        server: p.label,
        object: t.qualified,
        evidence: 'WITH SYSTEM VERSIONING, ROW START/END as BIGINT UNSIGNED transaction ids: MariaDB binlogs its writes as statements whatever binlog_format says, and an INSERT ... SELECT into it not at all (10.11.19: the rows never reach a replica); replicas stamp their own ids',
        remedy: `make ${t.qualified}'s period columns TIMESTAMP(6) (timestamp-precise history replicates as rows), or never write it with INSERT ... SELECT; check finds rows already missing`,
      }));
    }
    return out;
  },
};

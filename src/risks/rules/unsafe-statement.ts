/**
 * unsafe-statement: statements whose effect can differ on a replica that re-executes their text
 * (statement or mixed logging), found by parsing them: from --sql files, the primary's binary log,
 * performance_schema digests, and the bodies of the primary's stored functions, procedures and
 * triggers (a stored function declared DETERMINISTIC that is not is reported as such).
 */
import { finding, loggedWords, primaryBinlogFormat, serverOf, statementSeverity, times } from '../facts.js';
import { Catalog } from '../sql-analysis/catalog.js';
import { tokenize } from '../sql-analysis/tokenize.js';
import { tokenReasons, type UnsafeReason } from '../sql-analysis/unsafe.js';
import { SEVERITY_RANK, type Finding, type RiskContext, type RiskRule, type Severity } from '../types.js';

const max = (a: Severity, b: Severity): Severity => (SEVERITY_RANK[a] >= SEVERITY_RANK[b] ? a : b);

/**
 * Reasons the server itself marks unsafe (its system-function, system-variable and log-table
 * checks, MySQL and MariaDB alike): under MIXED it logs those statements as row images, so they
 * replicate safely. Row-order reasons (LIMIT, INSERT ... SELECT, RAND over rows) are not all
 * recognised and stay a warning.
 */
const SERVER_DETECTED_FUNCTIONS = new Set([
  'UUID', 'UUID_SHORT', 'USER', 'SESSION_USER', 'SYSTEM_USER', 'CURRENT_USER', 'FOUND_ROWS', 'ROW_COUNT', 'LOAD_FILE',
  'GET_LOCK', 'RELEASE_LOCK', 'IS_FREE_LOCK', 'IS_USED_LOCK', 'SLEEP', 'MASTER_POS_WAIT', 'SOURCE_POS_WAIT',
]);
export function serverSwitchesToRow(r: UnsafeReason): boolean {
  if (r.code.startsWith('system-variable:') || r.code === 'log-table') return true;
  return r.code.startsWith('function:') && SERVER_DETECTED_FUNCTIONS.has(r.code.slice('function:'.length));
}

function severityOf(ctx: RiskContext, reasons: readonly UnsafeReason[], loggedAs: Parameters<typeof statementSeverity>[1]): Severity {
  const mixed = loggedAs === 'unknown' && primaryBinlogFormat(ctx) === 'MIXED';
  return reasons.reduce<Severity>((s, r) => max(s, mixed && serverSwitchesToRow(r) ? 'info' : statementSeverity(ctx, loggedAs, r.certain)), 'info');
}

const ID = 'unsafe-statement';
const REMEDY = 'make it deterministic (ORDER BY a unique NOT NULL key, compute values in the application, or in a user variable first), or use binlog_format=ROW';

export const unsafeStatement: RiskRule = {
  id: ID,
  description: 'non-deterministic statements under statement or mixed logging, found by parsing SQL',
  engines: ['mysql-family'],
  run(ctx) {
    const out: Finding[] = [];
    for (const s of ctx.workload?.unsafe ?? []) {
      out.push(finding({
        rule: ID,
        severity: severityOf(ctx, s.reasons, s.loggedAs),
        server: serverOf(ctx),
        object: s.tables.join(', ') || 'statement',
        evidence: `${s.text}${times(s.count)}: ${s.reasons.map((r) => r.why).join('; ')} (${loggedWords(ctx, s.loggedAs)})`,
        remedy: REMEDY,
        source: s.at,
      }));
    }
    const routine = (name: string, kind: string, deterministic: boolean | null, reasons: readonly UnsafeReason[], at: string | undefined, server: string) => {
      const lie = deterministic === true && kind === 'FUNCTION';
      let severity = severityOf(ctx, reasons, 'unknown');
      // The false declaration matters where its calls are logged as statements; under ROW the
      // replicas get row images whatever it returns.
      if (lie && primaryBinlogFormat(ctx) !== 'ROW') severity = max(severity, 'warning');
      out.push(finding({
        rule: ID,
        severity,
        server,
        object: `${name}${kind === 'TRIGGER' ? ' (trigger)' : '()'}`,
        evidence: `${kind.toLowerCase()} ${name}${lie ? ' is declared DETERMINISTIC but' : ''} ${reasons.map((r) => r.why).join('; ')} (${loggedWords(ctx, 'unknown')})`,
        remedy: lie ? 'declare it NOT DETERMINISTIC and keep it out of statement-logged writes, or use binlog_format=ROW' : REMEDY,
        ...(at ? { source: at } : {}),
      }));
    };
    for (const r of ctx.workload?.routines ?? []) routine(r.name, r.kind, r.deterministic, r.reasons, r.at, serverOf(ctx));
    const p = ctx.primary;
    if (p && p.family === 'mysql-family') {
      const catalog = new Catalog(p.tables, p.autoIncrement);
      for (const r of p.routines) {
        if (!r.body) continue;
        const reasons = tokenReasons(tokenize(r.body), { catalog, defaultDb: r.schema, inRoutine: r.kind !== 'PROCEDURE' });
        if (reasons.length > 0) routine(`${r.schema}.${r.name}`, r.kind, r.deterministic, reasons, undefined, p.label);
      }
    }
    return out;
  },
};

/** Small readers over ServerFacts shared by the rules: variable spellings across versions, severities by logging format. */
import type { LoggedAs } from './sql-analysis/workload.js';
import type { Finding, RiskContext, ServerFacts, Severity } from './types.js';

/** First variable present among spellings (MySQL 8.0.26+ renamed slave_* to replica_*). */
export function variable(f: Pick<ServerFacts, 'variables'>, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = f.variables[n.toLowerCase()];
    if (v !== undefined) return v;
  }
  return undefined;
}

export function isOn(v: string | undefined): boolean {
  return v !== undefined && ['ON', '1', 'YES', 'TRUE'].includes(v.toUpperCase());
}

export function allServers(ctx: RiskContext): ServerFacts[] {
  return [...(ctx.primary ? [ctx.primary] : []), ...ctx.replicas];
}

/** Servers whose binary log others replicate from: the primary, and replicas that log what they apply. */
export function binlogSources(ctx: RiskContext): ServerFacts[] {
  return allServers(ctx).filter(
    (f) => f.family === 'mysql-family' && isOn(variable(f, 'log_bin')) && (f.role === 'primary' || isOn(variable(f, 'log_slave_updates', 'log_replica_updates'))),
  );
}

/** The primary's binlog_format, upper case; null without a MySQL-family primary. */
export function primaryBinlogFormat(ctx: RiskContext): string | null {
  const p = ctx.primary;
  if (!p || p.family !== 'mysql-family') return null;
  return (variable(p, 'binlog_format') ?? '').toUpperCase() || null;
}

/**
 * How serious a statement-level risk is, given how it reached the replicas: statements read from
 * the binlog were replayed as text (error); statements from files and digests run under the
 * primary's format: STATEMENT error, MIXED warning (the server switches only the unsafe statements
 * it recognises to row format), ROW info (safe until the format changes); no primary: warning.
 */
export function statementSeverity(ctx: RiskContext, loggedAs: LoggedAs, certain = true): Severity {
  if (!certain) return 'info';
  if (loggedAs === 'statement') return 'error';
  if (loggedAs === 'row') return 'info';
  const fmt = primaryBinlogFormat(ctx);
  if (fmt === 'STATEMENT') return 'error';
  if (fmt === 'ROW') return 'info';
  return 'warning';
}

/** Words for evidence: how the statement was (or will be) logged. */
export function loggedWords(ctx: RiskContext, loggedAs: LoggedAs): string {
  if (loggedAs === 'statement') return 'logged as a statement';
  if (loggedAs === 'row') return 'logged as row images';
  const fmt = primaryBinlogFormat(ctx);
  return fmt ? `primary binlog_format=${fmt}` : 'no primary to tell the binlog format';
}

export function serverOf(ctx: RiskContext): string {
  return ctx.primary?.label ?? '-';
}

export function times(n: number): string {
  return n > 1 ? ` (seen ${n} times)` : '';
}

export function finding(f: Finding): Finding {
  return Object.freeze(f.source === undefined ? (({ source: _s, ...rest }) => rest)(f) : f);
}

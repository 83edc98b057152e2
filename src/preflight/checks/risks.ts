/**
 * The `risks` audit on the primary, the candidate and the other replicas; findings of severity
 * error decide. On the primary or the candidate they fail the preflight (what makes replicas
 * drift now makes the new primary's replicas drift after the failover); on another replica they
 * are a warning (that replica is suspect, the promotion is not). The audit runs with the risks
 * command's own defaults (statement digests included), so both say the same thing.
 */
import { risks } from '../../api/risks.js';
import { result } from '../result.js';
import type { PreflightCheck } from '../types.js';

const ID = 'risks';

/**
 * Rules whose finding on the candidate a dedicated check already judges, with its own severity
 * (a writable candidate is a warning before the promotion, not an error): left out here so one
 * problem is not reported twice with two verdicts.
 */
const COVERED: Readonly<Record<string, string>> = Object.freeze({
  'replication-health': 'replication-running',
  'writable-replica': 'read-only',
  'temp-tables-open': 'open-temp-tables',
  'standby-paused': 'replay-not-paused',
  'schema-drift': 'schema-equal',
});

export const risksCheck: PreflightCheck = {
  id: ID,
  description: 'no risk of severity error on the primary or the candidate (syncpoint risks)',
  families: ['mysql-family', 'postgres'],
  async run(ctx) {
    const c = ctx.candidate;
    const r = await risks({
      primary: ctx.opts.primary,
      replicas: [ctx.opts.candidate, ...ctx.opts.replicas],
      failOn: 'error',
      connectTimeoutMs: ctx.opts.connectTimeoutMs,
      log: ctx.opts.log,
    });
    const covered = r.findings.filter((f) => f.severity === 'error' && f.server === c.label && COVERED[f.rule]);
    const errors = r.findings.filter((f) => f.severity === 'error' && !covered.includes(f));
    const blocking = errors.filter((f) => f.server === ctx.primary.label || f.server === c.label || f.server === '-');
    const elsewhere = errors.filter((f) => !blocking.includes(f));
    const list = (fs: typeof errors) => fs.map((f) => ({ rule: f.rule, server: f.server, object: f.object, evidence: f.evidence, remedy: f.remedy }));
    const evidence = {
      errors: list(blocking),
      errorsOnOtherReplicas: list(elsewhere),
      judgedByOtherChecks: covered.map((f) => ({ rule: f.rule, check: COVERED[f.rule], object: f.object })),
      warnings: r.counts.warning,
      notes: r.notes,
    };
    const say = (fs: typeof errors) => fs.slice(0, 3).map((f) => `${f.rule} (${f.server} ${f.object}: ${f.evidence})`).join('; ') + (fs.length > 3 ? `; and ${fs.length - 3} more` : '');
    if (blocking.length) return [result(ID, 'fail', c.label, `${blocking.length} risk(s) of severity error: ${say(blocking)}`, evidence)];
    if (elsewhere.length) return [result(ID, 'warn', c.label, `risks of severity error on other replicas only: ${say(elsewhere)}`, evidence)];
    return [result(ID, 'pass', c.label, `no risk of severity error (${r.counts.warning} warning(s); run syncpoint risks for them)`, evidence)];
  },
};

/** The plan a dry run prints (and a real run logs): each step, in execution order, with its actions. */
import { redactDsns } from '../config/dsn.js';
import type { CloneContext } from './context.js';
import { humanBytes } from './datadir.js';
import { STEP, type StepDef } from './phases.js';
import { manifestPath } from './steps/manifest.js';
import type { PlanStep } from './types.js';

const shown = (cmd: string) => redactDsns(cmd);

export function buildPlan(ctx: CloneContext): PlanStep[] {
  const o = ctx.opts;
  const a = ctx.adapter;
  const lines = a?.describe(ctx) ?? { quiesce: [], restart: [], prepare: [], start: [] };
  const src = ctx.sourceDatadir ?? o.sourceDatadir ?? '(source datadir)';
  const size = ctx.datadirBytes !== null ? ` (${humanBytes(ctx.datadirBytes)})` : '';
  const rsync = (from: string, to: string) => `rsync -aH --numeric-ids --delete${o.bwlimitKBps ? ` --bwlimit=${o.bwlimitKBps}` : ''} ${from}/ ${to}/`;
  const mapped = o.copyDirs.map((d) => rsync(d.from, d.to));
  const out: PlanStep[] = [];
  const add = (d: StepDef, actions: readonly string[]) => out.push({ step: d.step, name: d.name, title: d.title, actions });

  add(STEP.preconditions, [`checks: ${ctx.checks.map((c) => `${c.name} ${c.ok ? 'ok' : 'FAILED'}`).join(', ') || '(not run)'}`]);
  if (o.copyMethod === 'two-phase') add(STEP.copyLive, [`${rsync(src, o.targetDatadir)}${size} while the source runs (again while a pass takes over 5 s, 3 passes at most)`, ...mapped]);
  add(STEP.quiesce, lines.quiesce);
  if (o.copyMethod === 'cold') add(STEP.copy, [`${rsync(src, o.targetDatadir)}${size}`, ...mapped]);
  else if (o.copyMethod === 'two-phase') add(STEP.copy, ['rsync again, unconditionally, the files whose copy was read within 2 s of their last write', `${rsync(src, o.targetDatadir)}: the delta`, ...mapped]);
  else add(STEP.copy, [`run: ${shown(o.copyCommand ?? '(no --copy-command)')}`, ...(o.copyFrom ? [] : ['the command must fill the target data directory']), ...mapped]);
  add(STEP.restartSource, lines.restart);
  if (o.copyMethod === 'command' && o.copyFrom) add(STEP.copySnapshot, [rsync(o.copyFrom, o.targetDatadir), ...(o.copyCleanup ? [`then: ${shown(o.copyCleanup)}`] : [])]);
  add(STEP.prepareTarget, lines.prepare);
  add(STEP.startTarget, lines.start.map(shown));
  add(STEP.verify, o.verify ? [`check --primary ${a?.primaryLabel ?? o.primary?.label ?? '(the source primary)'} --replica ${o.target.label}`] : ['skipped (--no-verify)']);
  add(STEP.manifest, [`write ${manifestPath(ctx)}`, 'remove the incomplete marker from the target']);
  return out.map((s) => ({ ...s, actions: s.actions.map(shown) }));
}

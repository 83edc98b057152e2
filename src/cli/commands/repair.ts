/** `syncpoint repair`: flags -> options -> api -> render (SQL script or summary) -> exit code. */
import { writeFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { repair, REPAIR_DIFF_MAX_ROWS } from '../../api/repair.js';
import { usageError } from '../../errors.js';
import { readDiffResult } from '../../pipeline/repair/from-diff.js';
import type { RepairResult } from '../../pipeline/repair/repair-result.js';
import { addOutputFlags } from '../options.js';
import { runCommand, type OutputFlags } from '../run-command.js';
import { addDiffFlags, addSyncFlags, diffOptionsFrom, underRunLock, type SyncFlags } from './diff.js';

interface RepairFlags extends SyncFlags, OutputFlags {
  fromDiff?: string;
  fromCheck?: string;
  maxRows: number;
  bisectRows: number;
  apply?: 'primary' | 'replica';
  output?: string;
  allowKeyless: boolean;
  force: boolean;
}

function summary(r: RepairResult, scriptTo: string | null): string {
  const lines: string[] = [];
  for (const t of r.tables) {
    lines.push(`${t.table} on ${t.replica}: ${t.rows} row(s), ${t.statements} statement(s) in ${t.transactions} transaction(s)${t.refused ? `, ${t.refused} refused` : ''}${t.reason ? ` (${t.reason})` : ''}`);
  }
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  if (r.followUp) {
    // Only the tables something was written to are checked again: say so, and which were not,
    // or a "consistent" here reads as if a table whose repair failed were equal now.
    const checked = new Set(r.followUp.tables.map((t) => `${t.table}\u0000${t.replica}`));
    const unchecked = r.tables.filter((t) => !checked.has(`${t.table}\u0000${t.replica}`)).map((t) => `${t.table} on ${t.replica}`);
    lines.push(`follow-up check of the tables written: ${r.followUp.verdict}${unchecked.length ? `; not checked again (nothing written): ${unchecked.join(', ')}` : ''}`);
    for (const t of r.followUp.tables.filter((x) => x.status !== 'ok')) lines.push(`  ${t.table} on ${t.replica}: ${t.status}${t.reason ? ` (${t.reason})` : ''}`);
  }
  if (scriptTo) lines.push(`SQL written to ${scriptTo}`);
  if (r.error) lines.push(`error: ${r.error}`);
  lines.push(`verdict: ${r.verdict.toUpperCase()}  ${r.mode}, primary ${r.primary}; ${(r.durationMs / 1000).toFixed(1)}s`);
  return lines.join('\n') + '\n';
}

export function registerRepair(program: Command): void {
  const cmd = program
    .command('repair')
    .description('turn a diff into SQL that makes the replicas equal to the primary: printed for review by default, applied on the primary (--apply primary) or the replica (--apply replica), then checked again');
  addSyncFlags(cmd);
  addDiffFlags(cmd, REPAIR_DIFF_MAX_ROWS)
    .option('--from-diff <file>', 'repair the rows of a previous `diff --format json` result instead of running diff')
    .option('--apply <side>', 'primary: rewrite the primary\'s own rows so replication carries them; replica: write on the replica with its binary logging (PostgreSQL: triggers) off for that session', (v) => {
      if (v !== 'primary' && v !== 'replica') throw new InvalidArgumentError('--apply must be primary or replica');
      return v;
    })
    .option('--output <file>', 'write the SQL script to this file (print mode)')
    .option('--allow-keyless', 'repair tables without a usable key by whole-row content on the replica: delete surplus copies of a row, insert missing copies', false)
    .option('--force', 'apply even where triggers of a repaired table would fire for its writes', false);
  addOutputFlags(cmd);
  cmd.action(async (f: RepairFlags, self: Command) => {
    await runCommand(f, async ({ log, signal }) => {
      if (f.output && f.apply) throw usageError('--output writes the printed SQL: it cannot be combined with --apply');
      if (f.fromDiff) {
        // These shape the diff repair runs itself; a diff file already fixed its rows.
        const DIFF_ONLY: [keyof RepairFlags, string][] = [['fromCheck', '--from-check'], ['databases', '--databases'], ['tables', '--tables'], ['ignoreDatabases', '--ignore-databases'], ['ignoreTables', '--ignore-tables'], ['maxRows', '--max-rows'], ['bisectRows', '--bisect-rows']];
        const given = DIFF_ONLY.filter(([k]) => self.getOptionValueSource(k) === 'cli').map(([, flag]) => flag);
        if (given.length) throw usageError(`${given.join(', ')} ${given.length === 1 ? 'shapes' : 'shape'} the diff repair runs itself: with --from-diff the rows are those of the file (filter them with diff)`);
      }
      const base = diffOptionsFrom(f, log, signal);
      const run = () => repair({
        ...base,
        ...(f.fromDiff ? { diff: readDiffResult(f.fromDiff) } : {}),
        apply: f.apply ?? null,
        allowKeyless: f.allowKeyless,
        force: f.force,
      });
      // Printing from a diff file neither writes nor holds a sync point: no lock needed.
      const result = f.fromDiff && !f.apply ? await run() : await underRunLock(f, base.primary, 'repair', run);
      if (f.output && result.script !== undefined) {
        try {
          writeFileSync(f.output, result.script, { mode: 0o600 });
        } catch (err) {
          throw usageError(`--output ${f.output}: cannot write it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
        }
      }
      const render = (r: RepairResult) => {
        const text = summary(r, f.output ?? null);
        // Printed to stdout, the script stays valid SQL: the summary follows as comments.
        if (r.script !== undefined && !f.output) return r.script + '\n' + text.split('\n').filter(Boolean).map((l) => `-- ${l}`).join('\n') + '\n';
        return text;
      };
      return { result, verdict: result.verdict, render };
    });
  });
}

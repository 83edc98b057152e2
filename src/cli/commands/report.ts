/** `syncpoint report RUN --html FILE`: a self-contained HTML page of a recorded run. */
import type { Command } from 'commander';
import { htmlReport } from '../../api/report.js';
import { usageError } from '../../errors.js';
import { writeFileAtomic } from '../../metrics/write-atomic.js';
import { addOutputFlags } from '../options.js';
import { runCommand, type OutputFlags } from '../run-command.js';

interface ReportFlags extends OutputFlags {
  html?: string;
  history?: string;
}

export function registerReport(program: Command): void {
  const cmd = program
    .command('report')
    .description('write a self-contained HTML page of a recorded run: chunk strips per table and replica, counts, timings, drift over recent runs')
    .argument('<run>', 'run id (see syncpoint history)')
    .option('--html <file>', 'write the page here')
    .option('--history <dsn>', 'read the history table of this database instead of the local state dir');
  addOutputFlags(cmd).action(async (run: string, f: ReportFlags) => {
    await runCommand(f, async () => {
      if (!f.html) throw usageError('--html FILE is required (the only report format)');
      const r = await htmlReport({ runId: run, ...(f.history ? { history: f.history } : {}) });
      writeFileAtomic(f.html, r.html);
      const result = { schemaVersion: 1 as const, verdict: 'ok', run: r.runId, cluster: r.cluster, runVerdict: r.verdict, file: f.html, bytes: Buffer.byteLength(r.html) };
      return { result, verdict: 'ok', render: (x: typeof result) => `wrote ${x.file} (${x.bytes} bytes): run ${x.run} of ${x.cluster}, verdict ${x.runVerdict}\n` };
    });
  });
}

/** `syncpoint history [RUN]`: lists recorded runs, or shows one with "drift first seen at run X". */
import Table from 'cli-table3';
import { InvalidArgumentError, type Command } from 'commander';
import { listRuns, showRun, type HistoryListResult, type RunDetail } from '../../api/history.js';
import { addOutputFlags, positiveNumber } from '../options.js';
import { runCommand, type OutputFlags } from '../run-command.js';

interface HistoryFlags extends OutputFlags {
  history?: string;
  cluster?: string;
  limit: number;
}

const secs = (ms: number | null) => (ms === null ? '' : `${(ms / 1000).toFixed(1)}s`);

export function renderRunList(r: HistoryListResult): string {
  if (r.runs.length === 0) return `no runs recorded in ${r.store}\n`;
  const t = new Table({ head: ['run', 'cluster', 'command', 'started', 'state', 'verdict', 'time', 'tables', 'drifting pairs', 'errors', 'resumed from'], style: { head: [], border: [] } });
  for (const x of r.runs) {
    t.push([x.id, x.cluster, x.mode, x.startedAt, x.state, x.verdict ?? '', secs(x.durationMs), x.tables ?? '', x.driftPairs ?? '', x.errors ?? '', x.resumedFrom ?? '']);
  }
  return `${t.toString()}\nhistory: ${r.store}\n`;
}

export function renderRunDetail(d: RunDetail): string {
  const r = d.run;
  const lines = [
    `run ${r.id}  cluster ${r.cluster}  ${r.mode}  ${r.state}${d.verdict !== 'unfinished' ? `  verdict ${d.verdict.toUpperCase()}` : ''}`,
    `started ${r.startedAt}${r.endedAt ? `, ended ${r.endedAt} (${secs(r.durationMs)})` : ''}; primary ${r.primary}${r.replicas.length ? `, replicas ${r.replicas.join(', ')}` : ''}`,
    `chunks: ${d.chunks.checked} checked by this run${d.chunks.carried ? `, ${d.chunks.carried} carried over from ${r.resumedFrom}` : ''}`,
  ];
  if (r.resumedFrom) lines.push(`resumes ${r.resumedFrom}`);
  if (r.resumedBy.length) lines.push(`resumed by ${r.resumedBy.join(', ')}`);
  const t = new Table({ head: ['table', 'replica', 'status', 'primary rows', 'replica rows', 'chunks', 'drift chunks', 'drift first seen', 'reason'], style: { head: [], border: [] }, wordWrap: true, colWidths: [null, null, null, null, null, null, null, null, 48] });
  for (const p of d.pairs) {
    const first = p.driftFirstSeen ? (p.driftFirstSeen === r.id ? 'this run' : `run ${p.driftFirstSeen}`) : '';
    t.push([p.table, p.replica, p.status, p.primaryRows, p.replicaRows, p.chunks, p.driftChunks, first, p.reason ?? '']);
  }
  lines.push(t.toString());
  for (const n of d.notes) lines.push(`note: ${n}`);
  if (d.error) lines.push(`stopped early: ${d.error}`);
  return lines.join('\n') + '\n';
}

export function registerHistory(program: Command): void {
  const cmd = program
    .command('history')
    .description('list recorded check/counts runs (newest first), or show one run with its results and where drift was first seen')
    .argument('[run]', 'a run id to show')
    .option('--history <dsn>', 'read the history table of this database (as written with check --history) instead of the local state dir')
    .option('--cluster <name>', 'only runs of this cluster')
    .option('--limit <n>', 'at most this many runs', (v) => {
      const n = positiveNumber('--limit')(v);
      if (!Number.isInteger(n)) throw new InvalidArgumentError('--limit must be a whole number');
      return n;
    }, 20);
  addOutputFlags(cmd).action(async (run: string | undefined, f: HistoryFlags) => {
    const history = f.history ? { history: f.history } : {};
    if (run) {
      await runCommand(f, async () => ({ result: await showRun({ runId: run, ...history }), verdict: 'ok', render: renderRunDetail }));
    } else {
      await runCommand(f, async () => ({ result: await listRuns({ ...history, ...(f.cluster !== undefined ? { cluster: f.cluster } : {}), limit: f.limit }), verdict: 'ok', render: renderRunList }));
    }
  });
}

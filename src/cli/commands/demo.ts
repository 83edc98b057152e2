/** `syncpoint demo`: sandbox + sample data + injected drift + check, then tear down. */
import { InvalidArgumentError, type Command } from 'commander';
import { demo, type DemoResult } from '../../api/demo.js';
import { renderCheck } from '../render/check-table.js';
import { addOutputFlags, positiveNumber } from '../options.js';
import { runCommand, type OutputFlags } from '../run-command.js';

function renderDemo(r: DemoResult): string {
  const lines = [
    `${r.engine} sandbox: ${r.sandbox.nodes.map((n) => `${n.name} ${n.address}`).join(', ')}`,
    `injected ${r.injected.length} drift(s) on ${r.driftedNode.name} (${r.driftedNode.address}), behind replication's back:`,
    ...r.injected.map((d) => `  - ${d.table}: ${d.description}`),
    '',
    renderCheck(r.check).trimEnd(),
    '',
    r.verdict === 'passed'
      ? `demo passed: check found every injected drift, on the right table and replica, and nothing else.`
      : `demo FAILED: missed ${r.missed.join(', ') || 'nothing'}; unexpected ${r.unexpected.join(', ') || 'nothing'}`,
    r.sandbox.kept ? `sandbox kept in ${r.sandbox.dir} (syncpoint sandbox down --dir ${r.sandbox.dir} removes it)` : 'sandbox removed.',
  ];
  return lines.join('\n') + '\n';
}

export function registerDemo(program: Command): void {
  addOutputFlags(
    program
      .command('demo')
      .description('the tour: local sandbox, sample data, drift injected on one replica, check, report, tear down')
      .option('--engine <engine>', 'mariadb or postgres', (v) => {
        if (v !== 'mariadb' && v !== 'postgres') throw new InvalidArgumentError('--engine must be mariadb or postgres');
        return v;
      })
      .option('--dir <dir>', 'sandbox directory', './.syncpoint-sandbox')
      .option('--rows <n>', 'approximate sample rows', positiveNumber('--rows'), 120_000)
      .option('--keep', 'keep the sandbox running afterwards', false),
  ).action(async (f: OutputFlags & { engine?: 'mariadb' | 'postgres'; dir: string; rows: number; keep: boolean }) => {
    if (f.logLevel === 'warn' && !process.argv.includes('--log-level')) f.logLevel = 'info';
    await runCommand(f, async ({ log, signal }) => {
      const result = await demo({ ...(f.engine ? { engine: f.engine } : {}), dir: f.dir, rows: f.rows, keep: f.keep, log, signal });
      return { result, verdict: result.verdict, render: renderDemo };
    });
  });
}

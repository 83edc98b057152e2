/** `syncpoint sandbox up|down|status`: a local primary + N replicas from installed server binaries. */
import { InvalidArgumentError, type Command } from 'commander';
import Table from 'cli-table3';
import { addReplica, sandboxDown, sandboxStatus, sandboxUp, type AddReplicaResult, type SandboxInfo } from '../../sandbox/index.js';
import { renderClone } from './clone.js';
import { addOutputFlags, nonNegativeInt } from '../options.js';
import { runCommand, type OutputFlags } from '../run-command.js';

const DEFAULT_DIR = './.syncpoint-sandbox';

function renderInfo(info: SandboxInfo | null): string {
  if (!info) return 'no sandbox here\n';
  const t = new Table({ head: ['node', 'role', 'address', 'pid', 'up', 'replicating', 'dsn'], style: { head: [], border: [] } });
  for (const n of info.nodes) {
    t.push([n.name, n.role, `${n.host}:${n.port}`, n.pid ?? '', n.up === undefined ? '' : n.up ? 'yes' : 'NO', n.role === 'primary' ? '' : n.replicating === undefined ? '' : n.replicating ? 'yes' : 'NO', n.dsn]);
  }
  return `${info.engine} sandbox in ${info.dir}\n${t.toString()}\n`;
}

export function registerSandbox(program: Command): void {
  const sandbox = program.command('sandbox').description('a local primary and replicas from installed server binaries (loopback only)');
  addOutputFlags(
    sandbox
      .command('up')
      .description('start a primary and N replicas, wait until every replica replicates, print the DSNs')
      .option('--dir <dir>', 'where the servers keep their data', DEFAULT_DIR)
      .option('--engine <engine>', 'mariadb or postgres', (v) => {
        if (v !== 'mariadb' && v !== 'postgres') throw new InvalidArgumentError('--engine must be mariadb or postgres');
        return v;
      })
      .option('--replicas <n>', 'replicas (PostgreSQL: physical standbys)', nonNegativeInt('--replicas'), 2)
      .option('--logical <n>', 'PostgreSQL: logical-replication subscribers', nonNegativeInt('--logical'), 0)
      .option('--binlog-format <format>', 'MariaDB: ROW, STATEMENT or MIXED', (v) => {
        const u = v.toUpperCase();
        if (!['ROW', 'STATEMENT', 'MIXED'].includes(u)) throw new InvalidArgumentError('--binlog-format must be ROW, STATEMENT or MIXED');
        return u;
      }, 'ROW')
      .option('--base-port <port>', 'first port to use (default: free ports)', nonNegativeInt('--base-port'))
      .option('--chain', 'replica1 (standby1) follows the primary, replicaN (standbyN) the one before: a replication chain'),
  ).action(async (f: OutputFlags & { dir: string; engine?: 'mariadb' | 'postgres'; replicas: number; logical: number; binlogFormat: 'ROW' | 'STATEMENT' | 'MIXED'; basePort?: number; chain?: boolean }) => {
    await runCommand(f, async ({ log }) => {
      const info = await sandboxUp({
        dir: f.dir,
        ...(f.engine ? { engine: f.engine } : {}),
        replicas: f.replicas,
        logical: f.logical,
        binlogFormat: f.binlogFormat,
        ...(f.basePort ? { basePort: f.basePort } : {}),
        ...(f.chain ? { chain: true } : {}),
        log,
      });
      return { result: info, verdict: 'ok', render: renderInfo };
    });
  });
  addOutputFlags(
    sandbox
      .command('down')
      .description('stop every server of the sandbox and remove its data')
      .option('--dir <dir>', 'the sandbox directory', DEFAULT_DIR)
      .option('--keep', 'keep the data directories', false),
  ).action(async (f: OutputFlags & { dir: string; keep: boolean }) => {
    await runCommand(f, async () => {
      const res = await sandboxDown({ dir: f.dir, keep: f.keep });
      return { result: res, verdict: 'ok', render: (r) => `stopped ${r.stopped.length ? r.stopped.join(', ') : 'nothing'}${r.removed ? '; data removed' : ''}\n` };
    });
  });
  addOutputFlags(
    sandbox
      .command('status')
      .description('show the sandbox topology and whether each node is up and replicating')
      .option('--dir <dir>', 'the sandbox directory', DEFAULT_DIR),
  ).action(async (f: OutputFlags & { dir: string }) => {
    await runCommand(f, async () => {
      const info = await sandboxStatus({ dir: f.dir });
      const healthy = info !== null && info.nodes.every((n) => n.up !== false && (n.role === 'primary' || n.replicating !== false));
      return { result: info, verdict: healthy ? 'ok' : 'incomplete', render: renderInfo };
    });
  });
  addOutputFlags(
    sandbox
      .command('add-replica')
      .description('a new replica (MariaDB) or standby (PostgreSQL) cloned from a running one with `syncpoint clone`, added to the sandbox')
      .requiredOption('--clone-from <name>', 'the replica/standby to clone (e.g. replica1, standby1)')
      .option('--dir <dir>', 'the sandbox directory', DEFAULT_DIR)
      .option('--name <name>', 'name of the new node (default: the next free replicaN / standbyN)')
      .option('--copy-method <method>', 'cold or two-phase', (v) => {
        if (v !== 'cold' && v !== 'two-phase') throw new InvalidArgumentError('--copy-method must be cold or two-phase');
        return v;
      }, 'cold')
      .option('--bwlimit <KiB/s>', 'rsync bandwidth limit', nonNegativeInt('--bwlimit'))
      .option('--no-verify', 'skip the check between the primary and the new node')
      .option('--dry-run', 'print the checks and the plan; change nothing', false),
  ).action(async (f: OutputFlags & { dir: string; cloneFrom: string; name?: string; copyMethod: 'cold' | 'two-phase'; bwlimit?: number; verify: boolean; dryRun: boolean }) => {
    await runCommand(f, async ({ log, signal }) => {
      const res = await addReplica({ dir: f.dir, cloneFrom: f.cloneFrom, ...(f.name ? { name: f.name } : {}), copyMethod: f.copyMethod, ...(f.bwlimit ? { bwlimitKBps: f.bwlimit } : {}), verify: f.verify, dryRun: f.dryRun, log, signal });
      if (res.clone.error) process.stderr.write(`syncpoint: ${res.clone.error}\n`);
      const verdict = res.clone.verdict === 'unverified' ? 'ok' : res.clone.verdict;
      return {
        result: res,
        verdict,
        render: (r: AddReplicaResult) => `${renderClone(r.clone)}${r.node ? `added ${r.node.name} at ${r.node.host}:${r.node.port}: ${r.node.dsn}\n` : ''}`,
      };
    });
  });
}

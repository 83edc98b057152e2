/** `syncpoint preflight`: flags -> options -> api -> render -> verdict (go 0, no-go 1, incomplete 3). */
import { InvalidArgumentError, type Command } from 'commander';
import { preflight } from '../../api/preflight.js';
import { parseAddressEntries } from '../../pipeline/topology/address-map.js';
import { usageError } from '../../errors.js';
import { preflightDefaults } from '../../preflight/run-preflight.js';
import { renderPreflight } from '../render/preflight-table.js';
import { addFilterFlags, addOutputFlags, addTlsFlags, connectionSpecs, specFromFlag, positiveNumber, repeat, tableFilter, type ConnectionFlags, type FilterFlags } from '../options.js';
import { runCommand, type OutputFlags } from '../run-command.js';

interface PreflightFlags extends ConnectionFlags, FilterFlags, OutputFlags {
  candidate?: string;
  discover: boolean;
  address: string[];
  wait: number;
  maxLag: number;
  quick: boolean;
  dataCheck: boolean;
}

function seconds(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a number of seconds >= 0`);
    return n;
  };
}

export function registerPreflight(program: Command): void {
  const cmd = program
    .command('preflight')
    .description('go/no-go for promoting a replica: replication health, position, errant GTIDs, binlog, read_only, followers, temp tables, schema, risks and data')
    .option('--primary <dsn>', 'the current primary: mysql://user@host:port, mariadb://..., postgres://... (password from MYSQL_PWD/PGPASSWORD, ~/.my.cnf, ~/.pgpass)')
    .option('--candidate <dsn>', 'the replica to promote')
    .option('--replica <dsn>', 'another replica that must follow the candidate after the promotion (repeatable); without it, every other server downstream of the primary is discovered', repeat, [])
    .option('--no-discover', 'do not discover the other replicas: only those named with --replica are checked')
    .option('--address <name=host:port>', 'discovery: where to reach a server the primary reports without a usable address: NAME is the application_name or slot (PostgreSQL), or report_host (MySQL) (repeatable)', repeat, [])
    .option('--wait <seconds>', "how long the candidate may take to reach the primary's position", seconds('--wait'), preflightDefaults.waitSeconds)
    .option('--max-lag <seconds>', 'a candidate that reaches the primary\'s position within this many seconds of the check\'s start, past --wait, is a warning, not a failure (0 or at most --wait: no tolerance)', seconds('--max-lag'), preflightDefaults.maxLagSeconds)
    .option('--quick', 'compare exact row counts (counts) instead of chunk checksums (check)', false)
    .option('--no-data-check', 'do not compare data (reported as skip)')
    .option('--connect-timeout <seconds>', 'connect timeout', positiveNumber('--connect-timeout'), preflightDefaults.connectTimeoutMs / 1000);
  addOutputFlags(addFilterFlags(addTlsFlags(cmd))).action(async (f: PreflightFlags) => {
    await runCommand(f, async ({ log, signal }) => {
      if (!f.candidate) throw usageError('--candidate is required (the replica to promote)');
      const { primary, replicas } = connectionSpecs(f, log);
      const candidate = specFromFlag(f.candidate, f, log);
      if (!f.dataCheck && f.quick) throw usageError('--quick and --no-data-check contradict each other: --quick picks how the data is compared');
      const addresses = parseAddressEntries(f.address);
      const result = await preflight({
        primary,
        candidate,
        replicas,
        discover: f.discover,
        ...(addresses.size ? { addresses } : {}),
        waitSeconds: f.wait,
        maxLagSeconds: f.maxLag,
        dataCheck: !f.dataCheck ? 'off' : f.quick ? 'counts' : 'check',
        filter: tableFilter(f),
        connectTimeoutMs: f.connectTimeout * 1000,
        log,
        signal,
      });
      return { result, verdict: result.verdict, render: renderPreflight };
    });
  });
}

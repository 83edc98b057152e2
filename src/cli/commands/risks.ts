/** `syncpoint risks`: flags -> options -> api -> render -> verdict (exit 1 when a finding reaches --fail-on). */
import { InvalidArgumentError, type Command } from 'commander';
import { risks } from '../../api/risks.js';
import { parseDsn } from '../../config/dsn.js';
import { risksDefaults, RULE_IDS } from '../../risks/run-risks.js';
import { renderRisks } from '../render/risks-table.js';
import { addOutputFlags, addTlsFlags, collect, connectionSpecs, nonNegativeInt, positiveNumber, repeat, type ConnectionFlags } from '../options.js';
import { runCommand, type OutputFlags } from '../run-command.js';

interface RisksFlags extends ConnectionFlags, OutputFlags {
  sql: string[];
  binlog: string[];
  fromBinlog: boolean;
  binlogEvents: number;
  digests: boolean;
  failOn: 'warning' | 'error';
  maxLag: number;
  localWriteScan: number;
  rules?: string[];
  skipRules?: string[];
}

export function registerRisks(program: Command): void {
  const cmd = program
    .command('risks')
    .description('audit the primary and replicas for what makes replicas drift: writable replicas, temp tables, mixed engines, unsafe statements, filters, unsafe settings, schema drift')
    .option('--primary <dsn>', 'primary: mysql://user@host:port, mariadb://..., postgres://... (password from MYSQL_PWD/PGPASSWORD, ~/.my.cnf, ~/.pgpass)')
    .option('--replica <dsn>', 'a replica (repeatable); without it, replicas are discovered from the primary where possible', repeat, [])
    .option('--connect-timeout <seconds>', 'connect timeout', positiveNumber('--connect-timeout'), risksDefaults.connectTimeoutMs / 1000)
    .option('--sql <file>', 'SQL the application runs (repeatable): checked for statements unsafe under statement-based logging', repeat, [])
    .option('--binlog <file>', 'a binary log file (or mysqlbinlog text output) to check (repeatable)', repeat, [])
    .option('--from-binlog', "read the primary's binary logs through the server (SHOW BINLOG EVENTS)", false)
    .option('--binlog-events <n>', 'at most this many binlog events, newest first', nonNegativeInt('--binlog-events'), risksDefaults.binlogMaxEvents)
    .option('--no-digests', 'do not read performance_schema statement digests')
    .option('--fail-on <severity>', 'exit 1 when a finding is at least this severe: warning or error', (v) => {
      if (v !== 'warning' && v !== 'error') throw new InvalidArgumentError('--fail-on must be warning or error');
      return v;
    }, risksDefaults.failOn)
    .option('--max-lag <seconds>', 'replication lag above this is a finding', nonNegativeInt('--max-lag'), risksDefaults.maxLagSeconds)
    .option('--local-write-scan <seconds>', 'PostgreSQL subscribers: time per table to look for locally written rows (0: off)', (v) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('--local-write-scan must be a number >= 0');
      return n;
    }, risksDefaults.localWriteScanMs / 1000)
    .option('--rules <ids>', `only these rules (comma-separated): ${RULE_IDS.join(', ')}`, collect)
    .option('--skip-rules <ids>', 'skip these rules (comma-separated)', collect);
  addOutputFlags(addTlsFlags(cmd)).action(async (f: RisksFlags) => {
    await runCommand(f, async ({ log }) => {
      const offline = !f.primary && (f.sql.length > 0 || f.binlog.length > 0);
      const { primary, replicas } = offline ? { primary: null, replicas: f.replica.map((d) => parseDsn(d)) } : connectionSpecs(f, log);
      const result = await risks({
        primary,
        replicas,
        sqlFiles: f.sql,
        binlogFiles: f.binlog,
        fromBinlog: f.fromBinlog,
        binlogMaxEvents: f.binlogEvents,
        digests: f.digests,
        failOn: f.failOn,
        maxLagSeconds: f.maxLag,
        connectTimeoutMs: f.connectTimeout * 1000,
        localWriteScanMs: f.localWriteScan * 1000,
        ...(f.rules ? { rules: f.rules } : {}),
        ...(f.skipRules ? { skipRules: f.skipRules } : {}),
        log,
      });
      return { result, verdict: result.verdict, render: renderRisks };
    });
  });
}

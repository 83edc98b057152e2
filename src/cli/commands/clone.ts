/** `syncpoint clone`: flags -> options -> api -> render -> exit code. */
import { InvalidArgumentError, type Command } from 'commander';
import Table from 'cli-table3';
import { clone, cloneDefaults, targetSpec, type CloneResult, type StepEvent } from '../../api/clone.js';
import { withTls } from '../../config/dsn.js';
import { humanBytes } from '../../clone/datadir.js';
import { formatRecorded } from '../../clone/manifest-build.js';
import { COPY_METHODS, type CopyMethod } from '../../clone/types.js';
import { addFilterFlags, addOutputFlags, addTlsFlags, positiveNumber, repeat, specFromFlag, tableFilter, tlsFromFlags, warnInlinePassword, type FilterFlags, type TlsFlags } from '../options.js';
import { usageError } from '../../errors.js';
import { runCommand, type OutputFlags } from '../run-command.js';

interface CloneFlags extends OutputFlags, TlsFlags, FilterFlags {
  source?: string;
  sourceDatadir?: string;
  sourceStart?: string;
  sourceStop?: string;
  target?: string;
  targetDatadir?: string;
  targetStart?: string;
  targetStop?: string;
  targetServerId?: number;
  targetSlot?: string;
  targetAppName?: string;
  targetSetting: string[];
  primary?: string;
  replUser?: string;
  copyMethod: CopyMethod;
  copyCommand?: string;
  copyFrom?: string;
  copyCleanup?: string;
  copyDir: string[];
  bwlimit?: number;
  force: boolean;
  manifest?: string;
  verify: boolean;
  dryRun: boolean;
  logFile?: string;
  tempTableTimeout: number;
  startTimeout: number;
  stopTimeout: number;
  catchUpTimeout: number;
  connectTimeout: number;
}

const secs = (ms: number | null | undefined) => (ms === null || ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);

const positiveInt = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number >= 1`);
  return n;
};

export function renderClone(r: CloneResult): string {
  const out: string[] = [];
  if (r.dryRun) {
    out.push(`clone plan (dry run, nothing changed): ${r.verdict === 'go' ? 'GO' : 'NO-GO'}`);
    const t = new Table({ head: ['check', 'ok', 'detail'], style: { head: [], border: [] }, wordWrap: true, colWidths: [30, 6, 90] });
    for (const c of r.checks) t.push([c.name, c.ok ? 'yes' : 'NO', c.detail]);
    out.push(t.toString());
    for (const s of r.plan) {
      out.push(`${s.step}. ${s.name}: ${s.title}`);
      for (const a of s.actions) out.push(`     - ${a}`);
    }
    return `${out.join('\n')}\n`;
  }
  const m = r.manifest;
  if (!m) return `${r.error ?? 'clone failed'}\n`;
  out.push(`clone ${m.source.address} -> ${m.target.address} (${m.engine ?? '?'}, ${m.copyMethod}): ${r.verdict.toUpperCase()}${m.complete ? '' : ' (target marked incomplete)'}`);
  const t = new Table({ head: ['step', 'name', 'status', 'time', 'detail'], style: { head: [], border: [] }, wordWrap: true, colWidths: [6, 16, 9, 9, 80] });
  for (const s of m.steps) t.push([s.step, s.name, s.status, secs(s.durationMs), s.error ?? s.detail ?? '']);
  out.push(t.toString());
  out.push(`position:         ${formatRecorded(m.position)}${m.replicationMode ? ` (${m.replicationMode})` : ''}`);
  if (m.sourceDowntime) {
    const d = m.sourceDowntime;
    out.push(`source downtime:  ${secs(m.sourceDowntimeMs)} (shutdown ${secs(d.shutdownMs)}, copy while stopped ${secs(d.stoppedCopyMs)}, restart ${secs(d.restartMs)}); replication paused ${secs(m.replicationPausedMs)}`);
  }
  out.push(`copied:           ${humanBytes(m.bytesCopied)} of files${m.bytesSent !== m.bytesCopied ? ` (${humanBytes(m.bytesSent)} sent)` : ''} in ${m.copyPasses.length} pass(es)${m.datadirBytes !== null ? `; data directory ${humanBytes(m.datadirBytes)}` : ''}`);
  out.push(`target:           ${m.target.address} ${m.target.datadir}${m.target.serverId !== null ? `, server_id ${m.target.serverId}` : ''}${m.target.slot ? `, slot ${m.target.slot}` : ''}`);
  out.push(`catch-up:         ${secs(m.catchUpMs)}`);
  out.push(`verification:     ${m.verification ? `${m.verification.verdict} (${m.verification.tables} table(s)${m.verification.driftTables.length ? `; drift: ${m.verification.driftTables.join(', ')}` : ''})` : 'not run'}`);
  if (r.manifestFile) out.push(`manifest:         ${r.manifestFile}`);
  if (r.logFile) out.push(`log:              ${r.logFile}`);
  for (const n of m.notes) out.push(`note: ${n}`);
  if (r.error) out.push(`error: ${r.error}`);
  return `${out.join('\n')}\n`;
}

function progress(e: StepEvent): void {
  const label = `[${e.step}] ${e.name}`;
  if (e.phase === 'start') process.stderr.write(`${label}: ${e.title} ...\n`);
  else if (e.phase === 'end') process.stderr.write(`${label}: done in ${secs(e.durationMs)}${e.detail ? `: ${e.detail}` : ''}\n`);
  else if (e.phase === 'failed') process.stderr.write(`${label}: FAILED after ${secs(e.durationMs)}: ${e.error ?? ''}\n`);
  else process.stderr.write(`${label}: skipped${e.detail ? ` (${e.detail})` : ''}\n`);
}

export function registerClone(program: Command): void {
  const cmd = program
    .command('clone')
    .description('a new replica from a stopped replica\'s data directory at recorded coordinates, caught up and verified (MariaDB/MySQL, PostgreSQL)')
    .option('--source <dsn>', 'the source replica (a healthy replica / physical standby) on this host')
    .option('--source-datadir <dir>', "its data directory (default: what the server reports)")
    .option('--source-start <command>', 'shell command that starts the source again (run detached with /bin/sh -c; it may daemonize or stay in the foreground)')
    .option('--source-stop <command>', 'shell command that stops the source (default: SQL SHUTDOWN; PostgreSQL: SIGINT to the postmaster)')
    .option('--target <dsn>', "how to reach the new replica once started (default credentials: the source's)")
    .option('--target-datadir <dir>', 'the new replica\'s data directory: empty or absent (unless --force)')
    .option('--target-start <command>', 'shell command that starts the new replica (env: SYNCPOINT_SERVER_ID, SYNCPOINT_TARGET_DATADIR, SYNCPOINT_TARGET_PORT)')
    .option('--target-stop <command>', 'shell command that stops the new replica if the clone fails after starting it')
    .option('--target-server-id <n>', 'MySQL/MariaDB server_id (default: a free one, or the target configuration\'s own when that is free)', positiveInt('--target-server-id'))
    .option('--target-slot <name>', 'PostgreSQL: the new standby\'s slot on the primary (default: syncpoint_clone_<port> when the source uses a slot)')
    .option('--target-app-name <name>', 'PostgreSQL: application_name in the new standby\'s primary_conninfo')
    .option('--target-setting <name=value>', 'PostgreSQL: a setting for the copy\'s postgresql.auto.conf, e.g. unix_socket_directories=/run/pg2 (repeatable)', repeat, [])
    .option('--primary <dsn>', "where the new replica replicates from (default: the source's primary, with the source's credentials)")
    .option('--repl-user <user>', "replication account (password in SYNCPOINT_REPL_PASSWORD; default: the source's replication settings)")
    .option('--copy-method <method>', 'cold (copy while stopped), two-phase (rsync while running, then the delta while stopped) or command (--copy-command while stopped)', (v) => {
      if (!COPY_METHODS.includes(v as CopyMethod)) throw new InvalidArgumentError(`--copy-method must be ${COPY_METHODS.join(', ')}`);
      return v;
    }, cloneDefaults.copyMethod)
    .option('--copy-command <command>', 'copy-method command: run while the source is stopped (env SYNCPOINT_SOURCE_DATADIR, SYNCPOINT_TARGET_DATADIR), e.g. an LVM/ZFS snapshot')
    .option('--copy-from <dir>', 'copy-method command: the snapshot\'s view of the data directory, copied to the target after the source is back')
    .option('--copy-cleanup <command>', 'copy-method command: run after --copy-from was copied (release the snapshot)')
    .option('--copy-dir <src=dst>', 'a source directory outside the data directory (InnoDB redo/undo, tablespaces, pg_wal) and where its copy goes (repeatable)', repeat, [])
    .option('--bwlimit <KiB/s>', 'rsync bandwidth limit', positiveInt('--bwlimit'))
    .option('--force', 'accept a non-empty target data directory (its contents are replaced)', false)
    .option('--manifest <file>', 'where to write the JSON manifest (default: <target-datadir>/syncpoint-clone.json)')
    .option('--no-verify', 'skip the check between the primary and the new replica')
    .option('--dry-run', 'print the checks and the plan; change nothing', false)
    .option('--log-file <file>', 'output of the start/stop/copy commands (default: <target-datadir>.clone.log)')
    .option('--temp-table-timeout <seconds>', 'how long to wait for the source\'s open temporary tables to close', positiveNumber('--temp-table-timeout'), cloneDefaults.tempTableTimeoutMs / 1000)
    .option('--start-timeout <seconds>', 'how long a started server may take to answer', positiveNumber('--start-timeout'), cloneDefaults.startTimeoutMs / 1000)
    .option('--stop-timeout <seconds>', 'how long a stopping server may take to exit', positiveNumber('--stop-timeout'), cloneDefaults.stopTimeoutMs / 1000)
    .option('--catch-up-timeout <seconds>', 'how long the new replica may take to catch up', positiveNumber('--catch-up-timeout'), cloneDefaults.catchUpTimeoutMs / 1000)
    .option('--connect-timeout <seconds>', 'connect timeout', positiveNumber('--connect-timeout'), cloneDefaults.connectTimeoutMs / 1000);
  addFilterFlags(cmd);
  addOutputFlags(addTlsFlags(cmd)).action(async (f: CloneFlags) => {
    await runCommand(f, async ({ log, signal }) => {
      if (!f.source) throw usageError('--source is required');
      if (!f.target) throw usageError('--target is required');
      if (!f.targetDatadir) throw usageError('--target-datadir is required');
      const source = specFromFlag(f.source, f, log);
      // The target borrows the source's credentials when it names none: warn for its own only.
      const target = withTls(targetSpec(f.target, source), tlsFromFlags(f));
      if (source.passwordSource !== 'dsn') warnInlinePassword(target, log);
      const result = await clone({
        source,
        ...(f.sourceDatadir ? { sourceDatadir: f.sourceDatadir } : {}),
        ...(f.sourceStart ? { sourceStart: f.sourceStart } : {}),
        ...(f.sourceStop ? { sourceStop: f.sourceStop } : {}),
        target,
        targetDatadir: f.targetDatadir,
        ...(f.targetStart ? { targetStart: f.targetStart } : {}),
        ...(f.targetStop ? { targetStop: f.targetStop } : {}),
        ...(f.targetServerId !== undefined ? { targetServerId: f.targetServerId } : {}),
        ...(f.targetSlot ? { targetSlot: f.targetSlot } : {}),
        ...(f.targetAppName ? { targetAppName: f.targetAppName } : {}),
        targetSettings: f.targetSetting,
        ...(f.primary ? { primary: specFromFlag(f.primary, f, log) } : {}),
        ...(f.replUser ? { replUser: f.replUser } : {}),
        copyMethod: f.copyMethod,
        ...(f.copyCommand ? { copyCommand: f.copyCommand } : {}),
        ...(f.copyFrom ? { copyFrom: f.copyFrom } : {}),
        ...(f.copyCleanup ? { copyCleanup: f.copyCleanup } : {}),
        copyDirs: f.copyDir,
        ...(f.bwlimit ? { bwlimitKBps: f.bwlimit } : {}),
        force: f.force,
        ...(f.manifest ? { manifestFile: f.manifest } : {}),
        verify: f.verify,
        dryRun: f.dryRun,
        ...(f.logFile ? { logFile: f.logFile } : {}),
        tempTableTimeoutMs: f.tempTableTimeout * 1000,
        startTimeoutMs: f.startTimeout * 1000,
        stopTimeoutMs: f.stopTimeout * 1000,
        catchUpTimeoutMs: f.catchUpTimeout * 1000,
        connectTimeoutMs: f.connectTimeout * 1000,
        verifyFilter: tableFilter(f),
        log,
        signal,
        ...(f.format === 'table' ? { onStep: progress } : {}),
      });
      if (result.error) process.stderr.write(`syncpoint: ${result.error}\n`);
      const verdict = result.verdict === 'unverified' ? 'ok' : result.verdict;
      return { result, verdict, render: renderClone };
    });
  });
}

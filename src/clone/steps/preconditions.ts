/**
 * Step 1, preconditions: read-only. The engine adapter checks the source (a healthy replica, no
 * errant transactions, versions) and its primary; this step checks what is engine-agnostic: the
 * commands, the target directory, disk space, directories outside the data directory, rsync.
 * Every check is a result (the dry run prints them all); a real run stops at the first failing set.
 */
import { access, constants, realpath } from 'node:fs/promises';
import { connect } from 'node:net';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SyncpointError } from '../../errors.js';
import { connectFor } from '../adapters/adapter.js';
import { MysqlFamilyAdapter } from '../adapters/mysql-family.js';
import { PostgresAdapter } from '../adapters/postgres.js';
import type { CloneContext } from '../context.js';
import { dirSize, dirState, freeBytes, humanBytes, isInside, outgoingSymlinks } from '../datadir.js';
import { DEFAULT_MANIFEST_NAME, INCOMPLETE_MARKER } from '../phases.js';
import { processAlive, processesNaming, readPidFile } from '../server-process.js';
import { which } from '../shell.js';

/** Room beyond the copy itself: the target's own logs and the WAL/binlog it writes while catching up. */
const DISK_HEADROOM = 1.1;

/** True when something accepts TCP connections at host:port within 1 s. */
export function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolveP) => {
    const sock = connect({ host, port });
    const done = (v: boolean) => {
      sock.destroy();
      resolveP(v);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

async function readable(dir: string): Promise<boolean> {
  try {
    await access(dir, constants.R_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function preconditions(ctx: CloneContext): Promise<string> {
  const o = ctx.opts;
  const check = (name: string, ok: boolean, detail: string) => ctx.checks.push({ name, ok, detail });

  const source = await connectFor(o.source, o.connectTimeoutMs);
  ctx.adapter = source.family === 'postgres' ? new PostgresAdapter(source, ctx) : new MysqlFamilyAdapter(source, ctx);
  check('source reachable', true, `${source.server.label}, ${source.version}`);
  if (o.target.family !== source.family) check('target address', false, `--target is a ${o.target.family} address but the source is ${source.family}`);
  await ctx.adapter.inspect(ctx);
  const adapter = ctx.adapter;

  // Commands.
  if (!o.sourceStart) check('source start command', false, 'give --source-start: how to start the source again after the copy');
  if (!o.targetStart) check('target start command', false, 'give --target-start: how to start the new replica');
  if (o.copyMethod === 'command' && !o.copyCommand) check('copy command', false, '--copy-method command needs --copy-command');
  if (o.copyMethod !== 'command' && (o.copyCommand || o.copyFrom || o.copyCleanup)) check('copy command', false, '--copy-command, --copy-from and --copy-cleanup go with --copy-method command');
  const needsRsync = o.copyMethod !== 'command' || o.copyFrom !== null || o.copyDirs.length > 0;
  if (needsRsync) {
    const r = which('rsync');
    check('rsync', r !== null, r ?? 'rsync is not installed (Debian: apt-get install rsync)');
  }

  // The target directory.
  const src = ctx.sourceDatadir;
  const tgt = resolve(o.targetDatadir);
  if (src) {
    const srcReal = await realpath(src).catch(() => src);
    const tgtReal = existsSync(tgt) ? await realpath(tgt).catch(() => tgt) : tgt;
    if (isInside(tgtReal, srcReal) || isInside(srcReal, tgtReal)) check('target directory', false, `${tgt} and the source's ${srcReal} overlap`);
    else await targetDirCheck(ctx, tgt);
    check('source data directory readable', await readable(src), `${src}${(await readable(src)) ? '' : ': not readable by this user (run as root or as the data owner)'}`);
  }
  if (o.target.host === o.source.host && o.target.port === o.source.port) check('target address', false, `--target ${o.target.label} is the source's address`);
  else if (!o.target.socket && (await listening(o.target.host, o.target.port))) {
    check('target address free', false, `something already answers at ${o.target.label}: the new replica must be the first server there`);
  } else check('target address free', true, `${o.target.label}`);

  // Outside the data directory: required locations need a --copy-dir, links must lead into one.
  const mapped = (p: string) => o.copyDirs.some((d) => isInside(p, d.from) && isInside(d.from, p));
  for (const d of adapter.outsideDirs) {
    if (mapped(d.path)) check(`outside directory: ${d.what}`, true, `${d.path} -> ${o.copyDirs.find((m) => isInside(d.path, m.from))!.to}`);
    else if (d.required) check(`outside directory: ${d.what}`, false, `${d.path} is outside the data directory: give --copy-dir ${d.path}=<where the target's copy goes>`);
    else ctx.note(`${d.what} live outside the data directory (${d.path}) and are not copied${d.only ? ' (pending LOAD DATA files are fetched again: the copy restarts from the executed position)' : ''}; map them with --copy-dir to copy them`);
  }
  if (src) {
    for (const link of await outgoingSymlinks(src)) {
      const ok = o.copyDirs.some((d) => isInside(link.target, d.from));
      check(`link ${link.path}`, ok, ok ? `-> ${link.target}, copied by --copy-dir` : `${link.path} links outside the data directory to ${link.target}: give --copy-dir ${link.target}=<where the target's copy goes>`);
    }
  }
  for (const d of o.copyDirs) {
    if (!(await readable(d.from))) check(`--copy-dir ${d.from}`, false, 'not readable');
    if (src && (isInside(d.to, src) || isInside(d.to, d.from) || isInside(d.from, d.to))) check(`--copy-dir ${d.from}`, false, `its destination ${d.to} overlaps a source directory`);
  }

  // Space.
  if (src) {
    const size = await dirSize(src);
    let bytes = size.bytes;
    for (const d of o.copyDirs) bytes += (await dirSize(d.from).catch(() => ({ bytes: 0 }))).bytes;
    ctx.datadirBytes = size.bytes;
    const free = await freeBytes(dirname(tgt));
    const need = Math.ceil(bytes * DISK_HEADROOM);
    check('free disk space', free >= need, `${humanBytes(bytes)} to copy (${size.files} files), ${humanBytes(free)} free for ${dirname(tgt)}${free >= need ? '' : `: need about ${humanBytes(need)}`}`);
  }

  const failed = ctx.checks.filter((c) => !c.ok);
  if (failed.length && !o.dryRun) {
    const kind = failed.some((c) => c.name === 'target directory' || c.name.startsWith('copy command') || c.name.endsWith('start command')) ? 'usage' : 'config';
    throw new SyncpointError(kind, `clone preconditions failed: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}`);
  }
  return `${ctx.checks.length - failed.length}/${ctx.checks.length} checks passed`;
}

async function targetDirCheck(ctx: CloneContext, tgt: string): Promise<void> {
  const o = ctx.opts;
  const check = (ok: boolean, detail: string): void => {
    ctx.checks.push({ name: 'target directory', ok, detail });
  };
  const state = await dirState(tgt);
  if (state === 'absent') return check(true, `${tgt} (absent: created)`);
  if (state === 'empty') return check(true, `${tgt} (empty)`);
  // Even with --force: never replace the files of a server that runs there.
  const pgPid = await readPidFile(join(tgt, 'postmaster.pid'));
  const running = pgPid !== null && processAlive(pgPid) ? [pgPid] : processesNaming(tgt);
  if (running.length) return check(false, `${tgt} belongs to a running server (pid ${running[0]}): stop it first`);
  if (existsSync(join(tgt, INCOMPLETE_MARKER)) && o.force) return check(true, `${tgt} (an incomplete earlier clone: replaced, --force)`);
  if (o.force) return check(true, `${tgt} is not empty: its contents are replaced (--force)`);
  const hint = existsSync(join(tgt, INCOMPLETE_MARKER)) ? ' (an incomplete earlier clone)' : existsSync(join(tgt, DEFAULT_MANIFEST_NAME)) ? ' (a finished clone)' : '';
  check(false, `${tgt} is not empty${hint}: refusing to overwrite it; empty it, pick another --target-datadir, or give --force`);
}

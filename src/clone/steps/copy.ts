/**
 * Step 3, copy. The data directory and every mapped outside directory ("units") go to the
 * target by the chosen method:
 *   cold       one rsync per unit while the source is stopped;
 *   two-phase  rsync passes while the source runs (copyLive, before the quiesce), then, stopped,
 *              a forced pass over the files whose copy may have raced a write, and a quick
 *              (size + mtime) pass with --delete: the source is down only for the delta;
 *   command    the user's snapshot command while the source is stopped; with --copy-from, the
 *              snapshot is rsynced to the target after the source is back (copySnapshot).
 * Every pass excludes the engine's runtime files and protects the clone's own marker/manifest
 * in the target. The copy is safe to interrupt: the target stays marked incomplete.
 */
import { lstat, mkdir, mkdtemp, readlink, rm, symlink, unlink, writeFile, lchown } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { SyncpointError } from '../../errors.js';
import type { CloneContext } from '../context.js';
import { dirSize, dirState, filesModifiedSince, humanBytes, isInside, outgoingSymlinks } from '../datadir.js';
import { writeMarker } from '../marker.js';
import { DEFAULT_MANIFEST_NAME, INCOMPLETE_MARKER } from '../phases.js';
import { rsync, type RsyncStats } from '../rsync.js';
import { runShell } from '../shell.js';

/** Slack for the coarse file timestamps (a jiffy on ext4, 2 s on FAT): a copy read this soon after the file's last write is suspect. */
export const MTIME_SLACK_MS = 2000;
/** Two-phase: another pass while running when the last one took longer than this (its delta would be large). */
const REPEAT_LIVE_PASS_MS = 5000;
const MAX_LIVE_PASSES = 3;

export interface CopyUnit {
  readonly name: string;
  readonly from: string;
  readonly to: string;
  readonly excludes: readonly string[];
  readonly only?: readonly string[];
}

/** The data directory plus each mapped outside directory. */
export function copyUnits(ctx: CloneContext): CopyUnit[] {
  const o = ctx.opts;
  const adapter = ctx.requireAdapter();
  const own = [`/${INCOMPLETE_MARKER}`, `/${DEFAULT_MANIFEST_NAME}`];
  const units: CopyUnit[] = [{ name: 'data directory', from: ctx.sourceDatadir!, to: o.targetDatadir, excludes: [...adapter.copyExcludes, ...own] }];
  for (const m of o.copyDirs) {
    const known = adapter.outsideDirs.find((d) => isInside(m.from, d.path) && isInside(d.path, m.from));
    units.push({ name: known?.what ?? m.from, from: m.from, to: m.to, excludes: [], ...(known?.only ? { only: known.only } : {}) });
  }
  return units;
}

async function ensureTarget(ctx: CloneContext): Promise<void> {
  const dir = ctx.opts.targetDatadir;
  if ((await dirState(dir)) === 'absent') {
    // Parents stay traversable (the server may run as another OS user); the data directory itself is private.
    await mkdir(dirname(dir), { recursive: true });
    await mkdir(dir, { mode: 0o700 });
  }
  ctx.targetTouched = true;
  await writeMarker(ctx, 'copying');
}

function record(ctx: CloneContext, name: string, whileRunning: boolean, s: RsyncStats): void {
  ctx.copyPasses.push({ name, whileRunning, bytes: s.bytes, literalBytes: s.literalBytes, files: s.files, durationMs: s.durationMs });
}

/** Per target-relative file: when the pass that last transferred it started (two-phase). */
const lastRead = new WeakMap<CloneContext, Map<string, number>>();

async function pass(ctx: CloneContext, u: CopyUnit, name: string, live: boolean, extra: { forceFiles?: string; delete?: boolean; delta?: boolean } = {}): Promise<RsyncStats> {
  const o = ctx.opts;
  const startedAt = Date.now();
  const s = await rsync(u.from, u.to, {
    what: `${name} (${u.name})`,
    log: ctx.commandLog,
    excludes: u.excludes,
    ...(u.only ? { onlyFiles: u.only } : {}),
    delete: extra.delete ?? !u.only,
    ...(extra.forceFiles ? { forceFiles: extra.forceFiles } : {}),
    bwlimitKBps: o.bwlimitKBps,
    live,
    timeoutMs: o.commandTimeoutMs,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    onSpawn: ctx.trackPid,
    onExit: ctx.untrackPid,
    listTransferred: o.copyMethod === 'two-phase',
    ...(extra.delta ? { delta: true } : {}),
  });
  if (o.copyMethod === 'two-phase') {
    let m = lastRead.get(ctx);
    if (!m) lastRead.set(ctx, (m = new Map()));
    for (const f of s.transferred) m.set(join(u.to, f.path), startedAt);
  }
  record(ctx, `${name}: ${u.name}`, live, s);
  return s;
}

/** two-phase, source running: as many passes as it takes to make the stopped delta small. */
export async function copyLive(ctx: CloneContext): Promise<string> {
  await ensureTarget(ctx);
  const units = copyUnits(ctx);
  let n = 0;
  let total = 0;
  let bytes = 0;
  for (let i = 1; i <= MAX_LIVE_PASSES; i++) {
    ctx.checkAborted();
    const t0 = Date.now();
    ctx.lastLivePassStartedAt ??= t0;
    for (const u of units) bytes += (await pass(ctx, u, `live pass ${i}`, true, { delta: i > 1 })).bytes;
    n = i;
    total += Date.now() - t0;
    if (Date.now() - t0 < REPEAT_LIVE_PASS_MS) break;
  }
  return `${n} pass(es) while the source ran, ${humanBytes(bytes)} in ${(total / 1000).toFixed(1)} s`;
}

/**
 * Files whose target copy may be stale although size and mtime match: the copy was read less
 * than MTIME_SLACK_MS after the file's last write, so a later write in the same timestamp tick
 * would not have changed the mtime. Re-copied unconditionally while the source is stopped.
 */
async function suspects(ctx: CloneContext, u: CopyUnit): Promise<string[]> {
  const firstPass = ctx.lastLivePassStartedAt ?? Date.now();
  const reads = lastRead.get(ctx) ?? new Map<string, number>();
  const candidates = await filesModifiedSince(u.to, 0, new Set([INCOMPLETE_MARKER, DEFAULT_MANIFEST_NAME]));
  const out: string[] = [];
  for (const rel of candidates) {
    const read = reads.get(join(u.to, rel)) ?? firstPass;
    try {
      if ((await lstat(join(u.to, rel))).mtimeMs < read - MTIME_SLACK_MS) continue;
      // Gone from the source since (a temporary tablespace, a purged relay log): --delete's job.
      if ((await lstat(join(u.from, rel))).isFile()) out.push(rel);
    } catch {
      /* gone */
    }
  }
  return out;
}

/** While the source is stopped: the whole copy (cold), the delta (two-phase), or the snapshot command. */
export async function copyStopped(ctx: CloneContext): Promise<string> {
  const o = ctx.opts;
  const started = Date.now();
  try {
    if (o.copyMethod === 'command') return await snapshotCommand(ctx);
    if (o.copyMethod === 'cold') await ensureTarget(ctx);
    const units = copyUnits(ctx);
    let bytes = 0;
    let sent = 0;
    let forced = 0;
    for (const u of units) {
      ctx.checkAborted();
      if (o.copyMethod === 'two-phase' && !u.only) {
        const list = await suspects(ctx, u);
        forced += list.length;
        if (list.length) {
          const tmp = await mkdtemp(join(tmpdir(), 'syncpoint-clone-'));
          try {
            const file = join(tmp, 'files');
            await writeFile(file, `${list.join('\n')}\n`);
            const r = await pass(ctx, u, 'stopped pass (recently written files)', false, { forceFiles: file, delete: false, delta: true });
            bytes += r.bytes;
            sent += r.literalBytes;
          } finally {
            await rm(tmp, { recursive: true, force: true });
          }
        }
      }
      const r = await pass(ctx, u, o.copyMethod === 'two-phase' ? 'stopped pass (delta)' : 'copy', false, { delta: o.copyMethod === 'two-phase' });
      bytes += r.bytes;
      sent += r.literalBytes;
    }
    await repointLinks(ctx);
    return o.copyMethod === 'two-phase'
      ? `delta: ${humanBytes(bytes)} of files updated, ${humanBytes(sent)} of changed blocks sent (${forced} recently written file(s) re-checked) while stopped`
      : `${humanBytes(bytes)} while stopped`;
  } finally {
    ctx.times.stoppedCopyMs += Date.now() - started;
  }
}

async function snapshotCommand(ctx: CloneContext): Promise<string> {
  const o = ctx.opts;
  if (!o.copyFrom) await ensureTarget(ctx);
  else ctx.targetTouched = true;
  const t0 = Date.now();
  await runShell(o.copyCommand!, { what: 'copy command', log: ctx.commandLog, timeoutMs: o.commandTimeoutMs, env: ctx.commandEnv(), ...(ctx.signal ? { signal: ctx.signal } : {}), onSpawn: ctx.trackPid, onExit: ctx.untrackPid });
  // The command copies (or snapshots) the data directory; what lives outside it (InnoDB redo and
  // undo, a pg_wal or tablespaces elsewhere), mapped with --copy-dir, is copied here, still stopped.
  let outside = 0;
  for (const u of copyUnits(ctx).slice(1)) {
    ctx.checkAborted();
    outside += (await pass(ctx, u, 'copy (outside the data directory)', false)).bytes;
  }
  const besides = o.copyDirs.length ? `; ${humanBytes(outside)} from ${o.copyDirs.length} --copy-dir director${o.copyDirs.length === 1 ? 'y' : 'ies'}` : '';
  if (o.copyFrom) return `snapshot command done in ${((Date.now() - t0) / 1000).toFixed(1)} s${besides}; copied from ${o.copyFrom} once the source is back`;
  const size = await dirSize(o.targetDatadir);
  if (size.files === 0) throw new SyncpointError('server', `the copy command left ${o.targetDatadir} empty: it must fill the target data directory (or give --copy-from with the snapshot's path)`);
  ctx.copyPasses.push({ name: 'copy command', whileRunning: false, bytes: size.bytes, literalBytes: size.bytes, files: size.files, durationMs: Date.now() - t0 });
  await repointLinks(ctx);
  return `copy command: ${humanBytes(size.bytes)} in the target${besides}`;
}

/** command + --copy-from: the snapshot's view of the data directory, after the source is back. */
export async function copySnapshot(ctx: CloneContext): Promise<string> {
  const o = ctx.opts;
  try {
    await ensureTarget(ctx);
    const adapter = ctx.requireAdapter();
    const u: CopyUnit = { name: 'snapshot', from: o.copyFrom!, to: o.targetDatadir, excludes: [...adapter.copyExcludes, `/${INCOMPLETE_MARKER}`, `/${DEFAULT_MANIFEST_NAME}`] };
    const s = await pass(ctx, u, 'copy from snapshot', false);
    await repointLinks(ctx);
    return `${humanBytes(s.bytes)} from ${o.copyFrom}`;
  } finally {
    await releaseSnapshot(ctx);
  }
}

/** --copy-cleanup, once (also when the clone fails before copySnapshot). */
export async function releaseSnapshot(ctx: CloneContext): Promise<void> {
  const o = ctx.opts;
  if (!o.copyCleanup || ctx.snapshotReleased || !ctx.times.sourceGoneAt) return;
  ctx.snapshotReleased = true;
  await runShell(o.copyCleanup, { what: 'copy cleanup command', log: ctx.commandLog, timeoutMs: o.commandTimeoutMs, env: ctx.commandEnv() });
}

/**
 * Links that led outside the source's data directory (tablespaces, a pg_wal elsewhere) point
 * into the mapped copies in the target, never back at the source's files.
 */
async function repointLinks(ctx: CloneContext): Promise<void> {
  const o = ctx.opts;
  for (const link of await outgoingSymlinks(o.targetDatadir)) {
    const m = o.copyDirs.find((d) => isInside(link.target, d.from));
    const at = join(o.targetDatadir, link.path);
    let next: string;
    if (m) next = join(m.to, relative(m.from, link.target));
    else if (isInside(link.target, ctx.sourceDatadir!)) next = join(o.targetDatadir, relative(ctx.sourceDatadir!, link.target));
    else throw new SyncpointError('config', `${link.path} in the copy links to ${link.target}, which no --copy-dir maps: the target would share the source's files`);
    if ((await readlink(at)) === next) continue;
    const st = await lstat(at);
    await unlink(at);
    await symlink(next, at);
    await lchown(at, st.uid, st.gid).catch(() => undefined);
    ctx.log.info({ link: link.path, to: next }, 'symlink repointed into the copy');
  }
}

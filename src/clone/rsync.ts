/**
 * rsync, the copy engine: archive mode with hard links and numeric ids, so a data directory owned
 * by another OS user (postgres, mysql) keeps its owner and modes when we run as root.
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { SyncpointError } from '../errors.js';
import { logLine, type CommandLog } from './shell.js';

export interface RsyncOptions {
  readonly what: string;
  readonly log: CommandLog;
  /** rsync exclude patterns (anchored with a leading / at the transfer root). */
  readonly excludes: readonly string[];
  /** Only these patterns (rsync --include before a final --exclude=*). */
  readonly onlyFiles?: readonly string[];
  /** Delete what the source no longer has (excluded names are protected on the receiver). */
  readonly delete: boolean;
  /** Copy these relative paths only, always (no size/mtime quick check). */
  readonly forceFiles?: string;
  readonly bwlimitKBps: number | null;
  /** The source is running: files vanishing or changing under rsync (exit 23/24) are expected. */
  readonly live: boolean;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  readonly onSpawn?: (pid: number) => void;
  readonly onExit?: (pid: number) => void;
  /**
   * Update changed files in place by rsync's delta algorithm instead of rewriting them whole:
   * for a target that already holds an older copy (two-phase), a large hot file (an InnoDB
   * tablespace, a PostgreSQL relation segment) then costs its changed blocks, about half the time
   * of a whole copy even on a local disk. A torn file after an interruption is harmless: the
   * target is marked incomplete until the clone finishes.
   */
  readonly delta?: boolean;
  /** Report the files this pass transferred (two-phase keeps when each was last read). */
  readonly listTransferred?: boolean;
}

export interface RsyncStats {
  /** Size of the files copied or updated. */
  readonly bytes: number;
  /** What rsync actually had to send (its "Literal data"): less than `bytes` when a delta transfer updated files in place. */
  readonly literalBytes: number;
  readonly files: number;
  readonly durationMs: number;
  /** Regular files transferred (relative path, size), when asked for. */
  readonly transferred: readonly TransferredFile[];
}

export interface TransferredFile {
  readonly path: string;
  readonly bytes: number;
}

const XFER = 'XFER\t';

/** Lines rsync printed for each transferred item (--out-format "XFER\t%l\t%n"), files only. */
export function parseTransferred(text: string): TransferredFile[] {
  const out: TransferredFile[] = [];
  for (const l of text.split('\n')) {
    if (!l.startsWith(XFER)) continue;
    const rest = l.slice(XFER.length);
    const tab = rest.indexOf('\t');
    const path = rest.slice(tab + 1);
    if (tab < 0 || path === '' || path.endsWith('/')) continue;
    out.push({ path, bytes: Number(rest.slice(0, tab)) || 0 });
  }
  return out;
}

/** rsync --stats numbers come with thousands separators ("3,000,000"). */
export function parseRsyncStats(text: string): { bytes: number; literalBytes: number; files: number } {
  const num = (re: RegExp) => {
    const m = re.exec(text);
    return m ? Number(m[1]!.replace(/[,.'\s]/g, '')) : 0;
  };
  return {
    bytes: num(/Total transferred file size:\s*([\d,.' ]+?)\s*bytes/),
    literalBytes: num(/Literal data:\s*([\d,.' ]+?)\s*bytes/),
    files: num(/Number of regular files transferred:\s*([\d,.' ]+)/),
  };
}

export function rsyncArgs(from: string, to: string, o: Pick<RsyncOptions, 'excludes' | 'onlyFiles' | 'delete' | 'forceFiles' | 'bwlimitKBps' | 'listTransferred' | 'delta'>): string[] {
  const args = ['-a', '-H', '--numeric-ids', '--stats'];
  if (o.delta) args.push('--no-whole-file', '--inplace');
  if (o.listTransferred) args.push(`--out-format=${XFER}%l\t%n`);
  if (o.delete) args.push('--delete');
  // A listed file the server removed meanwhile is not an error: the --delete pass that follows removes it.
  if (o.forceFiles) args.push('--ignore-times', '--ignore-missing-args', `--files-from=${o.forceFiles}`);
  if (o.bwlimitKBps) args.push(`--bwlimit=${o.bwlimitKBps}`);
  for (const e of o.excludes) args.push(`--exclude=${e}`);
  if (o.onlyFiles) {
    for (const i of o.onlyFiles) args.push(`--include=${i}`);
    args.push('--exclude=*');
  }
  // Trailing slashes: the contents of `from` into `to`, never `from` as a subdirectory.
  args.push(`${from.replace(/\/+$/, '')}/`, `${to.replace(/\/+$/, '')}/`);
  return args;
}

export function rsync(from: string, to: string, o: RsyncOptions): Promise<RsyncStats> {
  const args = rsyncArgs(from, to, o);
  logLine(o.log, `${o.what}: rsync ${args.join(' ')}`);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) {
      reject(new SyncpointError('interrupted', `${o.what}: not started, the clone was interrupted`));
      return;
    }
    const errFd = openSync(o.log.file, 'a');
    const child = spawn('rsync', args, { stdio: ['ignore', 'pipe', errFd] });
    closeSync(errFd);
    const pid = child.pid ?? -1;
    if (pid > 0) o.onSpawn?.(pid);
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      out += d;
    });
    let why: 'timeout' | 'interrupted' | null = null;
    const stop = (reason: 'timeout' | 'interrupted') => {
      if (why) return;
      why = reason;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    };
    const timer = setTimeout(() => stop('timeout'), o.timeoutMs);
    const onAbort = () => stop('interrupted');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (err) => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      reject(new SyncpointError('config', `${o.what}: cannot run rsync (${err.message}); install it (Debian: apt-get install rsync)`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      if (pid > 0) o.onExit?.(pid);
      const stats = parseRsyncStats(out);
      logLine(o.log, `${o.what}: rsync exited ${signal ? `on ${signal}` : `with code ${code}`}, ${stats.files} files, ${stats.bytes} bytes`);
      if (o.listTransferred) {
        // Which files made the pass expensive: what to look at when the delta is large.
        const top = parseTransferred(out).sort((a, b) => b.bytes - a.bytes).slice(0, 8);
        if (top.length) logLine(o.log, `${o.what}: largest files: ${top.map((f) => `${f.path} (${f.bytes})`).join(', ')}`);
      }
      if (why === 'timeout') return reject(new SyncpointError('timeout', `${o.what}: rsync did not finish within ${Math.round(o.timeoutMs / 1000)} s; see ${o.log.file}`));
      if (why === 'interrupted') return reject(new SyncpointError('interrupted', `${o.what}: rsync interrupted`));
      // 24: files vanished; 23: partial transfer (a file changed or vanished mid-read). Both are
      // normal while the source runs: the pass made while it is stopped settles every file.
      const ok = code === 0 || (o.live && (code === 23 || code === 24));
      if (!ok) return reject(new SyncpointError('server', `${o.what}: rsync failed (${signal ? `signal ${signal}` : `exit code ${code}`}); see ${o.log.file}`));
      resolve({ ...stats, durationMs: Date.now() - started, transferred: o.listTransferred ? parseTransferred(out) : [] });
    });
  });
}

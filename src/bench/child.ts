/**
 * Run a command as a child process with a time bound, capturing its output; optionally sample
 * its peak RSS. Every child is tracked so the bench can kill what is still running on a signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { sampleRss } from './rss.js';

const running = new Set<ChildProcess>();

export interface ChildResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  /** Peak RSS in MB when sampled. */
  readonly peakRssMb: number | null;
}

export function runChild(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs: number; rss?: boolean }): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    const rss = opts.rss && child.pid ? sampleRss(child.pid) : null;
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      running.delete(child);
      rss?.stop();
      reject(err);
    });
    // 'exit' rather than 'close': the peak must be read before the process is reaped.
    child.on('exit', () => {
      clearTimeout(timer);
    });
    child.on('close', (code, signal) => {
      running.delete(child);
      const peakRssMb = rss ? rss.stop() : null;
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started, peakRssMb });
    });
  });
}

/** SIGKILL every child still running (signal handler path). */
export function killChildren(): void {
  for (const c of running) {
    try {
      c.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/**
 * Peak resident memory of a child process. VmHWM in /proc/<pid>/status is the kernel's own
 * high-water mark, so polling it misses nothing except growth in the last interval before exit.
 */
import { readFileSync } from 'node:fs';

export function readHwmKb(pid: number): number | null {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null; // exited meanwhile
  }
}

/** Polls VmHWM every `everyMs` until stop(); returns the highest value seen, in MB. */
export function sampleRss(pid: number, everyMs = 20): { stop(): number } {
  let peakKb = 0;
  const tick = () => {
    const kb = readHwmKb(pid);
    if (kb !== null && kb > peakKb) peakKb = kb;
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return {
    stop() {
      clearInterval(timer);
      tick();
      return peakKb / 1024;
    },
  };
}

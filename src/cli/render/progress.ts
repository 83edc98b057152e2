/** A one-line progress bar on stderr, only when stderr is a terminal. */
import type { Progress } from '../../pipeline/run-check.js';

export function progressReporter(label: string): { update: (p: Progress) => void; done: () => void } | null {
  if (!process.stderr.isTTY) return null;
  let shown = false;
  return {
    update(p) {
      const frac = p.tablesTotal ? p.tablesDone / p.tablesTotal : 1;
      const width = 30;
      const filled = Math.round(frac * width);
      process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.tablesDone}/${p.tablesTotal} tables, ${p.rowsDone} rows `);
      shown = true;
    },
    done() {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}

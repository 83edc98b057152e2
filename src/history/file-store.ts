/**
 * The default history store: plain files under <state dir>/history, no server, no native module.
 *   runs/<run id>.jsonl   the run's journal, appended record by record
 *   index.jsonl           one start line and one summary line per run (listing reads only this)
 * Each record is handed to the kernel with one write() as soon as it exists, so a SIGKILL loses
 * nothing already appended; fsync runs at most every FSYNC_MS (and at the end), so a power cut
 * loses at most that much. A torn last line (power cut mid-write) is skipped when read back.
 * The index can be rebuilt from the journals; a run missing from it is found by its file.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { usageError } from '../errors.js';
import { decodeJson, encodeJson } from './codec.js';
import { summaryOf, type JournalRecord, type RunSummaryRecord, type StartRecord } from './records.js';
import { checkRunId } from './run-id.js';
import { isAlive, type HistoryStore, type RunListing, type RunWriter } from './store.js';

const FSYNC_MS = 1_000;

function parseLines<T>(text: string): T[] {
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(decodeJson<T>(line));
    } catch {
      // torn line from a crash mid-write: the records before it are intact
    }
  }
  return out;
}

function appendLine(fd: number, rec: unknown): void {
  const buf = Buffer.from(encodeJson(rec) + '\n');
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off);
}

export class FileHistoryStore implements HistoryStore {
  readonly where: string;
  private readonly runsDir: string;
  private readonly indexPath: string;

  constructor(readonly dir: string) {
    this.where = dir;
    this.runsDir = join(dir, 'runs');
    this.indexPath = join(dir, 'index.jsonl');
  }

  private ensure(): void {
    mkdirSync(this.runsDir, { recursive: true, mode: 0o700 });
  }

  private appendIndex(rec: unknown): void {
    const fd = openSync(this.indexPath, 'a', 0o600);
    try {
      appendLine(fd, rec);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  async begin(start: StartRecord): Promise<RunWriter> {
    this.ensure();
    const path = join(this.runsDir, `${start.runId}.jsonl`);
    const fd = openSync(path, 'ax', 0o600);
    appendLine(fd, start);
    fsyncSync(fd);
    this.appendIndex(start);
    let lastSync = Date.now();
    let open = true;
    const sync = () => {
      if (!open) return;
      fsyncSync(fd);
      lastSync = Date.now();
    };
    const close = () => {
      if (!open) return;
      fsyncSync(fd);
      closeSync(fd);
      open = false;
    };
    return {
      append: (rec) => {
        if (!open) return;
        appendLine(fd, rec);
        if (Date.now() - lastSync >= FSYNC_MS) sync();
      },
      flush: async () => sync(),
      finish: async (end) => {
        if (!open) return;
        appendLine(fd, end);
        close();
        this.appendIndex(summaryOf(start, end));
      },
      abandon: async () => close(),
    };
  }

  async list(q: { cluster?: string; limit?: number }): Promise<RunListing[]> {
    const starts = new Map<string, StartRecord>();
    const summaries = new Map<string, RunSummaryRecord>();
    if (existsSync(this.indexPath)) {
      for (const r of parseLines<StartRecord | RunSummaryRecord>(readFileSync(this.indexPath, 'utf8'))) {
        if (r.type === 'start') starts.set(r.runId, r);
        else if (r.type === 'summary') summaries.set(r.runId, r);
      }
    }
    // Journals the index does not know (index lost or written by a crashed run between the two files).
    if (existsSync(this.runsDir)) {
      for (const f of readdirSync(this.runsDir)) {
        const id = f.replace(/\.jsonl$/, '');
        if (f.endsWith('.jsonl') && !starts.has(id)) {
          const recs = this.readFile(id);
          const s = recs.find((r): r is StartRecord => r.type === 'start');
          if (s) starts.set(id, s);
        }
      }
    }
    const host = hostname();
    const rows: RunListing[] = [];
    for (const [id, start] of [...starts].sort((a, b) => (a[0] < b[0] ? 1 : -1))) {
      if (q.cluster !== undefined && start.cluster !== q.cluster) continue;
      let summary = summaries.get(id) ?? null;
      if (!summary) {
        // The end may be in the journal though the index line was lost.
        const end = this.readFile(id).find((r) => r.type === 'end');
        if (end && end.type === 'end') summary = summaryOf(start, end);
      }
      const state = summary ? 'finished' : isAlive(start, host) ? 'running' : 'interrupted';
      rows.push({ start, summary, state, verdict: summary?.verdict ?? null });
      if (q.limit !== undefined && rows.length >= q.limit) break;
    }
    return rows;
  }

  private readFile(runId: string): JournalRecord[] {
    const path = join(this.runsDir, `${runId}.jsonl`);
    if (!existsSync(path)) return [];
    return parseLines<JournalRecord>(readFileSync(path, 'utf8'));
  }

  async read(runId: string): Promise<JournalRecord[]> {
    checkRunId(runId);
    const recs = this.readFile(runId);
    if (recs.length === 0) throw usageError(`no run ${runId} in the history at ${this.where}`);
    return recs;
  }

  async close(): Promise<void> {}
}

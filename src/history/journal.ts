/** A run's journal read back as its parts, with progress a resumed run voided ('restart') left out. */
import type { ChunkRecord, EndRecord, StartRecord, TableRecord } from './records.js';
import { checkRunId } from './run-id.js';
import type { HistoryStore } from './store.js';

/** Everything one run recorded (the journal), for show and for the HTML report. */
export interface RunJournal {
  readonly start: StartRecord;
  readonly chunks: ChunkRecord[];
  readonly tables: TableRecord[];
  readonly end: EndRecord | null;
}

export async function readJournal(store: HistoryStore, runId: string): Promise<RunJournal> {
  const records = await store.read(checkRunId(runId));
  const start = records.find((r): r is StartRecord => r.type === 'start')!;
  const chunks: ChunkRecord[] = [];
  const tables: TableRecord[] = [];
  let end: EndRecord | null = null;
  for (const r of records) {
    if (r.type === 'chunk') chunks.push(r);
    else if (r.type === 'table') tables.push(r);
    else if (r.type === 'restart') {
      // progress voided by the resumed run: it checked the table again from its start
      for (let i = chunks.length - 1; i >= 0; i--) if (chunks[i]!.table === r.table) chunks.splice(i, 1);
      for (let i = tables.length - 1; i >= 0; i--) if (tables[i]!.table === r.table) tables.splice(i, 1);
    } else if (r.type === 'end') end = r;
  }
  return { start, chunks, tables, end };
}


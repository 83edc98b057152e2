/** `report` as a library call: the HTML page of one recorded run. Never prints, never exits. */
import { openHistoryStore } from '../history/open-store.js';
import { readJournal } from '../history/journal.js';
import type { HistoryStore } from '../history/store.js';
import { renderHtmlReport } from '../report/html/render-html.js';

export interface HtmlReportOptions {
  readonly runId: string;
  /** A --history DSN, or a store; default: the local file store. */
  readonly history?: string | HistoryStore;
  readonly now?: Date;
}

export async function htmlReport(o: HtmlReportOptions): Promise<{ html: string; runId: string; cluster: string; verdict: string }> {
  const store = typeof o.history === 'object' ? o.history : await openHistoryStore(o.history);
  try {
    const journal = await readJournal(store, o.runId);
    const recent = await store.list({ cluster: journal.start.cluster });
    const html = renderHtmlReport({ journal, recent, generatedAt: o.now ?? new Date() });
    return { html, runId: journal.start.runId, cluster: journal.start.cluster, verdict: journal.end?.result.verdict ?? 'unfinished' };
  } finally {
    if (typeof o.history !== 'object') await store.close();
  }
}

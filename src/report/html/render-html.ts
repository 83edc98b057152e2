/**
 * One self-contained HTML page for a run: inline CSS and JS, no fonts, images or scripts from
 * anywhere (the page must open on an air-gapped jump host and in a mail attachment). Per table,
 * one chunk strip per replica, aligned so the replicas compare at a glance; counts and timings;
 * the drift history of the cluster's recent runs. Options are shown by host:port only: the start
 * record holds no passwords, and DSNs are not printed at all.
 */
import type { RunJournal } from '../../history/journal.js';
import { pairKey } from '../../history/records.js';
import type { RunListing } from '../../history/store.js';
import type { TableResult } from '../../pipeline/report/check-result.js';
import { pairCells, type Cell } from './chunk-cells.js';
import { PAGE_CSS, PAGE_JS } from './page-assets.js';
import { byTableThenReplica } from '../../text-order.js';

export interface HtmlReportInput {
  readonly journal: RunJournal;
  /** The cluster's runs, newest first (this one included). */
  readonly recent: readonly RunListing[];
  readonly generatedAt: Date;
}

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const HISTORY_RUNS = 20;

interface Pair {
  readonly table: string;
  readonly replica: string;
  readonly entry: TableResult | null;
}

function pairsOf(j: RunJournal): Pair[] {
  const out = new Map<string, Pair>();
  if (j.end) {
    for (const t of j.end.result.tables) out.set(pairKey(t.table, t.replica), { table: t.table, replica: t.replica, entry: t });
  } else {
    for (const c of j.chunks) for (const replica of Object.keys(c.replicas)) out.set(pairKey(c.table, replica), { table: c.table, replica, entry: null });
    for (const t of j.tables) for (const e of t.entries) out.set(pairKey(t.table, e.replica), { table: t.table, replica: e.replica, entry: null });
  }
  return [...out.values()].sort(byTableThenReplica);
}

function strip(cells: readonly Cell[]): string {
  return `<div class="strip" role="img" aria-label="${cells.length} chunk(s)">${cells
    .map((c) => `<span class="cell c-${c.verdict}" data-verdict="${c.verdict}"${c.seq !== null ? ` data-seq="${c.seq}"` : ''} title="${esc(c.title)}"></span>`)
    .join('')}</div>`;
}

function statusOf(p: Pair, cells: readonly Cell[]): string {
  if (p.entry) return p.entry.status;
  return cells.some((c) => c.verdict === 'drift') ? 'drift?' : 'unfinished';
}

function tableSection(table: string, pairs: readonly Pair[], j: RunJournal, stopped: boolean): string {
  const chunks = j.chunks.filter((c) => c.table === table).sort((a, b) => a.seq - b.seq);
  const rows = pairs.map((p) => {
    const cells = pairCells(chunks, p.replica, p.entry, stopped);
    const e = p.entry;
    const status = statusOf(p, cells);
    return `<tr class="pair s-${esc(status.replace('?', ''))}">
<th scope="row" class="replica">${esc(p.replica)}</th>
<td class="strip-cell">${strip(cells)}</td>
<td class="status"><span class="badge b-${esc(status.replace('?', ''))}">${esc(status)}</span></td>
<td class="num">${e ? e.primaryRows : ''}</td><td class="num">${e ? e.replicaRows : ''}</td>
<td class="num">${e ? e.chunks : cells.filter((c) => c.seq !== null).length}</td><td class="num">${e ? e.driftChunks : ''}</td>
<td class="num">${e ? secs(e.durationMs) : ''}</td>
<td class="reason">${esc(e?.reason ?? '')}</td></tr>`;
  });
  const worst = pairs.some((p) => p.entry?.status === 'drift') ? 'drift' : pairs.some((p) => !p.entry || p.entry.status !== 'ok') ? 'problem' : 'ok';
  return `<section class="table" data-table="${esc(table)}" data-worst="${worst}">
<h3>${esc(table)}</h3>
<table class="pairs"><thead><tr><th>replica</th><th>chunks in key order</th><th>status</th><th>primary rows</th><th>replica rows</th><th>chunks</th><th>drift chunks</th><th>time</th><th>reason</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></section>`;
}

function historySection(j: RunJournal, recent: readonly RunListing[]): string {
  const runs = recent.filter((r) => r.start.runId <= j.start.runId).slice(0, HISTORY_RUNS).reverse();
  const pairs = new Set<string>();
  for (const r of runs) for (const p of r.summary?.drift ?? []) pairs.add(p);
  const head = runs.map((r) => `<th class="run${r.start.runId === j.start.runId ? ' this' : ''}" title="${esc(`${r.start.runId} ${r.state}${r.verdict ? ` ${r.verdict}` : ''}`)}">${esc(r.start.startedAt.slice(5, 16).replace('T', ' '))}</th>`).join('');
  const verdicts = runs.map((r) => `<td><span class="badge b-${esc(r.verdict ?? 'unfinished')}">${esc(r.verdict ?? r.state)}</span></td>`).join('');
  const body = [...pairs].sort().map((p) => {
    const [table, replica] = p.split('\t');
    const cells = runs.map((r) => {
      const v = !r.summary ? 'none' : r.summary.drift.includes(p) ? 'drift' : r.summary.unknown.includes(p) ? 'unknown' : 'ok';
      return `<td class="h h-${v}" title="${esc(`${r.start.runId}: ${v === 'none' ? 'no result (run stopped)' : v}`)}"></td>`;
    }).join('');
    return `<tr><th scope="row">${esc(table)} <span class="on">on</span> ${esc(replica)}</th>${cells}</tr>`;
  });
  return `<section class="history"><h2>Drift over the last ${runs.length} run(s) of ${esc(j.start.cluster)}</h2>
<table class="hist"><thead><tr><th></th>${head}</tr></thead><tbody><tr><th scope="row">verdict</th>${verdicts}</tr>
${body.join('\n') || `<tr><th scope="row">no drift in these runs</th>${runs.map(() => '<td class="h h-ok"></td>').join('')}</tr>`}</tbody></table></section>`;
}

export function renderHtmlReport(input: HtmlReportInput): string {
  const j = input.journal;
  const r = j.end?.result ?? null;
  const stopped = !r || r.error !== undefined;
  const pairs = pairsOf(j);
  const byTable = new Map<string, Pair[]>();
  for (const p of pairs) byTable.set(p.table, [...(byTable.get(p.table) ?? []), p]);
  const verdict = r?.verdict ?? 'unfinished';
  const checked = j.chunks.filter((c) => !c.carried).length;
  const carried = j.chunks.length - checked;
  const o = j.start.options;
  const optionText = [
    o.filter.databases ? `databases ${o.filter.databases.join(',')}` : '',
    o.filter.tables ? `tables ${o.filter.tables.join(',')}` : '',
    o.chunkTime !== undefined ? `chunk time ${o.chunkTime}s` : '',
    o.hash ? `${o.hash} hash` : '',
    `${o.concurrency} lane(s)`,
    `${o.retries} re-check(s)`,
    o.syncMethod ? `sync ${o.syncMethod}` : '',
    o.maxRuntimeSeconds !== undefined ? `max runtime ${o.maxRuntimeSeconds}s` : '',
  ].filter(Boolean).join(' · ');
  const facts = [
    ['cluster', j.start.cluster],
    ['run', j.start.runId],
    ['command', j.start.mode],
    ['started', j.start.startedAt],
    ['ended', j.end?.endedAt ?? '(no result: interrupted or still running)'],
    ['duration', r ? secs(r.durationMs) : ''],
    ['primary', j.start.primary],
    ['replicas', r ? r.replicas.join(', ') : [...new Set(pairs.map((p) => p.replica))].join(', ')],
    ['chunks', `${checked} checked by this run${carried ? `, ${carried} carried over from ${j.start.resumedFrom}` : ''}`],
    ['sync', r?.sync.method ? `${r.sync.method}, ${r.sync.epochs} sync point(s), longest primary lock ${r.sync.maxLockMs} ms, longest replica pause ${r.sync.maxReplicaPauseMs} ms` : ''],
    ['options', optionText],
  ].filter(([, v]) => v);
  const counts = {
    tables: byTable.size,
    drift: pairs.filter((p) => p.entry?.status === 'drift').length,
    problems: pairs.filter((p) => p.entry && (p.entry.status === 'error' || p.entry.status === 'skipped')).length,
  };
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>syncpoint ${esc(j.start.mode)} ${esc(j.start.cluster)} ${esc(j.start.runId)}: ${esc(verdict)}</title>
<style>${PAGE_CSS}</style></head>
<body>
<header><h1>syncpoint ${esc(j.start.mode)}: <span class="badge big b-${esc(verdict)}" id="verdict">${esc(verdict)}</span></h1>
<p class="summary">${counts.tables} table(s), ${counts.drift} drifting table/replica pair(s), ${counts.problems} not checked</p>
<dl class="facts">${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>
${r?.error ? `<p class="stopped">stopped early: ${esc(r.error)}</p>` : ''}
${(r?.notes ?? []).map((n) => `<p class="note">note: ${esc(n)}</p>`).join('\n')}
</header>
<nav class="controls"><label><input type="checkbox" id="only-problems"> only tables with drift or problems</label>
<span class="legend"><span class="cell c-ok"></span>same <span class="cell c-drift"></span>differs <span class="cell c-rechecked"></span>differed, matched on re-check <span class="cell c-error"></span>error <span class="cell c-skipped"></span>skipped <span class="cell c-absent"></span>replica not synced <span class="cell c-unchecked"></span>not checked</span>
<output id="detail">click a chunk for its key range</output></nav>
<main id="tables">
${[...byTable].map(([t, ps]) => tableSection(t, ps, j, stopped)).join('\n')}
</main>
${historySection(j, input.recent)}
<footer>generated ${esc(input.generatedAt.toISOString())} by syncpoint report from ${esc(j.start.runId)}</footer>
<script>${PAGE_JS}</script>
</body></html>
`;
}

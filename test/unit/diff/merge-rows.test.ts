import { describe, expect, it } from 'vitest';
import type { FetchedRow } from '../../../src/engine/row-types.js';
import { mergeRows, type RowDifference } from '../../../src/pipeline/diff/merge-rows.js';

const row = (id: number, ...cells: string[]): FetchedRow => ({ order: [{ n: id }], keyValues: [id], keyDisplay: [id], cells: [`v:${id}`, ...cells], shown: null });

async function* stream(rows: FetchedRow[]): AsyncGenerator<FetchedRow> {
  for (const r of rows) yield r;
}

async function run(p: FetchedRow[], r: FetchedRow[]) {
  const diffs: RowDifference[] = [];
  const counts = await mergeRows(stream(p), stream(r), (d) => void diffs.push(d));
  const named = diffs.map((d) => `${d.kind}:${(d.kind === 'extra' ? d.replica : d.primary).keyValues[0]}${d.kind === 'changed' ? `[${d.columns.join(',')}]` : ''}`);
  return { counts, named };
}

describe('mergeRows', () => {
  it('names missing, extra and changed rows with the differing columns, and nothing else', async () => {
    const p = [row(1, 'a', 'x'), row(2, 'b', 'y'), row(4, 'd', 'z'), row(6, 'f', 'w')];
    const r = [row(1, 'a', 'x'), row(3, 'c', 'q'), row(4, 'D', 'z'), row(6, 'f', 'W'), row(7, 'g', 'g')];
    const { counts, named } = await run(p, r);
    expect(named).toEqual(['missing:2', 'extra:3', 'changed:4[1]', 'changed:6[2]', 'extra:7']);
    expect(counts).toEqual({ missing: 1, extra: 2, changed: 2, same: 1 });
  });

  it('tells NULL from empty text because the cells are different canonical texts', async () => {
    const { named } = await run([row(1, 'v:("")')], [row(1, 'v:()')]);
    expect(named).toEqual(['changed:1[1]']);
  });

  it('handles one side empty', async () => {
    expect((await run([row(1), row(2)], [])).named).toEqual(['missing:1', 'missing:2']);
    expect((await run([], [row(5)])).named).toEqual(['extra:5']);
    expect((await run([], [])).counts).toEqual({ missing: 0, extra: 0, changed: 0, same: 0 });
  });

  it('refuses a stream that is not in strictly increasing key order (a merge would mis-pair rows)', async () => {
    await expect(run([row(2), row(1)], [row(1), row(2)])).rejects.toThrow(/strictly increasing/);
    await expect(run([row(1)], [row(3), row(3)])).rejects.toThrow(/strictly increasing/);
  });

  it('pulls rows lazily: it never reads more than one row ahead on a side', async () => {
    let pulled = 0;
    async function* counting(n: number): AsyncGenerator<FetchedRow> {
      for (let i = 1; i <= n; i++) {
        pulled++;
        yield row(i);
      }
    }
    let maxAhead = 0;
    await mergeRows(counting(1000), stream([]), (d) => {
      if (d.kind === 'missing') maxAhead = Math.max(maxAhead, pulled - Number(d.primary.keyValues[0]));
    });
    expect(maxAhead).toBeLessThanOrEqual(1);
  });
});

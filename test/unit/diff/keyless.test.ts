import { describe, expect, it } from 'vitest';
import type { HashGroup } from '../../../src/engine/row-types.js';
import { mergeHashGroups, type HashDifference } from '../../../src/pipeline/diff/keyless.js';

async function* groups(list: [string, number][]): AsyncGenerator<HashGroup> {
  for (const [hash, count] of list) yield { hash, count };
}

describe('mergeHashGroups (key-less multiset compare)', () => {
  it('counts surplus and missing copies per row content', async () => {
    const diffs: HashDifference[] = [];
    const totals = await mergeHashGroups(groups([['aa', 2], ['bb', 1], ['dd', 3]]), groups([['aa', 2], ['cc', 1], ['dd', 1], ['ee', 2]]), (d) => void diffs.push(d));
    expect(diffs).toEqual([
      { kind: 'missing', hash: 'bb', copies: 1 },
      { kind: 'extra', hash: 'cc', copies: 1 },
      { kind: 'missing', hash: 'dd', copies: 2 },
      { kind: 'extra', hash: 'ee', copies: 2 },
    ]);
    expect(totals).toEqual({ missing: 3, extra: 3 });
  });
});

/**
 * PostgreSQL logical subscriber as candidate: logical replication does not carry sequences. The
 * subscriber's copies stay where they were created (or last set) while the primary's advance, so
 * once promoted the first inserts that take ids from them collide with rows replication brought.
 * Every sequence the primary has used must stand at or past the primary's value on the candidate
 * (past: below it, for a descending sequence).
 * A physical standby replays sequences with everything else: nothing to compare.
 */
import { couldNotRun, result } from '../result.js';
import type { PreflightCheck } from '../types.js';

const ID = 'sequences';

export const sequences: PreflightCheck = {
  id: ID,
  description: "the candidate's sequences stand at or past the primary's (logical subscribers: replication does not carry them)",
  families: ['postgres'],
  run(ctx) {
    const c = ctx.candidate;
    if (!c.pg || !ctx.primary.pg) return [couldNotRun(ID, c.label, 'sequences not read')];
    if (c.pg.inRecovery) return [result(ID, 'skip', c.label, 'a physical standby replays sequences with everything else')];
    const mine = new Map(c.pg.sequences.map((x) => [x.name, x.lastValue]));
    const behind: string[] = [];
    let compared = 0;
    for (const p of ctx.primary.pg.sequences) {
      if (p.lastValue === null || !mine.has(p.name)) continue;
      compared++;
      const v = mine.get(p.name)!;
      const down = BigInt(p.increment) < 0n;
      if (v === null || (down ? BigInt(v) > BigInt(p.lastValue) : BigInt(v) < BigInt(p.lastValue))) behind.push(`${p.name} at ${v ?? 'never used'} (primary ${p.lastValue})`);
    }
    const evidence = { compared, behind: behind.length };
    if (behind.length) {
      return [
        result(ID, 'fail', c.label, `${behind.length} sequence(s) behind the primary's, which logical replication does not carry: ${behind.slice(0, 5).join(', ')}${behind.length > 5 ? ', ...' : ''}; once promoted, inserts that take ids from them collide with existing rows: set them (setval) before promoting`, evidence),
      ];
    }
    return [result(ID, 'pass', c.label, `${compared} sequence(s) at or past the primary's`, evidence)];
  },
};

import { describe, expect, it } from 'vitest';
import { selectTables, splitTablePattern, validateFilter } from '../../../src/pipeline/plan/table-filter.js';
import { SyncpointError } from '../../../src/errors.js';

function usageMessage(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SyncpointError);
    expect((e as SyncpointError).kind).toBe('usage');
    return (e as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('validateFilter', () => {
  it('refuses a name both included and excluded', () => {
    expect(usageMessage(() => validateFilter({ tables: ['a.t'], ignoreTables: ['a.t'] }))).toMatch(/both included .* and excluded/);
    expect(usageMessage(() => validateFilter({ databases: ['a'], ignoreDatabases: ['a'] }))).toMatch(/both included/);
  });
  it('refuses a flag given an empty list (it would mean: everything)', () => {
    expect(usageMessage(() => validateFilter({ databases: [] }))).toMatch(/--databases was given an empty list/);
    expect(usageMessage(() => validateFilter({ ignoreTables: [] }))).toMatch(/--ignore-tables/);
  });
  it('refuses empty table or schema names', () => {
    expect(usageMessage(() => validateFilter({ tables: ['db.'] }))).toMatch(/empty table name/);
    expect(usageMessage(() => validateFilter({ ignoreTables: ['.t'] }))).toMatch(/empty database/);
    expect(usageMessage(() => validateFilter({ tables: ['db.``'] }))).toMatch(/empty table name/);
  });
  it('accepts quoted names holding dots, quotes and backticks', () => {
    const f = { tables: ['`we.ird``db`.`t.1`', '"s""x"."t ""2"""'] };
    expect(validateFilter(f)).toBe(f);
    expect(splitTablePattern('`we.ird``db`.`t.1`')).toEqual({ schema: 'we.ird`db', table: 't.1' });
    expect(splitTablePattern('"s""x"."t ""2"""')).toEqual({ schema: 's"x', table: 't "2"' });
  });
});

describe('selectTables messages', () => {
  it('a named schema or table that is not visible says the user may lack SELECT', () => {
    try {
      selectTables([{ schema: 'a', name: 't' }], { databases: ['b'] }, 'h:1');
      throw new Error('no error');
    } catch (e) {
      expect((e as Error).message).toMatch(/not found, or no table in it this user can see/);
    }
  });
});

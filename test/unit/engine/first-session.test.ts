import { describe, expect, it } from 'vitest';
import { firstSessionThen } from '../../../src/engine/first-session.js';

const session = (name: string, closed = false) => ({ name, closed });

describe('firstSessionThen', () => {
  it('hands out the kept connection once, then opens fresh ones', async () => {
    let opened = 0;
    const next = firstSessionThen(session('first'), async () => session(`fresh${++opened}`));
    expect((await next()).name).toBe('first');
    expect((await next()).name).toBe('fresh1');
    expect((await next()).name).toBe('fresh2');
  });

  it('opens a fresh one when the kept connection was lost before its turn', async () => {
    const next = firstSessionThen(session('first', true), async () => session('fresh'));
    expect((await next()).name).toBe('fresh');
  });
});

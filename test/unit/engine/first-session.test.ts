import { describe, expect, it } from 'vitest';
import { sessionSupply } from '../../../src/engine/first-session.js';

const session = (name: string, closed = false) => ({ name, closed });

describe('sessionSupply', () => {
  it('hands out the kept connection once, then opens fresh ones', async () => {
    let opened = 0;
    const supply = sessionSupply(session('first'), async () => session(`fresh${++opened}`));
    expect((await supply.take()).name).toBe('first');
    expect((await supply.take()).name).toBe('fresh1');
    expect((await supply.take()).name).toBe('fresh2');
  });

  it('opens a fresh one when the kept connection was lost before its turn', async () => {
    const supply = sessionSupply(session('first', true), async () => session('fresh'));
    expect((await supply.take()).name).toBe('fresh');
  });

  it('prewarmed sessions open at once and are handed out in order, then fresh ones', async () => {
    let opened = 0;
    const supply = sessionSupply(session('first'), async () => session(`s${++opened}`));
    supply.prewarm(2);
    expect(opened).toBe(2);
    expect((await supply.take()).name).toBe('first');
    expect((await supply.take()).name).toBe('s1');
    expect((await supply.take()).name).toBe('s2');
    expect((await supply.take()).name).toBe('s3');
  });

  it('a prewarmed session that could not open reports its error when asked for; one lost meanwhile is replaced', async () => {
    let calls = 0;
    const lost = session('lost');
    const supply = sessionSupply(session('first', true), async () => {
      calls++;
      if (calls === 1) throw new Error('reached another server');
      if (calls === 2) return lost;
      return session('fresh');
    });
    supply.prewarm(2);
    await new Promise((r) => setTimeout(r, 0));
    lost.closed = true;
    await expect(supply.take()).rejects.toThrow('reached another server');
    expect((await supply.take()).name).toBe('fresh');
    expect(calls).toBe(3);
  });

  it('settle waits for a session a take() is still opening, not only the prewarmed ones', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let done = false;
    const supply = sessionSupply(session('first', true), async () => {
      await gate;
      done = true;
      return session('late');
    });
    const taking = supply.take();
    const settled = supply.settle();
    await new Promise((r) => setTimeout(r, 0));
    expect(done).toBe(false);
    release();
    await settled;
    expect(done).toBe(true);
    expect((await taking).name).toBe('late');
  });

  it('settle waits for the sessions still opening', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let done = false;
    const supply = sessionSupply(session('first'), async () => {
      await gate;
      done = true;
      return session('late');
    });
    supply.prewarm(1);
    const settled = supply.settle();
    expect(done).toBe(false);
    release();
    await settled;
    expect(done).toBe(true);
  });
});

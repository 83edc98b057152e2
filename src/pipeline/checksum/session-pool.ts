/**
 * A few sessions on one server for short statements outside any snapshot (chunk boundaries),
 * opened on first use, at most `max` at once. A session found closed after a statement (killed,
 * network) is dropped, and the statement is tried once more on a fresh one.
 */
import type { Session } from '../../engine/engine.js';
import { SyncpointError } from '../../errors.js';

export class SessionPool {
  private idle: Session[] = [];
  private all = new Set<Session>();
  private inUse = 0;
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(private readonly open: () => Promise<Session>, private readonly max: number) {}

  async use<T>(fn: (s: Session) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const s = await this.take();
      try {
        return await fn(s);
      } catch (err) {
        const lost = s.closed || (err instanceof SyncpointError && err.kind === 'connection');
        if (lost) this.discard(s);
        if (lost && attempt < 2 && !this.closed) continue;
        throw err;
      } finally {
        this.give(s);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.all];
    this.all.clear();
    this.idle = [];
    await Promise.all(all.map((s) => s.close()));
  }

  private async take(): Promise<Session> {
    while (this.inUse >= this.max) await new Promise<void>((r) => this.waiters.push(r));
    if (this.closed) throw new Error('session pool closed');
    this.inUse++;
    const s = this.idle.pop();
    if (s) return s;
    try {
      const fresh = await this.open();
      this.all.add(fresh);
      return fresh;
    } catch (err) {
      this.inUse--;
      this.waiters.shift()?.();
      throw err;
    }
  }

  private give(s: Session): void {
    this.inUse--;
    if (this.all.has(s) && !s.closed && !this.closed) this.idle.push(s);
    this.waiters.shift()?.();
  }

  private discard(s: Session): void {
    this.all.delete(s);
    void s.close();
  }
}

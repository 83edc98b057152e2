/**
 * Where an engine's sessions come from. Engines connect once to learn the server (version, facts)
 * and keep that connection: it is the first session handed out, so a run opens one connection
 * less per server. Later calls open fresh ones (and so does the first, if the kept one was lost
 * meanwhile). prewarm(n) opens n sessions ahead, in the background, for a caller that knows it
 * will soon ask for them (a check's lanes, opened while the schemas load): a connection's
 * handshake and setup then cost no time of their own. A prewarmed session that could not open
 * reports its error when it is asked for, as the open would have then (a replica address that
 * leads to another server must not pass because a later try happened to reach the right one); one
 * that opened and was lost meanwhile is replaced by a fresh one.
 */
export interface SessionSupply<S> {
  take(): Promise<S>;
  prewarm(n: number): void;
  /**
   * Wait for every session still opening, prewarmed or asked for (the engine closes every session
   * it opened after this, so none may finish opening later and stay open).
   */
  settle(): Promise<void>;
}

export function sessionSupply<S extends { readonly closed: boolean }>(first: S, open: () => Promise<S>): SessionSupply<S> {
  let kept: S | null = first;
  const ahead: Promise<S>[] = [];
  const opening = new Set<Promise<S>>();
  const tracked = (): Promise<S> => {
    const p = open();
    opening.add(p);
    const done = () => opening.delete(p);
    p.then(done, done);
    return p;
  };
  return {
    async take(): Promise<S> {
      const reuse = kept;
      kept = null;
      if (reuse && !reuse.closed) return reuse;
      while (ahead.length > 0) {
        const s = await ahead.shift()!;
        if (!s.closed) return s;
      }
      return tracked();
    },
    prewarm(n: number): void {
      for (let i = 0; i < n; i++) {
        const s = tracked();
        s.catch(() => undefined);
        ahead.push(s);
      }
    },
    async settle(): Promise<void> {
      ahead.splice(0);
      while (opening.size > 0) await Promise.allSettled([...opening]);
    },
  };
}

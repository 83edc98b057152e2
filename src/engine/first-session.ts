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
  /** Wait for the sessions still opening (the engine closes every session it opened after). */
  settle(): Promise<void>;
}

export function sessionSupply<S extends { readonly closed: boolean }>(first: S, open: () => Promise<S>): SessionSupply<S> {
  let kept: S | null = first;
  const ahead: Promise<S>[] = [];
  return {
    async take(): Promise<S> {
      const reuse = kept;
      kept = null;
      if (reuse && !reuse.closed) return reuse;
      while (ahead.length > 0) {
        const s = await ahead.shift()!;
        if (!s.closed) return s;
      }
      return open();
    },
    prewarm(n: number): void {
      for (let i = 0; i < n; i++) {
        const s = open();
        s.catch(() => undefined);
        ahead.push(s);
      }
    },
    async settle(): Promise<void> {
      await Promise.allSettled(ahead.splice(0));
    },
  };
}

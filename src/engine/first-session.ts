/**
 * Engines connect once to learn the server (version, facts) and keep that connection: it is the
 * first session handed out, so a run opens one connection less per server. Later calls open fresh
 * ones (and so does the first, if the kept one was lost meanwhile).
 */
export function firstSessionThen<S extends { readonly closed: boolean }>(first: S, open: () => Promise<S>): () => Promise<S> {
  let spare: S | null = first;
  return async () => {
    const reuse = spare;
    spare = null;
    return reuse && !reuse.closed ? reuse : open();
  };
}

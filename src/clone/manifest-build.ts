/**
 * The manifest: what was done, as JSON (a position with its copy is what a later recovery needs).
 * Built from the run's context, pure; never holds a password (addresses are host:port labels,
 * commands are not recorded).
 */
import type { CloneContext } from './context.js';
import type { CloneManifest, CloneVerdict, RecordedPosition } from './types.js';

export function formatRecorded(p: RecordedPosition | null): string {
  if (!p) return 'nothing';
  if (p.kind === 'pg-lsn') return `LSN ${p.lsn} on timeline ${p.timeline}`;
  const file = p.file ? `${p.file}:${p.pos}` : '';
  return p.gtid ? `GTID ${p.gtid}${file ? ` (${file})` : ''}` : file;
}

export function buildManifest(ctx: CloneContext, verdict: CloneVerdict, complete: boolean, failure?: { error: string; step?: CloneManifest['failedStep'] }): CloneManifest {
  const o = ctx.opts;
  const a = ctx.adapter;
  const t = ctx.times;
  const now = Date.now();
  const downtime =
    t.shutdownRequestedAt !== null && t.sourceBackAt !== null
      ? {
          shutdownMs: (t.sourceGoneAt ?? t.shutdownRequestedAt) - t.shutdownRequestedAt,
          stoppedCopyMs: (t.sourceStartRequestedAt ?? t.sourceBackAt) - (t.sourceGoneAt ?? t.shutdownRequestedAt),
          restartMs: t.sourceBackAt - (t.sourceStartRequestedAt ?? t.sourceBackAt),
        }
      : null;
  return {
    schemaVersion: 1,
    kind: 'syncpoint-clone-manifest',
    complete,
    verdict,
    engine: a?.engine ?? null,
    serverVersion: a?.serverVersion ?? null,
    source: {
      address: o.source.label,
      datadir: ctx.sourceDatadir,
      serverId: a?.sourceServerId ?? null,
      restartedBy: ctx.sourceRestartedBy,
      replicating: ctx.sourceReplicating,
    },
    primary: { address: a?.primaryLabel ?? o.primary?.label ?? null },
    target: { address: o.target.label, datadir: o.targetDatadir, serverId: ctx.targetServerId, slot: ctx.targetSlot, running: ctx.targetStarted },
    position: ctx.recorded,
    replicationMode: a?.replicationMode ?? null,
    copyMethod: o.copyMethod,
    datadirBytes: ctx.datadirBytes,
    bytesCopied: ctx.copyPasses.reduce((n, p) => n + p.bytes, 0),
    bytesSent: ctx.copyPasses.reduce((n, p) => n + p.literalBytes, 0),
    copyPasses: [...ctx.copyPasses],
    sourceDowntimeMs: t.shutdownRequestedAt !== null && t.sourceBackAt !== null ? t.sourceBackAt - t.shutdownRequestedAt : null,
    sourceDowntime: downtime,
    replicationPausedMs: t.replicationPausedAt !== null && t.replicationResumedAt !== null ? t.replicationResumedAt - t.replicationPausedAt : null,
    tempTableRetries: ctx.tempTableRetries,
    steps: ctx.steps.map((s) => ({ ...s })),
    catchUpMs: t.catchUpMs,
    verification: ctx.verification,
    startedAt: ctx.startedAt.toISOString(),
    finishedAt: new Date(now).toISOString(),
    durationMs: now - ctx.startedAt.getTime(),
    notes: [...ctx.notes],
    ...(failure ? { error: failure.error, ...(failure.step ? { failedStep: failure.step } : {}) } : {}),
  };
}

/**
 * The target's "incomplete" marker: a small JSON file in the target data directory from the
 * first byte copied until the clone is complete, saying what stage was reached and, after a
 * failure, why. A data directory holding it must not be used as a replica.
 */
import { join } from 'node:path';
import type { CloneContext } from './context.js';
import { removeIfPresent, writeOwnedFile } from './datadir.js';
import { INCOMPLETE_MARKER } from './phases.js';

export function markerPath(ctx: CloneContext): string {
  return join(ctx.opts.targetDatadir, INCOMPLETE_MARKER);
}

export async function writeMarker(ctx: CloneContext, stage: string, error?: string): Promise<void> {
  const body = {
    incomplete: true,
    meaning: 'syncpoint clone did not finish this data directory: do not use it as a replica; run the clone again (with --force) or remove it',
    stage,
    ...(error ? { error } : {}),
    source: ctx.opts.source.label,
    startedAt: ctx.startedAt.toISOString(),
    updatedAt: new Date().toISOString(),
    log: ctx.commandLog.file,
  };
  await writeOwnedFile(markerPath(ctx), `${JSON.stringify(body, null, 2)}\n`, 0o644);
}

export async function removeMarker(ctx: CloneContext): Promise<void> {
  await removeIfPresent(markerPath(ctx));
}

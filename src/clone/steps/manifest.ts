/**
 * Step 8, the manifest: written next to the data (default <target>/syncpoint-clone.json, owned
 * like the data directory), also when the clone failed (complete: false, with the error and the
 * failed step). Only a complete clone loses its "incomplete" marker.
 */
import { writeOwnedFile } from '../datadir.js';
import { join } from 'node:path';
import type { CloneContext } from '../context.js';
import { removeMarker } from '../marker.js';
import { DEFAULT_MANIFEST_NAME } from '../phases.js';
import type { CloneManifest } from '../types.js';

export function manifestPath(ctx: CloneContext): string {
  return ctx.opts.manifestFile ?? join(ctx.opts.targetDatadir, DEFAULT_MANIFEST_NAME);
}

export async function writeManifest(ctx: CloneContext, m: CloneManifest): Promise<string> {
  const file = manifestPath(ctx);
  await writeOwnedFile(file, `${JSON.stringify(m, null, 2)}\n`, 0o644);
  return file;
}

export async function finishManifest(ctx: CloneContext, m: CloneManifest): Promise<string> {
  const file = await writeManifest(ctx, m);
  if (m.complete) await removeMarker(ctx);
  return file;
}

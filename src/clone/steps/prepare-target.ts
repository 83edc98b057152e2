/**
 * Step 5, prepare the target: while it is still files, strip what belongs to the source's
 * replication identity and give it its own (MySQL family: no master.info/relay logs/auto.cnf;
 * PostgreSQL: standby.signal, primary_conninfo with its own application_name, its slot, port).
 * Server id and the position are set once it runs (step 6): they are SQL, not files.
 */
import type { CloneContext } from '../context.js';
import { writeMarker } from '../marker.js';

export async function prepareTarget(ctx: CloneContext): Promise<string> {
  const done = await ctx.requireAdapter().prepareTarget(ctx);
  await writeMarker(ctx, 'prepared, not started');
  return done.join('; ') || 'nothing to change';
}

/** Plan stage input: the tables of the primary and of every usable replica, in the run's scope. */
import type { TableInfo } from '../../engine/types.js';
import { messageOf } from '../../errors.js';
import type { Topology } from '../topology/topology.js';
import type { TableFilter } from './table-filter.js';

export interface LoadedSchemas {
  readonly primaryTables: TableInfo[];
  readonly replicaTables: Map<string, TableInfo[]>;
}

/**
 * Exact database names narrow the introspection queries; wildcards are matched later by the
 * filter. A replica whose schema cannot be read is handed to `onReplicaError` and left out.
 */
export async function loadSchemas(topo: Topology, filter: TableFilter, onReplicaError: (label: string, reason: string) => void): Promise<LoadedSchemas> {
  const scope = filter.databases?.every((d) => !/[*?]/.test(d)) ? { schemas: filter.databases } : {};
  const primaryTables = await topo.primary.engine.introspector.loadSchema(topo.primary.control, scope);
  const replicaTables = new Map<string, TableInfo[]>();
  for (const r of topo.replicas) {
    if (r.error || !r.engine || !r.control) continue;
    try {
      replicaTables.set(r.label, await r.engine.introspector.loadSchema(r.control, scope));
    } catch (err) {
      onReplicaError(r.label, messageOf(err));
    }
  }
  return { primaryTables, replicaTables };
}

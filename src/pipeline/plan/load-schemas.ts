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
  // Every server at once; replicas in their given order in the map.
  const usable = topo.replicas.filter((r) => !r.error && r.engine && r.control);
  const [primaryTables, ...replicas] = await Promise.all([
    topo.primary.engine.introspector.loadSchema(topo.primary.control, scope),
    ...usable.map((r) =>
      r.engine!.introspector.loadSchema(r.control!, scope).then(
        (tables) => ({ ok: true as const, tables }),
        (err: unknown) => ({ ok: false as const, reason: messageOf(err) }),
      ),
    ),
  ]);
  const replicaTables = new Map<string, TableInfo[]>();
  usable.forEach((r, i) => {
    const got = replicas[i]!;
    if (got.ok) replicaTables.set(r.label, got.tables);
    else onReplicaError(r.label, got.reason);
  });
  return { primaryTables, replicaTables };
}

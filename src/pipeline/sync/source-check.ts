/**
 * Whether a replica can wait for a position the primary gave. Binlog coordinates (MySQL without
 * GTIDs) are the primary's own: they mean nothing on a replica of a replica, whose source writes
 * a binlog of its own. GTIDs and LSNs are the same everywhere in the tree.
 */
import type { Engine, Session } from '../../engine/engine.js';
import { formatPosition, type Position } from '../../engine/position.js';

/** Why `replica` cannot wait for `position`, or null when it can. */
export async function sourceMismatch(primary: Engine, primarySession: Session, replica: Engine, replicaSession: Session, position: Position): Promise<string | null> {
  if (position.kind !== 'binlog-file-pos') return null;
  const primaryId = await primary.replication.serverId(primarySession);
  if (primaryId === null) return null;
  const st = await replica.replication.replicaStatus(replicaSession);
  if (st && st.sourceServerId !== null && st.sourceServerId !== primaryId) {
    return `replicates from server_id ${st.sourceServerId}, not from the primary (server_id ${primaryId}), and without GTIDs the primary's binlog coordinates ${formatPosition(position)} cannot be waited for there: enable GTIDs (gtid_mode=ON), or check it against its own source`;
  }
  return null;
}

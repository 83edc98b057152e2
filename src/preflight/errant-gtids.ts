/**
 * Errant transactions: GTIDs a replica holds that its primary does not. Pure functions over the
 * GTID text the servers print, so they are tested on captured values.
 *
 * MySQL: the set difference replica.gtid_executed - primary.gtid_executed.
 * MariaDB: gtid_binlog_state lists the last sequence number per (domain, server_id). A replica
 * entry is errant when the primary has no entry for that (domain, server_id), or a lower sequence
 * number for it; a replica domain whose highest sequence number is beyond the primary's is errant
 * too (under gtid_strict_mode the primary's next transaction in that domain would stop the
 * replica, and a new primary would not have the replica's transactions).
 */
import { formatPosition, parseMysqlGtidSet, PositionParseError, type Position } from '../engine/position.js';

export interface MariadbGtid {
  readonly domain: number;
  readonly serverId: number;
  readonly seq: bigint;
}

/** "0-1-100,0-3-7,1-2-5": unlike a GTID position, several entries per domain (one per server_id). */
export function parseMariadbGtidState(text: string): MariadbGtid[] {
  const out: MariadbGtid[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\d+)-(\d+)-(\d+)$/.exec(part);
    if (!m) throw new PositionParseError('mariadb-gtid-state', text);
    out.push({ domain: Number(m[1]), serverId: Number(m[2]), seq: BigInt(m[3]!) });
  }
  return out;
}

const gtidText = (g: MariadbGtid) => `${g.domain}-${g.serverId}-${g.seq}`;

/** MariaDB: the replica's state entries the primary lacks, as "domain-server-seq" (seq: the replica's last). */
export function mariadbErrantGtids(replicaState: string, primaryState: string): string[] {
  const replica = parseMariadbGtidState(replicaState);
  const primary = parseMariadbGtidState(primaryState);
  const primaryBy = new Map(primary.map((g) => [`${g.domain}-${g.serverId}`, g.seq]));
  const primaryMax = new Map<number, bigint>();
  for (const g of primary) primaryMax.set(g.domain, (primaryMax.get(g.domain) ?? -1n) > g.seq ? primaryMax.get(g.domain)! : g.seq);
  const errant = new Set<string>();
  for (const g of replica) {
    const p = primaryBy.get(`${g.domain}-${g.serverId}`);
    if (p === undefined || g.seq > p) errant.add(gtidText(g));
  }
  const replicaMax = new Map<number, MariadbGtid>();
  for (const g of replica) {
    const cur = replicaMax.get(g.domain);
    if (!cur || g.seq > cur.seq) replicaMax.set(g.domain, g);
  }
  for (const [domain, g] of replicaMax) {
    const p = primaryMax.get(domain);
    if (p === undefined || g.seq > p) errant.add(gtidText(g));
  }
  return [...errant].sort();
}

type Intervals = readonly (readonly [bigint, bigint])[];

/** a minus b, both normalized (sorted, merged) interval lists. */
function subtractIntervals(a: Intervals, b: Intervals): [bigint, bigint][] {
  const out: [bigint, bigint][] = [];
  for (const [lo0, hi] of a) {
    let lo = lo0;
    for (const [blo, bhi] of b) {
      if (bhi < lo || blo > hi) continue;
      if (blo > lo) out.push([lo, blo - 1n]);
      lo = bhi + 1n;
      if (lo > hi) break;
    }
    if (lo <= hi) out.push([lo, hi]);
  }
  return out;
}

/** MySQL: GTIDs in `replica` that are not in `primary`, as a GTID set string ('' when none). */
export function mysqlErrantGtids(replicaExecuted: string, primaryExecuted: string): string {
  const a = parseMysqlGtidSet(replicaExecuted);
  const b = parseMysqlGtidSet(primaryExecuted);
  if (a.kind !== 'mysql-gtid' || b.kind !== 'mysql-gtid') return '';
  const sets = new Map<string, [bigint, bigint][]>();
  for (const [uuid, ivs] of a.sets) {
    const left = subtractIntervals(ivs, b.sets.get(uuid) ?? []);
    if (left.length) sets.set(uuid, left);
  }
  const diff: Position = { kind: 'mysql-gtid', sets };
  return formatPosition(diff);
}

/**
 * Replication positions: tagged values with parse, format and compare.
 * A position is exact; a timestamp is not. Every sync point is recorded as one of these.
 */
export type Position =
  | { readonly kind: 'mariadb-gtid'; readonly domains: ReadonlyMap<number, { readonly serverId: number; readonly seq: bigint }> }
  | { readonly kind: 'mysql-gtid'; readonly sets: ReadonlyMap<string, readonly (readonly [bigint, bigint])[]> }
  | { readonly kind: 'binlog-file-pos'; readonly file: string; readonly pos: bigint }
  | { readonly kind: 'pg-lsn'; readonly lsn: bigint };

/** 'before': a is strictly contained in b; 'incomparable': neither contains the other (errant transactions). */
export type Ordering = 'equal' | 'before' | 'after' | 'incomparable';

export class PositionParseError extends Error {
  constructor(kind: string, text: string) {
    super(`cannot parse ${kind} position ${JSON.stringify(text)}`);
    this.name = 'PositionParseError';
  }
}

/** MariaDB GTID position: "0-1-100,1-2-7" (domain-server-seq, one per domain). */
export function parseMariadbGtid(text: string): Position {
  const domains = new Map<number, { serverId: number; seq: bigint }>();
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\d+)-(\d+)-(\d+)$/.exec(part);
    if (!m) throw new PositionParseError('mariadb-gtid', text);
    const domain = Number(m[1]);
    if (domains.has(domain)) throw new PositionParseError('mariadb-gtid', text);
    domains.set(domain, { serverId: Number(m[2]), seq: BigInt(m[3]!) });
  }
  return { kind: 'mariadb-gtid', domains };
}

/**
 * MySQL GTID set: "uuid:1-100:105,uuid2:1-5" (whitespace and newlines allowed, as gtid_executed
 * prints). MySQL 8.3+ tagged GTIDs: a tag among the pieces ("uuid:1-100:etl:1-5") names the
 * intervals after it; they are kept under the key "uuid:tag" (tags are case-insensitive).
 */
export function parseMysqlGtidSet(text: string): Position {
  const sets = new Map<string, [bigint, bigint][]>();
  const cleaned = text.replace(/\s+/g, '');
  for (const part of cleaned.split(',').filter(Boolean)) {
    const pieces = part.split(':');
    const uuid = pieces.shift()!.toLowerCase();
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(uuid) || pieces.length === 0) {
      throw new PositionParseError('mysql-gtid', text);
    }
    let key = uuid;
    let intervals = 0;
    const flush = () => {
      if (intervals === 0 && key !== uuid) throw new PositionParseError('mysql-gtid', text);
    };
    for (const iv of pieces) {
      if (/^[A-Za-z_][A-Za-z0-9_]{0,31}$/.test(iv)) {
        flush();
        key = `${uuid}:${iv.toLowerCase()}`;
        intervals = 0;
        continue;
      }
      const m = /^(\d+)(?:-(\d+))?$/.exec(iv);
      if (!m) throw new PositionParseError('mysql-gtid', text);
      const lo = BigInt(m[1]!);
      const hi = m[2] ? BigInt(m[2]) : lo;
      if (hi < lo) throw new PositionParseError('mysql-gtid', text);
      sets.set(key, normalizeIntervals([...(sets.get(key) ?? []), [lo, hi]]));
      intervals++;
    }
    flush();
  }
  return { kind: 'mysql-gtid', sets };
}

function normalizeIntervals(list: [bigint, bigint][]): [bigint, bigint][] {
  const sorted = [...list].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: [bigint, bigint][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1n) last[1] = hi > last[1] ? hi : last[1];
    else out.push([lo, hi]);
  }
  return out;
}

/** "mysql-bin.000003:1234" */
export function parseBinlogFilePos(text: string): Position {
  const m = /^(.+):(\d+)$/.exec(text.trim());
  if (!m) throw new PositionParseError('binlog-file-pos', text);
  return { kind: 'binlog-file-pos', file: m[1]!, pos: BigInt(m[2]!) };
}

/** PostgreSQL LSN "16/B374D848". */
export function parsePgLsn(text: string): Position {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!m) throw new PositionParseError('pg-lsn', text);
  return { kind: 'pg-lsn', lsn: (BigInt('0x' + m[1]) << 32n) | BigInt('0x' + m[2]) };
}

export function formatPosition(p: Position): string {
  switch (p.kind) {
    case 'mariadb-gtid':
      return [...p.domains.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([d, v]) => `${d}-${v.serverId}-${v.seq}`)
        .join(',');
    case 'mysql-gtid':
      return [...p.sets.entries()]
        .sort((a, b) => (a[0] < b[0] ? -1 : 1))
        .map(([u, ivs]) => `${u}:${ivs.map(([lo, hi]) => (lo === hi ? `${lo}` : `${lo}-${hi}`)).join(':')}`)
        .join(',');
    case 'binlog-file-pos':
      return `${p.file}:${p.pos}`;
    case 'pg-lsn':
      return `${(p.lsn >> 32n).toString(16).toUpperCase()}/${(p.lsn & 0xffffffffn).toString(16).toUpperCase()}`;
  }
}

function cmp<T extends bigint | string>(a: T, b: T): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Binlog files by their number: "binlog.999999" comes before "binlog.1000000" (the server widens
 * the suffix past six digits), which a text comparison gets wrong.
 */
export function compareBinlogFiles(a: string, b: string): -1 | 0 | 1 {
  const ma = /^(.*?)(\d+)$/.exec(a);
  const mb = /^(.*?)(\d+)$/.exec(b);
  if (ma && mb && ma[1] === mb[1]) return cmp(BigInt(ma[2]!), BigInt(mb[2]!));
  return cmp(a, b);
}

function fromSigns(less: boolean, greater: boolean): Ordering {
  if (less && greater) return 'incomparable';
  if (less) return 'before';
  if (greater) return 'after';
  return 'equal';
}

function intervalsContain(outer: readonly (readonly [bigint, bigint])[], inner: readonly (readonly [bigint, bigint])[]): boolean {
  return inner.every(([lo, hi]) => outer.some(([olo, ohi]) => olo <= lo && hi <= ohi));
}

/**
 * Compare two positions of the same kind. For GTID kinds, "before" means a is contained in b.
 * MariaDB positions compare per domain on sequence numbers (a domain absent counts as 0).
 */
export function comparePositions(a: Position, b: Position): Ordering {
  if (a.kind !== b.kind) throw new Error(`cannot compare ${a.kind} with ${b.kind}`);
  switch (a.kind) {
    case 'pg-lsn':
      return (['before', 'equal', 'after'] as const)[cmp(a.lsn, (b as typeof a).lsn) + 1]!;
    case 'binlog-file-pos': {
      const bb = b as typeof a;
      const c = compareBinlogFiles(a.file, bb.file) || cmp(a.pos, bb.pos);
      return (['before', 'equal', 'after'] as const)[c + 1]!;
    }
    case 'mariadb-gtid': {
      const bb = b as typeof a;
      let less = false;
      let greater = false;
      for (const d of new Set([...a.domains.keys(), ...bb.domains.keys()])) {
        const c = cmp(a.domains.get(d)?.seq ?? 0n, bb.domains.get(d)?.seq ?? 0n);
        if (c < 0) less = true;
        if (c > 0) greater = true;
      }
      return fromSigns(less, greater);
    }
    case 'mysql-gtid': {
      const bb = b as typeof a;
      const aInB = [...a.sets].every(([u, ivs]) => intervalsContain(bb.sets.get(u) ?? [], ivs));
      const bInA = [...bb.sets].every(([u, ivs]) => intervalsContain(a.sets.get(u) ?? [], ivs));
      if (aInB && bInA) return 'equal';
      if (aInB) return 'before';
      if (bInA) return 'after';
      return 'incomparable';
    }
  }
}

/** True when `applied` has reached `target` (equal or after). */
export function hasReached(applied: Position, target: Position): boolean {
  const o = comparePositions(applied, target);
  return o === 'equal' || o === 'after';
}

/**
 * MariaDB: true when `applied` equals `target` in every domain that `target` names.
 * A replica may hold extra domains (other sources); those do not matter for a sync point.
 */
export function matchesOnDomains(applied: Position, target: Position): boolean {
  if (applied.kind !== 'mariadb-gtid' || target.kind !== 'mariadb-gtid') {
    return comparePositions(applied, target) === 'equal';
  }
  for (const [d, v] of target.domains) {
    if (applied.domains.get(d)?.seq !== v.seq) return false;
  }
  return true;
}

/** JSON-friendly form for reports and manifests. */
export function positionToJson(p: Position): { kind: Position['kind']; value: string } {
  return { kind: p.kind, value: formatPosition(p) };
}

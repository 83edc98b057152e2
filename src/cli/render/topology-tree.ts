/** Human rendering of topology: the replication tree, one server per line, then a verdict line. */
import { isBroken, type TopologyNode, type TopologyResult } from '../../api/topology.js';

function onOff(v: boolean | null): string {
  return v === null ? '?' : v ? 'ON' : 'OFF';
}

function describe(n: TopologyNode): string {
  const parts: string[] = [n.label, n.role];
  if (n.flavor) parts.push(`${n.flavor} ${n.version ?? ''}`.trim());
  if (n.position) parts.push(`pos ${n.position}`);
  if (n.role !== 'primary' && (n.lagSeconds !== null || n.reachable)) parts.push(`lag ${n.lagSeconds === null ? '?' : `${Math.round(n.lagSeconds * 10) / 10}s`}`);
  if (n.reachable) {
    parts.push(`read_only=${onOff(n.readOnly)}`);
    if (n.flavor === 'postgres') parts.push(`wal_level=${n.walLevel ?? '?'}`);
    else {
      parts.push(`binlog=${n.binlogFormat ?? 'OFF'}`);
      parts.push(`gtid=${n.gtidMode ?? '?'}`);
      if (n.children.length > 0 && n.role !== 'primary' && n.logReplicaUpdates === false) parts.push('log_slave_updates=OFF');
    }
  }
  if (n.role !== 'primary') parts.push(`via ${n.via}`);
  let line = parts.join('  ');
  if (isBroken(n)) {
    const r = n.replication!;
    line += `\n  REPLICATION ${!r.receiving ? 'NOT RECEIVING' : !r.applying ? 'NOT APPLYING' : 'ERROR'}${r.lastError ? `: ${r.lastError}` : ''}`;
  }
  if (n.error) line += `\n  ${n.reachable ? 'PROBLEM' : 'UNREACHABLE'}: ${n.error}`;
  return line;
}

function walk(n: TopologyNode, prefix: string, childPrefix: string, out: string[]): void {
  const [first, ...rest] = describe(n).split('\n');
  out.push(prefix + first);
  const cont = childPrefix + (n.children.length ? '│ ' : '  ');
  for (const r of rest) out.push(cont + r.trimStart().replace(/^/, '  '));
  n.children.forEach((c, i) => {
    const last = i === n.children.length - 1;
    walk(c, childPrefix + (last ? '└── ' : '├── '), childPrefix + (last ? '    ' : '│   '), out);
  });
}

export function renderTopology(r: TopologyResult): string {
  const lines: string[] = [];
  walk(r.tree, '', '', lines);
  const s = r.summary;
  lines.push('');
  lines.push(
    `verdict: ${r.verdict.toUpperCase()}  ${s.servers} server(s) below ${r.primary}: ${s.reachable} reached, ${s.unreachable} unreachable or unusable, ` +
      `${s.broken} with broken replication; depth ${s.maxDepth}; ${(r.durationMs / 1000).toFixed(1)}s`,
  );
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}

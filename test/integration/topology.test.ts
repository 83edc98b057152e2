/**
 * `syncpoint topology` on real sandboxes: a chained MariaDB topology (primary -> replica1 ->
 * replica2) with a replica that reports an address nobody listens on, and PostgreSQL with a
 * standby, a logical subscriber and an abandoned slot. Discovery is also what check uses.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { cli, splitPassword } from '../support/cli.js';
import { ENGINES, withSandbox } from '../support/topology.js';

interface Node {
  label: string;
  role: string;
  upstream: string | null;
  reachable: boolean;
  error: string | null;
  flavor: string | null;
  readOnly: boolean | null;
  binlogFormat: string | null;
  gtidMode: string | null;
  walLevel: string | null;
  position: string | null;
  children: Node[];
}

const flatten = (n: Node): Node[] => [n, ...n.children.flatMap(flatten)];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(ENGINES.includes('mariadb'))('topology on MariaDB: a chain and an unreachable replica', () => {
  // chain: replica1 follows the primary, replica2 follows replica1, replica3 follows replica2;
  // replica3 registers with a port nothing listens on: discovery must say why it cannot reach it.
  const sb = withSandbox('mariadb', { replicas: 3, chain: true, serverArgs: { replica3: ['--report-port=1'] } });

  beforeAll(async () => {
    await sb.query('primary', 'CREATE DATABASE topo');
    await sb.query('primary', 'CREATE TABLE topo.t (id INT PRIMARY KEY, v VARCHAR(10))');
    await sb.query('primary', "INSERT INTO topo.t VALUES (1, 'a'), (2, 'b'), (3, 'c')");
    for (let i = 0; i < 200; i++) {
      const hosts = await sb.query('replica1', 'SHOW SLAVE HOSTS');
      if (hosts.some((h) => Number(h['Port']) === sb.node('replica2').port)) return;
      await sleep(100);
    }
    throw new Error('replica2 never registered with replica1');
  }, 120_000);

  it('shows primary -> replica1 -> replica2, and names the unreachable replica with the reason', () => {
    const { dsn, pw } = splitPassword(sb.primary.dsn);
    const r = cli(['topology', '--primary', dsn, '--format', 'json', '--connect-timeout', '5'], { MYSQL_PWD: pw });
    expect(r.stderr).not.toContain(pw);
    expect(r.stdout).not.toContain(pw);
    const out = JSON.parse(r.stdout) as { verdict: string; tree: Node; summary: { servers: number; unreachable: number; maxDepth: number } };
    const [p, r1, r2] = ['primary', 'replica1', 'replica2'].map((n) => `127.0.0.1:${sb.node(n).port}`);
    expect(out.tree.label).toBe(p);
    expect(out.tree.role).toBe('primary');
    expect(out.tree.binlogFormat).toBe('ROW');
    expect(out.tree.position).toMatch(/^0-1-\d+$/);
    expect(out.tree.children.map((c) => c.label)).toEqual([r1]);
    const n1 = out.tree.children[0]!;
    expect(n1.reachable).toBe(true);
    expect(n1.readOnly).toBe(true);
    expect(n1.gtidMode).toMatch(/Using_Gtid=Slave_Pos/i);
    expect(n1.children.map((c) => c.label)).toEqual([r2]);
    const n2 = n1.children[0]!;
    expect(n2).toMatchObject({ upstream: r1, role: 'replica', reachable: true, error: null });
    expect(n2.position).toMatch(/^0-1-\d+$/);
    // replica3 follows replica2 but reported port 1: listed under replica2, with the reason.
    expect(n2.children.map((c) => c.label)).toEqual(['127.0.0.1:1']);
    const bad = n2.children[0]!;
    expect(bad.reachable).toBe(false);
    expect(bad.error).toMatch(/connection refused: nothing listens at 127\.0\.0\.1:1 .*report_host\/report_port/);
    expect(out.summary).toMatchObject({ servers: 3, unreachable: 1, maxDepth: 3 });
    expect(out.verdict).toBe('incomplete');
    expect(r.code).toBe(3);
  }, 120_000);

  it('prints the chain as an indented tree', () => {
    const { dsn, pw } = splitPassword(sb.primary.dsn);
    const r = cli(['topology', '--primary', dsn, '--connect-timeout', '5'], { MYSQL_PWD: pw });
    const lines = r.stdout.split('\n');
    const i1 = lines.findIndex((l) => l.includes(`127.0.0.1:${sb.node('replica1').port}`));
    const i2 = lines.findIndex((l) => l.includes(`127.0.0.1:${sb.node('replica2').port}`));
    expect(i1).toBeGreaterThan(0);
    expect(i2).toBeGreaterThan(i1);
    // replica2 sits one level deeper than replica1.
    expect(lines[i2]!.indexOf('127.0.0.1')).toBeGreaterThan(lines[i1]!.indexOf('127.0.0.1'));
    expect(r.stdout).toMatch(/UNREACHABLE: .*refused/i);
    expect(r.code).toBe(3);
  }, 120_000);

  it('check without --replica checks the chained replica too', () => {
    const { dsn, pw } = splitPassword(sb.primary.dsn);
    const r = cli(['check', '--primary', dsn, '--format', 'json', '--connect-timeout', '5', '--databases', 'topo'], { MYSQL_PWD: pw });
    const out = JSON.parse(r.stdout) as { replicas: string[]; notes: string[]; verdict: string; tables: { table: string; replica: string; status: string }[] };
    const [r1, r2] = ['replica1', 'replica2'].map((n) => `127.0.0.1:${sb.node(n).port}`);
    expect(out.replicas).toContain(r2);
    // Both sync paths ran: replica1 stops at the primary's binlog coordinates, replica2 (a
    // replica of a replica) at the GTID position; each compares consistent.
    for (const rep of [r1, r2]) expect(out.tables.find((t) => t.table === 'topo.t' && t.replica === rep)?.status, rep).toBe('ok');
    expect(out.notes.join('\n')).toContain(`replicating from 127.0.0.1:${sb.node('replica1').port}`);
    // The replica reporting a dead address makes the run incomplete, and says so.
    expect(out.replicas).toContain('127.0.0.1:1');
    expect(out.verdict).toBe('incomplete');
    expect(r.code).toBe(3);
  }, 180_000);
});

describe.runIf(ENGINES.includes('postgres'))('topology on PostgreSQL: cascading standby, subscriber, abandoned slot', () => {
  // chain: standby2 streams from standby1 (cascading replication), the subscriber from the primary.
  const sb = withSandbox('postgres', { replicas: 2, logical: 1, chain: true });

  beforeAll(async () => {
    await sb.query('primary', "SELECT pg_create_physical_replication_slot('ghost_standby')");
  }, 60_000);

  it('without addresses: lists the standby and subscriber with why they cannot be reached, and the unused slot', () => {
    const { dsn, pw } = splitPassword(sb.primary.dsn);
    const r = cli(['topology', '--primary', dsn, '--format', 'json'], { PGPASSWORD: pw });
    const out = JSON.parse(r.stdout) as { verdict: string; tree: Node };
    expect(out.tree.flavor).toBe('postgres');
    expect(out.tree.walLevel).toBe('logical');
    const kids = out.tree.children;
    const standby = kids.find((k) => k.role === 'standby' && k.label.startsWith('standby1'))!;
    expect(standby.reachable).toBe(false);
    expect(standby.error).toMatch(/does not report the port.*--address standby1=HOST:PORT/);
    expect(standby.position).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    const sub = kids.find((k) => k.role === 'subscriber')!;
    expect(sub.error).toMatch(/--address/);
    const ghost = kids.find((k) => k.label === 'ghost_standby')!;
    expect(ghost.error).toMatch(/slot "ghost_standby" is not in use/);
    expect(out.verdict).toBe('incomplete');
    expect(r.code).toBe(3);
  }, 120_000);

  it('with --address: inspects the standbys, follows the cascade, and the subscriber', () => {
    const { dsn, pw } = splitPassword(sb.primary.dsn);
    const [s1, s2, sub1] = ['standby1', 'standby2', 'subscriber1'].map((n) => sb.node(n));
    const r = cli(['topology', '--primary', dsn, '--format', 'json',
      '--address', `standby1=127.0.0.1:${s1!.port}`, '--address', `standby2=127.0.0.1:${s2!.port}`, '--address', `subscriber1=127.0.0.1:${sub1!.port}`], { PGPASSWORD: pw });
    const out = JSON.parse(r.stdout) as { verdict: string; tree: Node; summary: { maxDepth: number } };
    expect(out.tree.readOnly).toBe(false);
    const standby = out.tree.children.find((n) => n.label === `127.0.0.1:${s1!.port}`)!;
    expect(standby).toMatchObject({ role: 'standby', reachable: true, readOnly: true, error: null });
    // standby2 is only visible from standby1's own pg_stat_replication.
    expect(standby.children.map((c) => [c.label, c.role, c.upstream, c.reachable])).toEqual([[`127.0.0.1:${s2!.port}`, 'standby', standby.label, true]]);
    const sub = out.tree.children.find((n) => n.label === `127.0.0.1:${sub1!.port}`)!;
    expect(sub).toMatchObject({ role: 'subscriber', reachable: true, readOnly: false, error: null });
    // Only the abandoned slot is left unexplained-away.
    expect(flatten(out.tree).filter((n) => n.error !== null).map((n) => n.label)).toEqual(['ghost_standby']);
    expect(out.summary.maxDepth).toBe(2);
    expect(out.verdict).toBe('incomplete');
  }, 120_000);

  it('a standby named with --replica is placed by its name, without --address', () => {
    const { dsn, pw } = splitPassword(sb.primary.dsn);
    const s1 = sb.node('standby1');
    const r = cli(['topology', '--primary', dsn, '--format', 'json', '--replica', splitPassword(s1.dsn).dsn], { PGPASSWORD: pw });
    const out = JSON.parse(r.stdout) as { tree: Node };
    const standby = out.tree.children.find((n) => n.label === `127.0.0.1:${s1.port}`)!;
    expect(standby).toMatchObject({ role: 'standby', reachable: true, error: null });
    expect(out.tree.children.filter((n) => n.label.startsWith('standby1'))).toEqual([]);
  }, 120_000);
});

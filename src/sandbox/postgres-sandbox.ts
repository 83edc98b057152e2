/**
 * PostgreSQL sandbox: a primary (wal_level=logical), physical standbys cloned with
 * `pg_basebackup -R` streaming through their own slots, and logical subscribers (own initdb
 * cluster, sample schema pre-created, one subscription each to a FOR ALL TABLES publication).
 */
import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PostgresBinaries } from './binaries.js';
import { connectParts, errorText, pgLiteral, type NodeClient } from './node-client.js';
import { Deadline, extraArgs, nodeError, settleAll, waitServerReady, type UpContext } from './node-ops.js';
import { asUser, chownTo, ensureTraversable, postgresRunAs, type OsUser } from './os-user.js';
import { isServerAlive, runTool, spawnServer, stopServer, type SpawnedServer } from './processes.js';
import { sampleSchemaSql } from './sample-schema.js';
import { adminPasswordOf } from './state.js';
import type { SandboxInfo, SandboxNode, SandboxRole } from './types.js';

export const PG_REPL_USER = 'replicator';
export const PG_PUBLICATION = 'syncpoint_pub';
const SUPERUSER = 'postgres';
const MAX_SOCKET_PATH = 100;

function makeNode(dir: string, name: string, role: SandboxRole, port: number, password: string): SandboxNode {
  const nodeDir = join(dir, name);
  const socketFile = join(nodeDir, `.s.PGSQL.${port}`);
  return {
    name,
    role,
    host: '127.0.0.1',
    port,
    pid: null,
    dsn: `postgres://${SUPERUSER}:${password}@127.0.0.1:${port}/postgres`,
    nodeDir,
    dataDir: join(nodeDir, 'data'),
    logFile: join(nodeDir, 'postgres.log'),
    socket: socketFile.length <= MAX_SOCKET_PATH ? nodeDir : null,
    ...(role === 'standby' ? { replicationName: `syncpoint_${name}` } : role === 'subscriber' ? { replicationName: `syncpoint_${name}` } : {}),
  };
}

function confBlock(n: SandboxNode): string {
  return [
    '',
    '# syncpoint sandbox (later settings override earlier ones)',
    `port = ${n.port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${n.socket ?? ''}'`,
    'unix_socket_permissions = 0700',
    `cluster_name = 'syncpoint-${n.name}'`,
    'wal_level = logical',
    'max_wal_senders = 20',
    'max_replication_slots = 20',
    'hot_standby = on',
    'shared_buffers = 64MB',
    'logging_collector = off',
    "log_line_prefix = '%m [%p] %q%a '",
    '',
  ].join('\n');
}

const HBA = [
  '# syncpoint sandbox: passwords over TCP on loopback only',
  'local   all          all                       peer',
  'host    all          all          127.0.0.1/32 scram-sha-256',
  'host    replication  all          127.0.0.1/32 scram-sha-256',
  '',
].join('\n');

interface PgRun {
  readonly bins: PostgresBinaries;
  readonly user: OsUser | null;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

function adminClient(n: SandboxNode, password: string, timeoutMs = 3000): Promise<NodeClient> {
  return connectParts({ engine: 'postgres', host: '127.0.0.1', port: n.port, user: SUPERUSER, password, connectTimeoutMs: timeoutMs });
}

async function acceptsConnections(n: SandboxNode, password: string): Promise<boolean> {
  try {
    const c = await adminClient(n, password, 1500);
    await c.close();
    return true;
  } catch {
    // 57P03 "the database system is starting up" and refused connections alike: not yet.
    return false;
  }
}

async function initCluster(n: SandboxNode, run: PgRun, password: string, deadline: Deadline): Promise<void> {
  const pwfile = join(n.nodeDir, '.initdb-pw');
  const initLog = { name: n.name, logFile: join(n.nodeDir, 'initdb.log') };
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  await chownTo(run.user, pwfile);
  const cmd = asUser(run.user, run.bins.initdb, ['-D', n.dataDir, '-U', SUPERUSER, `--pwfile=${pwfile}`, '--auth-host=scram-sha-256', '--auth-local=peer', '-E', 'UTF8', '--locale=C', '--no-sync']);
  try {
    const res = await runTool(cmd.cmd, cmd.args, { timeoutMs: Math.min(120_000, deadline.remainingMs), cwd: run.cwd, env: run.env });
    await writeFile(initLog.logFile, res.stdout + res.stderr);
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    await writeFile(initLog.logFile, `${e.stdout ?? ''}${e.stderr ?? ''}`).catch(() => {});
    throw nodeError(initLog, 'server', `initdb failed: ${errorText(err)}`, err);
  } finally {
    await rm(pwfile, { force: true });
  }
  await appendFile(join(n.dataDir, 'postgresql.conf'), confBlock(n));
  await writeFile(join(n.dataDir, 'pg_hba.conf'), HBA);
}

async function startServer(n: SandboxNode, run: PgRun, password: string, ctx: UpContext): Promise<void> {
  if (ctx.deadline.isCancelled) throw nodeError(n, 'interrupted', 'not started: another node failed');
  const cmd = asUser(run.user, run.bins.postgres, ['-D', n.dataDir, ...extraArgs(ctx, n.name)]);
  const server: SpawnedServer = spawnServer(cmd.cmd, cmd.args, { logFile: n.logFile, cwd: run.cwd, env: run.env });
  if (cmd.execsInPlace && server.pid > 0) n.pid = server.pid;
  await ctx.save();
  await waitServerReady(n, server, () => acceptsConnections(n, password), ctx.deadline);
  // runuser forks, so the server's own pid comes from postmaster.pid (its first line).
  const pid = Number((await readFile(join(n.dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0) n.pid = pid;
  await ctx.save();
}

/** `primary` is the server cloned and streamed from: the primary, or the previous standby with chain. */
async function cloneStandby(n: SandboxNode, primary: SandboxNode, run: PgRun, ctx: UpContext): Promise<void> {
  const replPw = ctx.state.replication.password;
  const bbLog = { name: n.name, logFile: join(n.nodeDir, 'pg_basebackup.log') };
  const cmd = asUser(run.user, run.bins.pgBasebackup, ['-D', n.dataDir, '-h', '127.0.0.1', '-p', String(primary.port), '-U', PG_REPL_USER, '-X', 'stream', '-R', '-C', '-S', n.replicationName!, '-c', 'fast', '--no-sync', '-w']);
  try {
    const res = await runTool(cmd.cmd, cmd.args, { timeoutMs: Math.min(120_000, ctx.deadline.remainingMs), cwd: run.cwd, env: { ...run.env, PGPASSWORD: replPw } });
    await writeFile(bbLog.logFile, res.stdout + res.stderr);
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    await writeFile(bbLog.logFile, `${e.stdout ?? ''}${e.stderr ?? ''}`).catch(() => {});
    throw nodeError(bbLog, 'server', `pg_basebackup from ${primary.name} failed: ${errorText(err)}`, err);
  }
  await appendFile(join(n.dataDir, 'postgresql.conf'), confBlock(n));
  // Our own conninfo (after -R's, so it wins): application_name names the standby in the
  // primary's pg_stat_replication.
  await appendFile(
    join(n.dataDir, 'postgresql.auto.conf'),
    `primary_conninfo = 'host=127.0.0.1 port=${primary.port} user=${PG_REPL_USER} password=${replPw} application_name=${n.name}'\nprimary_slot_name = '${n.replicationName}'\n`,
  );
}

export async function upPostgres(ctx: UpContext, bins: PostgresBinaries): Promise<void> {
  const { state, log } = ctx;
  const dir = state.dir;
  const user = postgresRunAs();
  const primary = makeNode(dir, 'primary', 'primary', ctx.ports[0]!, ctx.adminPassword);
  const standbys: SandboxNode[] = [];
  const subscribers: SandboxNode[] = [];
  let p = 1;
  for (let i = 1; i <= ctx.replicas; i++) standbys.push(makeNode(dir, `standby${i}`, 'standby', ctx.ports[p++]!, ctx.adminPassword));
  for (let i = 1; i <= ctx.logical; i++) subscribers.push(makeNode(dir, `subscriber${i}`, 'subscriber', ctx.ports[p++]!, ctx.adminPassword));
  const nodes = [primary, ...standbys, ...subscribers];
  state.nodes.push(...nodes);

  await ensureTraversable(user, dir, log);
  for (const n of nodes) {
    await mkdir(n.nodeDir, { recursive: true, mode: 0o750 });
    await chownTo(user, n.nodeDir);
    await writeFile(n.logFile, '');
    await chownTo(user, n.logFile);
  }
  await ctx.save();
  // HOME of the server user, not ours: libpq would otherwise look for root's ~/.pgpass.
  const run: PgRun = { bins, user, cwd: dir, env: { ...process.env, HOME: user?.home ?? process.env['HOME'] ?? dir, PGTZ: 'UTC' } };
  const t0 = Date.now();

  await settleAll(ctx.deadline, [primary, ...subscribers].map((n) => initCluster(n, run, ctx.adminPassword, ctx.deadline)));
  log.debug({ ms: Date.now() - t0 }, 'clusters initialized');
  await settleAll(ctx.deadline, [primary, ...subscribers].map((n) => startServer(n, run, ctx.adminPassword, ctx)));
  log.debug({ ms: Date.now() - t0 }, 'primary and subscribers accept connections');

  let pc: NodeClient | null = null;
  try {
    pc = await adminClient(primary, ctx.adminPassword);
    await pc.exec(`CREATE ROLE ${PG_REPL_USER} WITH LOGIN REPLICATION PASSWORD ${pgLiteral(ctx.state.replication.password)}`);
    if (subscribers.length > 0) {
      // Subscribers need the tables before they subscribe (DDL is not replicated logically).
      for (const sql of sampleSchemaSql('postgres')) await pc.exec(sql);
      await pc.exec(`CREATE PUBLICATION ${PG_PUBLICATION} FOR ALL TABLES`);
    }
  } catch (err) {
    throw nodeError(primary, 'server', `setting up the primary failed: ${errorText(err)}`, err);
  } finally {
    await pc?.close();
  }

  await settleAll(ctx.deadline, [
    // With chain, standbyN is a base backup of standby(N-1), streaming from it (cascading).
    ...(ctx.chain
      ? [(async () => {
          for (const [i, n] of standbys.entries()) {
            await cloneStandby(n, i === 0 ? primary : standbys[i - 1]!, run, ctx);
            await startServer(n, run, ctx.adminPassword, ctx);
          }
        })()]
      : standbys.map(async (n) => {
          await cloneStandby(n, primary, run, ctx);
          await startServer(n, run, ctx.adminPassword, ctx);
        })),
    ...subscribers.map((n) => subscribe(n, primary, ctx)),
  ]);
  log.debug({ ms: Date.now() - t0 }, 'standbys and subscriptions started');

  await waitPostgresReplicas(primary, [...standbys, ...subscribers], ctx.adminPassword, ctx.deadline);
  for (const n of nodes) {
    n.up = true;
    if (n.role !== 'primary') n.replicating = true;
  }
  log.debug({ ms: Date.now() - t0 }, 'standbys streaming, subscriptions in sync');
}

async function subscribe(n: SandboxNode, primary: SandboxNode, ctx: UpContext): Promise<void> {
  let c: NodeClient | null = null;
  try {
    c = await adminClient(n, ctx.adminPassword);
    for (const sql of sampleSchemaSql('postgres')) await c.exec(sql);
    // The superuser, not the replication role: the initial table copy needs SELECT on every
    // published table, and pg_read_all_data only exists from PostgreSQL 14.
    const conninfo = `host=127.0.0.1 port=${primary.port} user=${SUPERUSER} password=${ctx.adminPassword} dbname=postgres application_name=${n.name}`;
    await c.exec(`CREATE SUBSCRIPTION ${n.replicationName} CONNECTION ${pgLiteral(conninfo)} PUBLICATION ${PG_PUBLICATION}`);
  } catch (err) {
    throw nodeError(n, 'server', `creating the subscription failed: ${errorText(err)}`, err);
  } finally {
    await c?.close();
  }
}

/** Parses 'X/Y' into a number of bytes (exact below 2^53, far beyond a sandbox's WAL). */
export function lsnToNumber(lsn: string): number | null {
  const m = /^([0-9A-F]+)\/([0-9A-F]+)$/i.exec(lsn);
  if (!m) return null;
  return parseInt(m[1]!, 16) * 2 ** 32 + parseInt(m[2]!, 16);
}

async function currentLsn(primary: SandboxNode, password: string): Promise<string> {
  const c = await adminClient(primary, password).catch((err: unknown) => {
    throw nodeError(primary, 'connection', `cannot connect: ${errorText(err)}`, err);
  });
  try {
    return String((await c.query('SELECT pg_current_wal_lsn()::text AS lsn'))[0]!['lsn']);
  } finally {
    await c.close();
  }
}

/**
 * Waits until every standby streams and has replayed the primary's current LSN, and every
 * subscriber has all its tables in state 'r' (ready) and has confirmed that LSN.
 */
export async function waitPostgresReplicas(primary: SandboxNode, others: readonly SandboxNode[], password: string, deadline: Deadline): Promise<void> {
  if (others.length === 0) return;
  const target = await currentLsn(primary, password);
  await settleAll(deadline, others.map((n) => (n.role === 'standby' ? waitStandby(n, target, password, deadline) : waitSubscriber(n, primary, target, password, deadline))));
}

async function waitStandby(n: SandboxNode, target: string, password: string, deadline: Deadline): Promise<void> {
  const c = await adminClient(n, password).catch((err: unknown) => {
    throw nodeError(n, 'connection', `cannot connect: ${errorText(err)}`, err);
  });
  try {
    let last = '';
    for (;;) {
      const r = (await c.query(
        `SELECT (SELECT status FROM pg_stat_wal_receiver) AS status,
                pg_last_wal_replay_lsn()::text AS replay,
                coalesce(pg_wal_lsn_diff(pg_last_wal_replay_lsn(), $1::pg_lsn) >= 0, false) AS done`,
        [target],
      ))[0]!;
      last = `receiver ${String(r['status'] ?? 'not running')}, replayed ${String(r['replay'] ?? 'nothing')}`;
      if (r['status'] === 'streaming' && r['done'] === true) return;
      if (deadline.over) throw nodeError(n, 'timeout', `standby did not catch up with the primary (${target}) in time: ${last}`);
      await sleep(150);
    }
  } finally {
    await c.close();
  }
}

async function waitSubscriber(n: SandboxNode, primary: SandboxNode, target: string, password: string, deadline: Deadline): Promise<void> {
  const c = await adminClient(n, password).catch((err: unknown) => {
    throw nodeError(n, 'connection', `cannot connect: ${errorText(err)}`, err);
  });
  const pc = await adminClient(primary, password).catch(async (err: unknown) => {
    await c.close();
    throw nodeError(primary, 'connection', `cannot connect: ${errorText(err)}`, err);
  });
  try {
    let last = '';
    for (;;) {
      const s = (await c.query(
        `SELECT (SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r')::int AS pending,
                (SELECT count(*) FROM pg_stat_subscription WHERE subname = $1 AND relid IS NULL AND pid IS NOT NULL)::int AS workers`,
        [n.replicationName],
      ))[0]!;
      // The primary's view of the slot: what the subscriber has confirmed as durably applied.
      const slot = (await pc.query(
        `SELECT coalesce(pg_wal_lsn_diff(confirmed_flush_lsn, $1::pg_lsn) >= 0, false) AS done, confirmed_flush_lsn::text AS lsn
           FROM pg_replication_slots WHERE slot_name = $2`,
        [target, n.replicationName],
      ))[0];
      last = `${String(s['pending'])} table(s) not ready, apply worker ${Number(s['workers']) > 0 ? 'running' : 'not running'}, confirmed ${String(slot?.['lsn'] ?? 'nothing')}`;
      if (Number(s['pending']) === 0 && Number(s['workers']) > 0 && slot?.['done'] === true) return;
      if (deadline.over) throw nodeError(n, 'timeout', `subscription did not catch up with the primary (${target}) in time: ${last}`);
      await sleep(150);
    }
  } finally {
    await c.close();
    await pc.close();
  }
}

export async function stopPostgresNode(n: SandboxNode): Promise<'stopped' | 'killed' | 'not-running'> {
  // SIGINT is PostgreSQL's "fast" shutdown: sessions are cut, a checkpoint is written.
  return stopServer(n.pid, n.dataDir, 'SIGINT', 30_000);
}

export async function statusPostgres(info: SandboxInfo): Promise<SandboxNode[]> {
  const password = adminPasswordOf(info);
  const primary = info.nodes.find((n) => n.role === 'primary');
  let primaryLsn: number | null = null;
  if (primary && isServerAlive(primary.pid, primary.dataDir)) {
    primaryLsn = await currentLsn(primary, password).then(lsnToNumber, () => null);
  }
  return Promise.all(
    info.nodes.map(async (n): Promise<SandboxNode> => {
      const out: SandboxNode = { ...n, up: false };
      if (n.role !== 'primary') out.replicating = false;
      if (!isServerAlive(n.pid, n.dataDir)) {
        out.error = 'server process is not running';
        return out;
      }
      let c: NodeClient | null = null;
      try {
        c = await adminClient(n, password, 2000);
        out.up = true;
        let applied: string | null = null;
        if (n.role === 'primary') {
          out.position = String((await c.query('SELECT pg_current_wal_lsn()::text AS lsn'))[0]!['lsn']);
          return out;
        }
        if (n.role === 'standby') {
          const r = (await c.query(
            `SELECT (SELECT status FROM pg_stat_wal_receiver) AS status,
                    pg_last_wal_replay_lsn()::text AS replay,
                    CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                         ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END AS lag`,
          ))[0]!;
          out.replicating = r['status'] === 'streaming';
          applied = (r['replay'] as string | null) ?? null;
          out.lagSeconds = r['lag'] === null ? null : Number(r['lag']);
          if (!out.replicating) out.error = `WAL receiver ${String(r['status'] ?? 'not running')}`;
        } else {
          const r = (await c.query(
            `SELECT s.subenabled AS enabled, st.pid AS pid, st.latest_end_lsn::text AS lsn,
                    (SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r')::int AS pending
               FROM pg_subscription s LEFT JOIN pg_stat_subscription st ON st.subid = s.oid AND st.relid IS NULL
              WHERE s.subname = $1`,
            [n.replicationName],
          ))[0];
          if (!r) {
            out.error = `subscription ${n.replicationName} not found`;
            return out;
          }
          out.replicating = r['enabled'] === true && r['pid'] !== null;
          applied = (r['lsn'] as string | null) ?? null;
          out.lagSeconds = null;
          if (!out.replicating) out.error = r['enabled'] === true ? 'apply worker not running (see the log)' : 'subscription disabled';
          else if (Number(r['pending']) > 0) out.error = `${String(r['pending'])} table(s) still synchronizing`;
        }
        out.position = applied;
        const appliedN = applied ? lsnToNumber(applied) : null;
        out.lagBytes = primaryLsn !== null && appliedN !== null ? Math.max(0, primaryLsn - appliedN) : null;
      } catch (err) {
        out.error = errorText(err);
      } finally {
        await c?.close();
      }
      return out;
    }),
  );
}

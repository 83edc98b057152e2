/**
 * MariaDB sandbox: one datadir initialized with mariadb-install-db and copied for every node
 * (MariaDB keeps no per-server identity in a fresh datadir: server_id comes from the command
 * line and GTIDs carry it, so the copy is correct and ~10x faster than initializing each).
 * Accounts are created once on the primary and reach the replicas through replication.
 */
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MariadbBinaries } from './binaries.js';
import { connectParts, errorText, type NodeClient } from './node-client.js';
import { Deadline, extraArgs, nodeError, settleAll, waitServerReady, type UpContext } from './node-ops.js';
import { runTool, spawnServer, stopServer, isServerAlive, type SpawnedServer } from './processes.js';
import { adminPasswordOf } from './state.js';
import type { SandboxInfo, SandboxNode } from './types.js';

export const MARIADB_REPL_USER = 'repl';
const ROOT_HOSTS = ['localhost', '127.0.0.1', '::1'];
// unix socket paths are limited to 108 bytes (sun_path) including the terminator.
const MAX_SOCKET_PATH = 100;
// Same InnoDB sizing for install-db and the servers, so the copied redo log matches.
const INNODB_OPTS = ['--innodb-buffer-pool-size=128M', '--innodb-log-file-size=32M'];

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

function makeNode(dir: string, name: string, role: 'primary' | 'replica', port: number, serverId: number, password: string): SandboxNode {
  const nodeDir = join(dir, name);
  const sock = join(nodeDir, 'mariadbd.sock');
  return {
    name,
    role,
    host: '127.0.0.1',
    port,
    pid: null,
    dsn: `mysql://root:${password}@127.0.0.1:${port}/`,
    nodeDir,
    dataDir: join(nodeDir, 'data'),
    logFile: join(nodeDir, 'mariadbd.log'),
    socket: sock.length <= MAX_SOCKET_PATH ? sock : join(tmpdir(), `syncpoint-mariadb-${port}.sock`),
    serverId,
  };
}

function serverArgs(n: SandboxNode, ctx: UpContext): string[] {
  return [
    // --no-defaults must come first: no /etc/mysql/my.cnf, no ~/.my.cnf leaks into the sandbox.
    '--no-defaults',
    `--datadir=${n.dataDir}`,
    `--port=${n.port}`,
    '--bind-address=127.0.0.1',
    `--socket=${n.socket}`,
    `--pid-file=${join(n.nodeDir, 'mariadbd.pid')}`,
    `--log-error=${n.logFile}`,
    `--server-id=${n.serverId}`,
    // Fixed names: the default basename is the host name, which would differ between machines.
    '--log-bin=mariadb-bin',
    '--relay-log=relay-bin',
    '--log-slave-updates=1',
    `--binlog-format=${ctx.binlogFormat}`,
    '--gtid-strict-mode=1',
    '--sync-binlog=1',
    '--relay-log-recovery=1',
    // So the primary's SHOW SLAVE HOSTS lists each replica with an address that works.
    '--report-host=127.0.0.1',
    `--report-port=${n.port}`,
    '--skip-name-resolve',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_general_ci',
    '--max-connections=200',
    ...INNODB_OPTS,
    ...(n.role === 'replica' ? ['--read-only=1'] : []),
    // mariadbd refuses to start as root unless told to.
    ...(isRoot() ? ['--user=root'] : []),
    ...extraArgs(ctx, n.name),
  ];
}

/** Before the accounts are set up root has no password (install-db's "normal" auth) over TCP. */
async function connectBootstrap(n: SandboxNode, password: string, timeoutMs = 3000): Promise<NodeClient> {
  return connectParts({ engine: 'mariadb', host: '127.0.0.1', port: n.port, user: 'root', password, connectTimeoutMs: timeoutMs });
}

async function acceptsConnections(n: SandboxNode): Promise<boolean> {
  try {
    const c = await connectBootstrap(n, '', 1500);
    await c.close();
    return true;
  } catch (err) {
    // Access denied means the server is up and answering.
    return (err as { errno?: number }).errno === 1045;
  }
}

export async function upMariadb(ctx: UpContext, bins: MariadbBinaries): Promise<void> {
  const { state, log } = ctx;
  const dir = state.dir;
  const nodes: SandboxNode[] = [makeNode(dir, 'primary', 'primary', ctx.ports[0]!, 1, ctx.adminPassword)];
  for (let i = 1; i <= ctx.replicas; i++) nodes.push(makeNode(dir, `replica${i}`, 'replica', ctx.ports[i]!, i + 1, ctx.adminPassword));
  const [primary, ...replicas] = nodes as [SandboxNode, ...SandboxNode[]];
  state.nodes.push(...nodes);
  for (const n of nodes) await mkdir(n.nodeDir, { recursive: true });
  await ctx.save();

  const t0 = Date.now();
  const installLog = { name: 'primary', logFile: join(primary.nodeDir, 'install-db.log') };
  try {
    const res = await runTool(bins.installDb, ['--no-defaults', `--datadir=${primary.dataDir}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...(isRoot() ? ['--user=root'] : []), ...INNODB_OPTS], {
      timeoutMs: Math.min(120_000, ctx.deadline.remainingMs),
      cwd: dir,
    });
    await writeFile(installLog.logFile, res.stdout + res.stderr);
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    await writeFile(installLog.logFile, `${e.stdout ?? ''}${e.stderr ?? ''}`).catch(() => {});
    throw nodeError(installLog, 'server', `mariadb-install-db failed: ${errorText(err)}`, err);
  }
  await settleAll(ctx.deadline, replicas.map((r) => cp(primary.dataDir, r.dataDir, { recursive: true })));
  log.debug({ ms: Date.now() - t0 }, 'datadirs initialized');

  const servers = new Map<string, SpawnedServer>();
  for (const n of nodes) {
    const s = spawnServer(bins.mariadbd, serverArgs(n, ctx), { logFile: n.logFile, cwd: n.nodeDir });
    if (s.pid > 0) n.pid = s.pid;
    servers.set(n.name, s);
  }
  await ctx.save();
  await settleAll(ctx.deadline, nodes.map((n) => waitServerReady(n, servers.get(n.name) ?? null, () => acceptsConnections(n), ctx.deadline)));
  log.debug({ ms: Date.now() - t0 }, 'servers accept connections');

  await setupPrimaryAccounts(primary, ctx);
  // The bootstrap sessions stay open for the wait: replication soon applies the primary's
  // ALTER USER, after which root's empty password no longer logs in on the replica.
  const sessions: NodeClient[] = [];
  try {
    // With chain, replicaN follows replica(N-1): it retries (MASTER_CONNECT_RETRY) until the
    // accounts have reached its source, and GTIDs pass down the chain (log_slave_updates).
    for (const [i, r] of replicas.entries()) sessions.push(await startReplication(r, ctx.chain && i > 0 ? replicas[i - 1]! : primary, ctx));
    const target = await primaryGtidPos(primary, ctx.adminPassword);
    await settleAll(ctx.deadline, replicas.map((r, i) => waitOneReplica(r, target, sessions[i]!, ctx.deadline)));
  } finally {
    await Promise.all(sessions.map((c) => c.close()));
  }
  for (const n of nodes) {
    n.up = true;
    if (n.role === 'replica') n.replicating = true;
  }
  log.debug({ ms: Date.now() - t0 }, 'replicas caught up');
}

async function setupPrimaryAccounts(primary: SandboxNode, ctx: UpContext): Promise<void> {
  let c: NodeClient | null = null;
  try {
    c = await connectBootstrap(primary, '');
    const hosts = (await c.query("SELECT Host AS host FROM mysql.user WHERE User = 'root'")).map((r) => String(r['host']));
    for (const h of hosts) {
      // install-db also creates root@<hostname>, which --skip-name-resolve ignores (with a warning).
      if (!ROOT_HOSTS.includes(h)) await c.exec('DROP USER ?@?', ['root', h]);
    }
    for (const h of ROOT_HOSTS) {
      if (hosts.includes(h)) await c.exec('ALTER USER ?@? IDENTIFIED BY ?', ['root', h, ctx.adminPassword]);
      else await c.exec('CREATE USER ?@? IDENTIFIED BY ?', ['root', h, ctx.adminPassword]);
      await c.exec('GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION', ['root', h]);
    }
    await c.exec('CREATE USER ?@? IDENTIFIED BY ?', [MARIADB_REPL_USER, '127.0.0.1', ctx.state.replication.password]);
    await c.exec('GRANT REPLICATION SLAVE ON *.* TO ?@?', [MARIADB_REPL_USER, '127.0.0.1']);
  } catch (err) {
    throw nodeError(primary, 'server', `setting up accounts failed: ${errorText(err)}`, err);
  } finally {
    await c?.close();
  }
}

/** Configures and starts replication; returns the still-open bootstrap session. */
async function startReplication(replica: SandboxNode, primary: SandboxNode, ctx: UpContext): Promise<NodeClient> {
  let c: NodeClient | null = null;
  try {
    c = await connectBootstrap(replica, '');
    await c.exec(
      // slave_pos from an empty position replays the primary's binlog from its very start,
      // which also brings the accounts created there.
      'CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 2',
      ['127.0.0.1', primary.port, MARIADB_REPL_USER, ctx.state.replication.password],
    );
    await c.exec('START SLAVE');
    return c;
  } catch (err) {
    await c?.close();
    throw nodeError(replica, 'server', `starting replication failed: ${errorText(err)}`, err);
  }
}

function adminClient(n: SandboxNode, password: string, timeoutMs = 3000): Promise<NodeClient> {
  return connectParts({ engine: 'mariadb', host: '127.0.0.1', port: n.port, user: 'root', password, connectTimeoutMs: timeoutMs });
}

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

async function primaryGtidPos(primary: SandboxNode, password: string): Promise<string> {
  const pc = await adminClient(primary, password).catch((err: unknown) => {
    throw nodeError(primary, 'connection', `cannot connect: ${errorText(err)}`, err);
  });
  try {
    return str((await pc.query('SELECT @@gtid_binlog_pos AS pos'))[0]?.['pos']);
  } finally {
    await pc.close();
  }
}

/** Waits until every replica runs both threads and has executed the primary's current GTID position. */
export async function waitMariadbReplicas(primary: SandboxNode, replicas: readonly SandboxNode[], password: string, deadline: Deadline): Promise<void> {
  if (replicas.length === 0) return;
  const target = await primaryGtidPos(primary, password);
  await settleAll(
    deadline,
    replicas.map(async (r) => {
      const c = await adminClient(r, password).catch((err: unknown) => {
        throw nodeError(r, 'connection', `cannot connect: ${errorText(err)}`, err);
      });
      try {
        await waitOneReplica(r, target, c, deadline);
      } finally {
        await c.close();
      }
    }),
  );
}

async function waitOneReplica(r: SandboxNode, target: string, c: NodeClient, deadline: Deadline): Promise<void> {
  for (;;) {
    const last = (await c.query('SHOW SLAVE STATUS'))[0];
    if (!last) throw nodeError(r, 'config', 'replication is not configured on this replica');
    const io = str(last['Slave_IO_Running']);
    const sql = str(last['Slave_SQL_Running']);
    if (sql === 'No' && str(last['Last_SQL_Error'])) throw nodeError(r, 'server', `replication SQL thread stopped: ${str(last['Last_SQL_Error'])}`);
    if (io === 'No' && str(last['Last_IO_Error'])) throw nodeError(r, 'server', `replication IO thread stopped: ${str(last['Last_IO_Error'])}`);
    if (io === 'Yes' && sql === 'Yes') {
      if (target === '') return;
      const waited = await c.query('SELECT MASTER_GTID_WAIT(?, 1) AS r', [target]);
      if (Number(waited[0]?.['r']) === 0) return;
    } else await sleep(200);
    if (deadline.over) {
      const err = str(last['Last_IO_Error']) || str(last['Last_SQL_Error']);
      throw nodeError(r, 'timeout', `replica did not catch up with the primary (${target || 'empty'}) in time: IO ${io}, SQL ${sql}, at ${str(last['Gtid_Slave_Pos']) || 'nothing'}${err ? `, ${err}` : ''}`);
    }
  }
}

export async function stopMariadbNode(n: SandboxNode): Promise<'stopped' | 'killed' | 'not-running'> {
  // SIGTERM is mariadbd's clean shutdown (InnoDB flushed, binlog closed).
  return stopServer(n.pid, n.dataDir, 'SIGTERM', 30_000);
}

/** Live state of every node, as the servers report it. */
export async function statusMariadb(info: SandboxInfo): Promise<SandboxNode[]> {
  const password = adminPasswordOf(info);
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
        if (n.role === 'primary') {
          out.position = str((await c.query('SELECT @@gtid_binlog_pos AS pos'))[0]?.['pos']);
          const ms = (await c.query('SHOW MASTER STATUS'))[0];
          if (ms) out.executedFilePos = `${str(ms['File'])}:${str(ms['Position'])}`;
          return out;
        }
        const s = (await c.query('SHOW SLAVE STATUS'))[0];
        if (!s) {
          out.error = 'replication is not configured';
          return out;
        }
        out.replicating = s['Slave_IO_Running'] === 'Yes' && s['Slave_SQL_Running'] === 'Yes';
        const sbm = s['Seconds_Behind_Master'];
        out.lagSeconds = sbm === null || sbm === undefined ? null : Number(sbm);
        out.position = str(s['Gtid_Slave_Pos']) || str((await c.query('SELECT @@gtid_slave_pos AS pos'))[0]?.['pos']);
        out.executedFilePos = s['Relay_Master_Log_File'] ? `${str(s['Relay_Master_Log_File'])}:${str(s['Exec_Master_Log_Pos'])}` : null;
        const err = str(s['Last_IO_Error']) || str(s['Last_SQL_Error']);
        if (err) out.error = err;
      } catch (err) {
        out.error = errorText(err);
      } finally {
        await c?.close();
      }
      return out;
    }),
  );
}

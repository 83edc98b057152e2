/**
 * PostgreSQL logical replication carries rows, not DDL: tables a test creates must exist on every
 * subscriber before the subscription picks them up (REFRESH PUBLICATION) and copies them.
 */
import { execOnNode, waitForReplicas, type SandboxInfo } from '../../src/sandbox/index.js';

export async function createTablesEverywhere(info: SandboxInfo, ddl: readonly string[], fill: readonly string[]): Promise<void> {
  const subscribers = info.nodes.filter((n) => n.role === 'subscriber');
  for (const s of subscribers) await execOnNode(info, s.name, ddl);
  await execOnNode(info, 'primary', [...ddl, ...fill]);
  for (const s of subscribers) {
    await execOnNode(info, s.name, [`ALTER SUBSCRIPTION ${s.replicationName} REFRESH PUBLICATION`]);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const [r] = await execOnNode(info, s.name, ["SELECT count(*)::int AS n FROM pg_subscription_rel WHERE srsubstate <> 'r'"]);
      if (r!.rows[0]!['n'] === 0) break;
      if (Date.now() > deadline) throw new Error(`${s.name}: tables still synchronizing after 60 s`);
      await new Promise((res) => setTimeout(res, 200));
    }
  }
  await waitForReplicas(info);
}

/**
 * A TCP proxy on a loopback port that sends each new connection to the next of several servers,
 * as a load balancer or round-robin DNS name in front of replicas does. Stops with close().
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface RoundRobinProxy {
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: () => number;
  close(): Promise<void>;
}

export async function startRoundRobinProxy(targets: readonly number[]): Promise<RoundRobinProxy> {
  let n = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const port = targets[n++ % targets.length]!;
    const upstream = connect({ host: '127.0.0.1', port });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy did not get a port');
  return {
    port: address.port,
    connections: () => n,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

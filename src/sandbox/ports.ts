/** Loopback ports for sandbox servers: bind-tested, never the system servers' well-known ports. */
import { createServer } from 'node:net';
import { usageError } from '../errors.js';

/** Ports a system server may own even when it is not listening right now. */
const RESERVED = new Set([3306, 3307, 33060, 5432, 5433]);

// Below Linux's ephemeral range (32768+), so outgoing connections do not grab them between
// the bind test and the server's own bind.
const RANGE_LOW = 20_000;
const RANGE_HIGH = 32_000;

export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

async function allFree(ports: number[]): Promise<boolean> {
  for (const p of ports) if (RESERVED.has(p) || !(await isPortFree(p))) return false;
  return true;
}

/** `count` consecutive free ports: from basePort when given (an error if any is taken), else a random free run. */
export async function allocatePorts(count: number, basePort?: number): Promise<number[]> {
  const run = (start: number) => Array.from({ length: count }, (_, i) => start + i);
  if (basePort !== undefined) {
    if (!Number.isInteger(basePort) || basePort < 1024 || basePort + count - 1 > 65535) {
      throw usageError(`--base-port ${basePort}: need ${count} ports between 1024 and 65535`);
    }
    for (const p of run(basePort)) {
      if (RESERVED.has(p)) throw usageError(`--base-port ${basePort}: port ${p} is reserved for a system database server; pick another base port`);
      if (!(await isPortFree(p))) throw usageError(`--base-port ${basePort}: port ${p} on 127.0.0.1 is already in use; pick another base port`);
    }
    return run(basePort);
  }
  for (let attempt = 0; attempt < 200; attempt++) {
    const start = RANGE_LOW + Math.floor(Math.random() * ((RANGE_HIGH - RANGE_LOW - count) / 10)) * 10;
    const ports = run(start);
    if (await allFree(ports)) return ports;
  }
  throw usageError(`could not find ${count} free consecutive loopback ports between ${RANGE_LOW} and ${RANGE_HIGH}; pass --base-port`);
}

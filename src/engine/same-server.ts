/**
 * Every session of an engine must reach the server its first session reached. A load balancer,
 * a proxy or a DNS name in front of several servers can send each new connection elsewhere (a
 * Kubernetes read Service that includes the primary, round-robin DNS, a proxy that routes by
 * load): a lane that lands on another server compares that server instead, and one that lands on
 * the primary compares the primary with itself, a wrong "consistent". Engines read an identity
 * on each new connection (in a round trip it makes anyway where they can) and refuse a mismatch.
 */
import { configError } from '../errors.js';
import type { Session } from './engine.js';

export function assertSameServer(label: string, first: string, now: string): void {
  if (now === first) return;
  throw configError(
    `a new connection to this address reached another server (${now}) than the first one (${first}): a load balancer, proxy or DNS name in front of several servers? Name each server by its own address`,
    label,
  );
}

/** `s` when it reached the first session's server (identity `now`); else it is closed and refused. */
export async function sameServerSession<S extends Session>(s: S, label: string, first: string, now: string): Promise<S> {
  try {
    assertSameServer(label, first, now);
    return s;
  } catch (err) {
    await s.close();
    throw err;
  }
}

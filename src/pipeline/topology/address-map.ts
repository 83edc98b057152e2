/**
 * `--address NAME=HOST:PORT`: where to reach a server its upstream reports without a usable
 * address. PostgreSQL never reports a standby's or subscriber's listening port, and MySQL's
 * report_host may be a name only resolvable inside a container network. NAME is what the
 * upstream shows: application_name or slot name (PostgreSQL), report_host or host (MySQL).
 */
import { usageError } from '../../errors.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export type AddressMap = ReadonlyMap<string, HostPort>;

export function addressKey(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export function parseHostPort(text: string, where: string): HostPort {
  const m = /^(\[[^\]]+\]|[^:[\]\s]+):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw usageError(`${where}: expected HOST:PORT, got ${JSON.stringify(text)}`);
  return { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}

/** "standby1=10.0.0.5:5432" entries (repeatable flag values) into a map; later entries win. */
export function parseAddressEntries(entries: readonly string[], where = '--address'): Map<string, HostPort> {
  const out = new Map<string, HostPort>();
  for (const e of entries) {
    const eq = e.indexOf('=');
    if (eq <= 0) throw usageError(`${where}: expected NAME=HOST:PORT, got ${JSON.stringify(e)}`);
    out.set(e.slice(0, eq).trim(), parseHostPort(e.slice(eq + 1), `${where} ${e.slice(0, eq).trim()}`));
  }
  return out;
}

export function lookupAddress(map: AddressMap, names: readonly string[]): (HostPort & { key: string }) | null {
  for (const n of names) {
    const hit = map.get(n);
    if (hit) return { ...hit, key: n };
  }
  return null;
}

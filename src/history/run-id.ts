/**
 * Run ids sort by time as plain strings (ls, ORDER BY run_id and the index all agree), with a
 * random tail so two runs started in the same millisecond (a fleet) never collide.
 */
import { randomBytes } from 'node:crypto';
import type { ConnectionSpec } from '../config/dsn.js';
import { usageError } from '../errors.js';

export function newRunId(at: Date = new Date()): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

const RUN_ID = /^\d{8}T\d{9}Z-[0-9a-f]{6}$/;

export function checkRunId(id: string): string {
  if (!RUN_ID.test(id)) throw usageError(`"${id}" is not a run id (like 20260101T120000000Z-a1b2c3; see syncpoint history)`);
  return id;
}

/** The cluster a run belongs to: named in a config file or by --cluster, else the primary's host:port. */
export function clusterName(primary: Pick<ConnectionSpec, 'label'>, given?: string): string {
  if (given !== undefined) {
    const name = given.trim();
    if (!name || name.length > 200 || /[\u0000-\u001f]/.test(name)) throw usageError(`bad cluster name ${JSON.stringify(given)}: 1..200 printable characters`);
    return name;
  }
  return primary.label;
}

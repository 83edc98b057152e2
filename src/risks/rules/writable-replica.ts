/**
 * writable-replica: a MySQL/MariaDB replica that accepts writes (read_only off), or accounts that
 * can write on it anyway: any account with write privileges while read_only is off, and accounts
 * holding a privilege that bypasses read_only that are not administrators. Which privileges do
 * depends on the server: MySQL SUPER and CONNECTION_ADMIN, unless super_read_only is ON (then
 * none); MariaDB READ_ONLY ADMIN, which SUPER includes from 10.5.2 to 10.10 only (MDEV-29596:
 * 10.11 took it out of SUPER), and SUPER alone before 10.5.2.
 */
import { parseServerVersion, versionAtLeast } from '../../engine/mysql-family/mysql-family-flavor.js';
import { finding, isOn, variable } from '../facts.js';
import type { Account, Finding, RiskRule, ServerFacts } from '../types.js';

const ID = 'writable-replica';

const WRITE = new Set(['INSERT', 'UPDATE', 'DELETE', 'CREATE', 'DROP', 'ALTER', 'INDEX', 'CREATE VIEW', 'CREATE ROUTINE', 'ALTER ROUTINE', 'TRIGGER', 'EVENT', 'DELETE HISTORY']);

/** The privileges that let an account write on this server despite read_only=ON. */
export function readOnlyBypass(f: Pick<ServerFacts, 'flavor' | 'version' | 'variables'>): ReadonlySet<string> {
  if (f.flavor !== 'mariadb') return isOn(variable(f, 'super_read_only')) ? new Set() : new Set(['SUPER', 'CONNECTION_ADMIN']);
  const v = parseServerVersion(f.version);
  if (versionAtLeast(v, 10, 11, 0)) return new Set(['READ_ONLY ADMIN']);
  if (versionAtLeast(v, 10, 5, 2)) return new Set(['SUPER', 'READ_ONLY ADMIN']);
  return new Set(['SUPER']);
}

function describe(a: Account, keep: (p: string) => boolean): string {
  const byScope = new Map<string, string[]>();
  for (const p of a.privileges) if (keep(p.privilege)) byScope.set(p.scope, [...(byScope.get(p.scope) ?? []), p.privilege]);
  const parts = [...byScope].map(([scope, privs]) => `${privs.join(', ')} ON ${scope}`);
  return parts.length > 4 ? `${parts.slice(0, 4).join('; ')}; and ${parts.length - 4} more` : parts.join('; ');
}

export const writableReplica: RiskRule = {
  id: ID,
  description: 'a replica with read_only/super_read_only off, or non-admin accounts that can write on it',
  engines: ['mysql-family'],
  run(ctx) {
    const out: Finding[] = [];
    for (const r of ctx.replicas) {
      if (r.family !== 'mysql-family') continue;
      const readOnly = isOn(variable(r, 'read_only'));
      const superRo = variable(r, 'super_read_only');
      if (!readOnly) {
        out.push(finding({
          rule: ID,
          severity: 'error',
          server: r.label,
          object: 'read_only',
          evidence: `read_only=${variable(r, 'read_only') ?? '?'} on a replica: any account with write privileges changes it behind replication's back`,
          remedy: `SET GLOBAL read_only=ON${superRo !== undefined ? ', super_read_only=ON' : ''} on ${r.label}, and in its configuration`,
        }));
      } else if (superRo !== undefined && !isOn(superRo)) {
        out.push(finding({
          rule: ID,
          severity: 'info',
          server: r.label,
          object: 'super_read_only',
          evidence: 'super_read_only=OFF: accounts with SUPER or CONNECTION_ADMIN still write despite read_only=ON',
          remedy: `SET GLOBAL super_read_only=ON on ${r.label}`,
        }));
      }
      const BYPASS = readOnlyBypass(r);
      for (const a of r.accounts ?? []) {
        if (a.admin) continue;
        const writes = a.privileges.some((p) => WRITE.has(p.privilege) || p.privilege === 'ALL PRIVILEGES');
        const bypass = a.privileges.some((p) => BYPASS.has(p.privilege) && p.scope === '*.*');
        if (!writes) continue;
        if (!readOnly || bypass) {
          out.push(finding({
            rule: ID,
            severity: 'warning',
            server: r.label,
            object: `account ${a.name}`,
            evidence: readOnly
              ? `${a.name} holds ${describe(a, (p) => BYPASS.has(p))}, which bypasses read_only, and ${describe(a, (p) => WRITE.has(p) || p === 'ALL PRIVILEGES')}`
              : `${a.name} can write while read_only is off: ${describe(a, (p) => WRITE.has(p) || p === 'ALL PRIVILEGES')}`,
            remedy: readOnly ? `REVOKE ${[...BYPASS].join(', ')} ON *.* FROM ${a.name} on ${r.label}${r.flavor === 'mariadb' ? '' : ', or SET GLOBAL super_read_only=ON'}` : `turn read_only on, or revoke write privileges from ${a.name} on ${r.label}`,
          }));
        }
      }
    }
    return out;
  },
};

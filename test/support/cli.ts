/** Running the built CLI from integration tests, the way a user runs it. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/syncpoint', import.meta.url));

/** Run `bin/syncpoint args...` to completion with extra environment variables. */
export function cli(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The DSN without its password, and the password, for runs that take it from the environment. */
export function splitPassword(dsn: string): { dsn: string; pw: string } {
  const u = new URL(dsn);
  const pw = decodeURIComponent(u.password);
  u.password = '';
  return { dsn: u.toString(), pw };
}

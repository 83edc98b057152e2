/**
 * One private state dir for the whole test run: history journals, run locks and hold markers
 * written by the CLI under test go there, never to the developer's ~/.local/state/syncpoint.
 * Tests that need their own state dir still pass SYNCPOINT_STATE_DIR explicitly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'syncpoint-test-state-'));
  process.env['SYNCPOINT_STATE_DIR'] = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}

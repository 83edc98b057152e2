/** Where local state lives: $SYNCPOINT_STATE_DIR, else $XDG_STATE_HOME/syncpoint, else ~/.local/state/syncpoint. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['SYNCPOINT_STATE_DIR']) return env['SYNCPOINT_STATE_DIR'];
  if (env['XDG_STATE_HOME']) return join(env['XDG_STATE_HOME'], 'syncpoint');
  return join(homedir(), '.local', 'state', 'syncpoint');
}

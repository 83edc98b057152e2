/** The store a command uses: --history DSN when given, else the local file store under the state dir. */
import { join } from 'node:path';
import { FileHistoryStore } from './file-store.js';
import { SqlHistoryStore } from './sql-store.js';
import { stateDir } from './state-dir.js';
import type { HistoryStore } from './store.js';

export async function openHistoryStore(dsn?: string, env: NodeJS.ProcessEnv = process.env): Promise<HistoryStore> {
  if (dsn) return SqlHistoryStore.open(dsn);
  return new FileHistoryStore(join(stateDir(env), 'history'));
}

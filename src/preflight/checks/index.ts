/** Every preflight check, in the order they run (a later check may read an earlier one's result). */
import { binaryLogging } from './binary-logging.js';
import { caughtUp } from './caught-up.js';
import { dataConsistent } from './data-consistent.js';
import { errantGtids } from './errant-gtids.js';
import { openTempTables } from './open-temp-tables.js';
import { readOnly } from './read-only.js';
import { replayNotPaused } from './replay-not-paused.js';
import { replicasCanFollow } from './replicas-can-follow.js';
import { replicationRunning } from './replication-running.js';
import { replicationSlots } from './replication-slots.js';
import { risksCheck } from './risks.js';
import { schemaEqual } from './schema-equal.js';
import { sequences } from './sequences.js';
import { timeline } from './timeline.js';
import { walSettings } from './wal-settings.js';
import type { PreflightCheck } from '../types.js';

export const CHECKS: readonly PreflightCheck[] = Object.freeze([
  replicationRunning,
  replayNotPaused,
  caughtUp,
  errantGtids,
  timeline,
  binaryLogging,
  walSettings,
  readOnly,
  openTempTables,
  replicasCanFollow,
  replicationSlots,
  sequences,
  schemaEqual,
  risksCheck,
  dataConsistent,
]);

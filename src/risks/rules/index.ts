/** Every rule, in report order. A rule is one file; adding one is a file and a line here. */
import type { RiskRule } from '../types.js';
import { binlogFormat } from './binlog-format.js';
import { engineMismatch } from './engine-mismatch.js';
import { mixedEngineTransaction } from './mixed-engine-transaction.js';
import { noPrimaryKey } from './no-primary-key.js';
import { nonTransactionalTable } from './non-transactional-table.js';
import { publicationGap } from './publication-gap.js';
import { replicationFilter } from './replication-filter.js';
import { replicationHealth } from './replication-health.js';
import { schemaDrift } from './schema-drift.js';
import { standbyPaused } from './standby-paused.js';
import { subscriptionConflict } from './subscription-conflict.js';
import { subscriptionDisabled } from './subscription-disabled.js';
import { tempTablesInStream } from './temp-tables-in-stream.js';
import { tempTablesOpen } from './temp-tables-open.js';
import { trxPreciseVersioning } from './trx-precise-versioning.js';
import { unloggedTable } from './unlogged-table.js';
import { unparsedStatement } from './unparsed-statement.js';
import { unsafeDurability } from './unsafe-durability.js';
import { unsafeStatement } from './unsafe-statement.js';
import { writableReplica } from './writable-replica.js';
import { writableSubscriber } from './writable-subscriber.js';

export const RULES: readonly RiskRule[] = Object.freeze([
  replicationHealth,
  writableReplica,
  writableSubscriber,
  tempTablesOpen,
  tempTablesInStream,
  nonTransactionalTable,
  mixedEngineTransaction,
  engineMismatch,
  unsafeStatement,
  unparsedStatement,
  binlogFormat,
  replicationFilter,
  unsafeDurability,
  noPrimaryKey,
  trxPreciseVersioning,
  schemaDrift,
  unloggedTable,
  publicationGap,
  subscriptionDisabled,
  subscriptionConflict,
  standbyPaused,
]);

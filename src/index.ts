/** syncpoint as a library: an explicit export list. */
export { check, counts, type CheckApiOptions, type CheckResult } from './api/check.js';
export { parseDsn, type ConnectionSpec } from './config/dsn.js';
export { SyncpointError, type ErrorKind } from './errors.js';
export { connectEngine } from './engine/detect.js';
export type { Engine, Session } from './engine/engine.js';
export type { Capabilities, SyncMethod } from './engine/capabilities.js';
export { comparePositions, formatPosition, parseMariadbGtid, parseMysqlGtidSet, parsePgLsn, parseBinlogFilePos, type Position } from './engine/position.js';
export type { TableInfo, ColumnInfo, ServerRef } from './engine/types.js';
export type { TableResult, Verdict } from './pipeline/report/check-result.js';
export { risks, type RisksApiOptions, type RisksResult } from './api/risks.js';
export { clone, type CloneApiOptions, type CloneResult } from './api/clone.js';

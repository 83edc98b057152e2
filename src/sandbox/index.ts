/** The sandbox: local primary + replicas from installed server binaries, sample data, write load, drift. */
export { sandboxUp, sandboxDown, sandboxStatus } from './sandbox.js';
export type {
  SandboxInfo,
  SandboxNode,
  SandboxEngine,
  SandboxRole,
  BinlogFormat,
  SandboxUpOptions,
  SandboxDownOptions,
  SandboxDownResult,
  SandboxStatusOptions,
} from './types.js';
export { installedEngines, defaultEngine } from './binaries.js';
export { DEFAULT_SANDBOX_DIR } from './state.js';
export { waitForReplicas, primaryOf, nodeOf } from './catch-up.js';
export { loadSampleData, sampleSizes, type SampleDataOptions, type SampleDataResult } from './sample-data.js';
export { sampleSchemaSql, dropSampleSchemaSql, SAMPLE_SCHEMA, SAMPLE_TABLES, SAMPLE_COLUMNS, type SampleTable } from './sample-schema.js';
export { execOnNode, injectDrift, DRIFT_KINDS, type DriftKind, type InjectedDrift, type ExecOnNodeOptions } from './drift.js';
export { startWriteLoad, type WriteLoad, type WriteLoadOptions, type WriteLoadResult } from './write-load.js';
export { connectDsn, type NodeClient, type ExecResult } from './node-client.js';
export { syncSandboxPids } from './pids.js';
export { addReplica, sandboxStartCommand, type AddReplicaOptions, type AddReplicaResult } from './add-replica.js';

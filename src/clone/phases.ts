/**
 * The steps of a clone, named once (Vitess VDiff style): the output, the manifest and the tests
 * all use these names. `step` is the number in the list; two-phase's first copy pass is
 * step 3 run early, and copying from a snapshot after the source is back is step 3 run late.
 */
export const STEP = {
  preconditions: { step: 1, name: 'preconditions', title: 'preconditions' },
  copyLive: { step: 3, name: 'copy-live', title: 'copy (first pass, source running)' },
  quiesce: { step: 2, name: 'quiesce', title: 'quiesce and stop the source' },
  copy: { step: 3, name: 'copy', title: 'copy the data directory' },
  restartSource: { step: 4, name: 'restart-source', title: 'restart the source, resume its replication' },
  copySnapshot: { step: 3, name: 'copy-snapshot', title: 'copy from the snapshot (source running)' },
  prepareTarget: { step: 5, name: 'prepare-target', title: 'prepare the target' },
  startTarget: { step: 6, name: 'start-target', title: 'start the target, replicate, catch up' },
  verify: { step: 7, name: 'verify', title: 'verify with check' },
  manifest: { step: 8, name: 'manifest', title: 'write the manifest' },
} as const;

export type StepDef = (typeof STEP)[keyof typeof STEP];
export type StepName = StepDef['name'];

/** File names the clone keeps in the target data directory (excluded from every copy pass). */
export const INCOMPLETE_MARKER = 'syncpoint-clone.incomplete';
export const DEFAULT_MANIFEST_NAME = 'syncpoint-clone.json';

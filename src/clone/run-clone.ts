/**
 * syncpoint clone, as a numbered list (DOMAIN.md §5):
 *   1. preconditions   source is a healthy replica, no errant transactions, versions compatible,
 *                      target empty, disk space, commands given (read-only; a dry run stops here)
 *  (3. copy-live)      two-phase only: rsync while the source still runs
 *   2. quiesce         stop applying where a copy can restart (no temp tables open / replay
 *                      paused), stop replication, record the executed position, clean shutdown
 *   3. copy            the data directory (and mapped outside directories) by the chosen method
 *   4. restart-source  in a `finally`: whatever failed, the source comes back and replicates;
 *                      a detached guardian does the same if this process is killed
 *  (3. copy-snapshot)  command + --copy-from: copy the snapshot, the source already running
 *   5. prepare-target  drop the source's replication identity from the copy, give it its own
 *   6. start-target    start it, point it at the recorded position, replicate, catch up
 *   7. verify          check primary vs the new replica; the clone is done only when consistent
 *   8. manifest        JSON record of all of it; the target's "incomplete" marker is removed
 * Every step is timed and named in the output. A failure after step 1 is a result (verdict
 * incomplete/drift, manifest written, target marked incomplete), not a throw.
 */
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { redactDsns } from '../config/dsn.js';
import { messageOf, SyncpointError } from '../errors.js';
import type { CloneContext as Ctx } from './context.js';
import { CloneContext } from './context.js';
import { Guardian } from './guardian.js';
import { writeMarker } from './marker.js';
import { buildManifest, formatRecorded } from './manifest-build.js';
import { STEP, type StepDef, type StepName } from './phases.js';
import { buildPlan } from './plan.js';
import { logLine } from './shell.js';
import { copyLive, copySnapshot, copyStopped, releaseSnapshot } from './steps/copy.js';
import { finishManifest, manifestPath, writeManifest } from './steps/manifest.js';
import { preconditions } from './steps/preconditions.js';
import { prepareTarget } from './steps/prepare-target.js';
import { quiesce } from './steps/quiesce.js';
import { restartSource } from './steps/restart-source.js';
import { startTarget } from './steps/start-target.js';
import { verify, VerificationFailed } from './steps/verify.js';
import type { CloneOptions, CloneResult, CloneVerdict } from './types.js';
import { serversOn } from './server-process.js';

export function defaultLogFile(targetDatadir: string): string {
  return join(dirname(targetDatadir), `${basename(targetDatadir)}.clone.log`);
}

/** Runs one step: timed, recorded, announced (onStep), its failure recorded and rethrown. */
async function runStep(ctx: Ctx, def: StepDef, fn: () => Promise<string>): Promise<void> {
  const startedAt = new Date();
  const rec = { step: def.step, name: def.name, status: 'done' as 'done' | 'failed' | 'skipped', startedAt: startedAt.toISOString(), durationMs: 0 } as Ctx['steps'][number];
  ctx.currentStep = def.name;
  logLine(ctx.commandLog, `step ${def.step} ${def.name}: start`);
  try {
    await ctx.opts.onStep?.({ step: def.step, name: def.name, title: def.title, phase: 'start' });
    const detail = await fn();
    rec.durationMs = Date.now() - startedAt.getTime();
    rec.detail = detail;
    await ctx.opts.onStep?.({ step: def.step, name: def.name, title: def.title, phase: 'end', durationMs: rec.durationMs, detail });
    ctx.steps.push(rec);
    ctx.log.info({ step: def.step, name: def.name, ms: rec.durationMs }, `step ${def.step} ${def.name}: ${detail}`);
    logLine(ctx.commandLog, `step ${def.step} ${def.name}: done in ${rec.durationMs} ms: ${detail}`);
  } catch (err) {
    rec.durationMs = Date.now() - startedAt.getTime();
    rec.status = 'failed';
    rec.error = messageOf(err);
    ctx.steps.push(rec);
    logLine(ctx.commandLog, `step ${def.step} ${def.name}: FAILED after ${rec.durationMs} ms: ${redactDsns(rec.error)}`);
    try {
      await ctx.opts.onStep?.({ step: def.step, name: def.name, title: def.title, phase: 'failed', durationMs: rec.durationMs, error: rec.error });
    } catch {
      /* a progress callback must not mask the failure */
    }
    throw err;
  }
}

function skipStep(ctx: Ctx, def: StepDef, detail: string): void {
  ctx.steps.push({ step: def.step, name: def.name, status: 'skipped', startedAt: new Date().toISOString(), durationMs: 0, detail });
  void Promise.resolve(ctx.opts.onStep?.({ step: def.step, name: def.name, title: def.title, phase: 'skipped', detail })).catch(() => undefined);
}

export async function runClone(opts: CloneOptions): Promise<CloneResult> {
  const ctx = new CloneContext(opts, opts.log, { file: opts.logFile ?? defaultLogFile(opts.targetDatadir) });
  try {
    if (!opts.dryRun) await mkdir(dirname(ctx.commandLog.file), { recursive: true });
    await runStep(ctx, STEP.preconditions, () => preconditions(ctx));
    if (opts.dryRun) {
      return {
        schemaVersion: 1,
        command: 'clone',
        dryRun: true,
        verdict: ctx.checks.every((c) => c.ok) ? 'go' : 'no-go',
        checks: ctx.checks,
        plan: buildPlan(ctx),
        manifest: null,
        manifestFile: null,
        logFile: null,
      };
    }
    for (const s of buildPlan(ctx)) logLine(ctx.commandLog, `plan ${s.step} ${s.name}: ${s.actions.join(' | ')}`);
    return await execute(ctx);
  } finally {
    await ctx.adapter?.close().catch(() => undefined);
  }
}

async function execute(ctx: Ctx): Promise<CloneResult> {
  const o = ctx.opts;
  const adapter = ctx.requireAdapter();
  if (o.guardian && o.sourceStart) {
    ctx.guardian = await Guardian.start({
      log: ctx.commandLog,
      source: o.source,
      startCommand: o.sourceStart,
      startCommandShown: redactDsns(o.sourceStart),
      env: Object.fromEntries(Object.entries(ctx.commandEnv()).filter(([k]) => k.startsWith('SYNCPOINT_')) as [string, string][]),
      startTimeoutMs: o.startTimeoutMs,
      stopTimeoutMs: o.stopTimeoutMs,
      restoreSql: adapter.restoreSql(),
    });
    if (!ctx.guardian) ctx.note('the guardian could not start: if this process is killed while the source is stopped, start the source by hand');
  }
  try {
    // Steps 2-3 stop the source; step 4 brings it back whatever happened in them.
    let copyError: unknown = null;
    try {
      if (o.copyMethod === 'two-phase') await runStep(ctx, STEP.copyLive, () => copyLive(ctx));
      await runStep(ctx, STEP.quiesce, () => quiesce(ctx));
      await runStep(ctx, STEP.copy, () => copyStopped(ctx));
    } catch (err) {
      copyError = err;
      throw err;
    } finally {
      if (ctx.sourceState !== 'running') {
        const failedStep = ctx.currentStep;
        try {
          await runStep(ctx, STEP.restartSource, () => restartSource(ctx));
        } catch (restartErr) {
          // Both matter; the source not running matters most, so it goes first.
          if (copyError) throw new SyncpointError('server', `${messageOf(restartErr)} (after ${failedStep} failed: ${messageOf(copyError)})`);
          throw restartErr;
        } finally {
          if (copyError) ctx.currentStep = failedStep;
        }
      } else if (copyError === null) {
        skipStep(ctx, STEP.restartSource, 'the source was not stopped');
      }
    }
    if (o.copyMethod === 'command' && o.copyFrom) await runStep(ctx, STEP.copySnapshot, () => copySnapshot(ctx));
    await runStep(ctx, STEP.prepareTarget, () => prepareTarget(ctx));
    await runStep(ctx, STEP.startTarget, () => startTarget(ctx));
    if (o.verify) await runStep(ctx, STEP.verify, () => verify(ctx));
    else skipStep(ctx, STEP.verify, '--no-verify');
    const verdict: CloneVerdict = o.verify ? 'consistent' : 'unverified';
    let file = manifestPath(ctx);
    await runStep(ctx, STEP.manifest, async () => {
      file = await finishManifest(ctx, buildManifest(ctx, verdict, true));
      return file;
    });
    const manifest = buildManifest(ctx, verdict, true);
    return { schemaVersion: 1, command: 'clone', dryRun: false, verdict, checks: ctx.checks, plan: [], manifest, manifestFile: file, logFile: ctx.commandLog.file };
  } catch (err) {
    return await failed(ctx, err);
  } finally {
    ctx.guardian?.finish();
  }
}

/** The failure path: the target stopped and marked incomplete, the manifest says what happened. */
async function failed(ctx: Ctx, err: unknown): Promise<CloneResult> {
  const o = ctx.opts;
  const adapter = ctx.requireAdapter();
  const error = messageOf(err);
  const step = ctx.currentStep ?? undefined;
  const verdict: CloneVerdict = err instanceof VerificationFailed ? err.verdict : 'incomplete';
  const cleanupNote = (what: string, e: unknown) => ctx.note(`${what} failed: ${messageOf(e)}`);
  await releaseSnapshot(ctx).catch((e: unknown) => cleanupNote('the copy cleanup command', e));
  if (err instanceof VerificationFailed) {
    // A replica that runs can be examined (syncpoint diff); it stays up, marked incomplete.
    ctx.note(`the new replica keeps running for inspection but is marked incomplete: ${error}`);
  } else {
    if (ctx.targetStarted) {
      await adapter.stopTarget(ctx).then(
        (stopped) => {
          const left = serversOn(o.targetDatadir);
          if (left.length > 0) {
            ctx.note(`the target server may still be running (pid ${left.join(', ')} names ${o.targetDatadir}): stop it before cloning again`);
            return;
          }
          ctx.targetStarted = false;
          if (stopped) ctx.note('the target was stopped');
        },
        (e: unknown) => cleanupNote('stopping the target', e),
      );
    }
    await adapter.cleanupFailedTarget(ctx).then((done) => done.forEach((d) => ctx.note(d)), (e: unknown) => cleanupNote('cleaning up on the primary', e));
  }
  let manifestFile: string | null = null;
  const manifest = buildManifest(ctx, verdict, false, { error, ...(step ? { step } : {}) });
  if (ctx.targetTouched) {
    await writeMarker(ctx, `failed${step ? ` at ${step}` : ''}`, error).catch((e: unknown) => cleanupNote('marking the target incomplete', e));
  }
  if (ctx.targetTouched || o.manifestFile) {
    manifestFile = await writeManifest(ctx, manifest).catch((e: unknown) => {
      cleanupNote('writing the manifest', e);
      return null;
    });
  }
  // The caller reports the error itself (the CLI prints one line); the log keeps the details.
  ctx.log.info({ step, position: formatRecorded(ctx.recorded) }, `clone failed: ${error}`);
  return { schemaVersion: 1, command: 'clone', dryRun: false, verdict, checks: ctx.checks, plan: [], manifest: buildManifest(ctx, verdict, false, { error, ...(step ? { step } : {}) }), manifestFile, logFile: ctx.commandLog.file, error };
}

export type { StepName };

// helix-init: the desktop container's boot step. Restores a golden data-root, configures and starts
// dockerd, registers the shared builder, exports the environment, installs the docker wrapper, runs
// the image's boot.d steps, then hands off to the image's next step (the arguments after `--`) and
// supervises it; in golden mode it runs the startup script instead and exits with its code.
// `helix-init doctor` checks a running desktop; `helix-init step` runs the boot as one step of an
// entrypoint the image already has (step-mode.ts), `helix-init stop` stops what that step started.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { loadConfig } from '../lib/config.js';
import { oneLine } from '../lib/errors.js';
import { createLogger } from '../lib/log.js';
import { DEFAULT_PATHS, type InitContext, type Step } from './context.js';
import { renderChecks, runChecks } from './doctor.js';
import { runGoldenMode } from './golden-mode.js';
import { loadInitSettings } from './settings.js';
import { runAsStep, stepExit, stopStep } from './step-mode.js';
import { STEPS } from './steps.js';
import { supervise } from './supervise.js';

/** `asStep`: golden mode inside an entrypoint's step, whose stdout the entrypoint reads. */
async function boot(argv: readonly string[], asStep = false): Promise<number> {
  const sep = argv.indexOf('--');
  const next = sep >= 0 ? argv.slice(sep + 1) : [];
  const cfg = loadConfig();
  const settings = loadInitSettings(process.env);
  await mkdir(cfg.stateDir, { recursive: true, mode: 0o1777 });
  const log = createLogger({ name: 'helix-init', file: `${cfg.stateDir}/log/init.log` });
  const ctx: InitContext = { cfg, settings, paths: DEFAULT_PATHS, log };
  const bootStart = Date.now();
  // Markers left by an earlier boot of this container would announce this one too early.
  const markers = [ctx.paths.readyMarker, ...(settings.readyFile ? [settings.readyFile] : [])];
  await Promise.all(markers.map((m) => rm(m, { force: true })));
  const runStep = async (step: Step): Promise<void> => {
    const t = Date.now();
    await step.run(ctx);
    log.debug({ step: step.name, ms: Date.now() - t }, `step ${step.name} done`);
  };
  for (const entry of STEPS) {
    const group = Array.isArray(entry) ? entry : [entry as Step];
    // Every step of a group ends before a failure is reported, so none is left running behind it.
    const failed = (await Promise.allSettled(group.map(runStep))).flatMap((r, i) => (r.status === 'rejected' ? [{ step: group[i] as Step, err: r.reason as unknown }] : []));
    if (failed.length) {
      for (const { step, err } of failed) log.error({ step: step.name, err }, `${step.name}: ${oneLine(err)}`);
      await ctx.dockerd?.stop();
      return 1;
    }
  }
  for (const m of markers) {
    await mkdir(dirname(m), { recursive: true });
    await writeFile(m, `${new Date().toISOString()}\n`);
  }
  log.info({ ms: Date.now() - bootStart }, 'boot complete');
  if (settings.goldenMode) return runGoldenMode(ctx, asStep ? 'to-stderr' : 'inherit');
  return supervise(ctx, next);
}

async function doctor(): Promise<number> {
  const checks = await runChecks(loadConfig(), DEFAULT_PATHS);
  process.stdout.write(`${renderChecks(checks)}\n`);
  return checks.every((c) => c.ok) ? 0 : 1;
}

/**
 * As a step. In golden mode the whole golden build runs here, in the foreground, and the step then
 * tells the entrypoint to end the container with the script's code (`exit N`, which the sourcing
 * shell evals), so the desktop is never started: Helix's golden builds skip the IDE.
 */
async function stepCommand(): Promise<number> {
  const settings = loadInitSettings(process.env);
  if (!settings.goldenMode) return runAsStep({ cfg: loadConfig(), settings, paths: DEFAULT_PATHS }, process.argv[1] as string);
  process.stdout.write(`${stepExit(await boot([], true))}\n`);
  return 0;
}

const argv = process.argv.slice(2);
const commands: Record<string, () => Promise<number>> = { doctor, step: stepCommand, stop: () => stopStep() };
(commands[argv[0] ?? '']?.() ?? boot(argv)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`helix-init: ${oneLine(err)}\n`);
    process.exit(1);
  },
);

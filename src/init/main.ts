// helix-init: the desktop container's boot step. Configures and starts dockerd, registers the shared
// builder, exports the environment, installs the docker wrapper, then hands off to the image's next
// step (the arguments after `--`) and supervises it.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { loadConfig } from '../lib/config.js';
import { oneLine } from '../lib/errors.js';
import { createLogger } from '../lib/log.js';
import { DEFAULT_PATHS, type InitContext } from './context.js';
import { STEPS } from './steps.js';
import { stopProcess, supervise } from './supervise.js';

async function main(argv: readonly string[]): Promise<number> {
  const sep = argv.indexOf('--');
  const next = sep >= 0 ? argv.slice(sep + 1) : [];
  const cfg = loadConfig();
  const log = createLogger({ name: 'helix-init', file: `${cfg.stateDir}/log/init.log` });
  const ctx: InitContext = { cfg, paths: DEFAULT_PATHS, log, dockerdTimeoutS: Number(process.env.HELIX_DOCKERD_TIMEOUT ?? 60) };
  const bootStart = Date.now();
  for (const step of STEPS) {
    const t = Date.now();
    try {
      await step.run(ctx);
      log.debug({ step: step.name, ms: Date.now() - t }, `step ${step.name} done`);
    } catch (err) {
      log.error({ step: step.name, err }, `${step.name}: ${oneLine(err)}`);
      await stopProcess(ctx.dockerd);
      return 1;
    }
  }
  await mkdir(dirname(ctx.paths.readyMarker), { recursive: true });
  await writeFile(ctx.paths.readyMarker, `${new Date().toISOString()}\n`);
  log.info({ ms: Date.now() - bootStart }, 'boot complete');
  return supervise(ctx, next);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`helix-init: ${oneLine(err)}\n`);
    process.exit(1);
  },
);

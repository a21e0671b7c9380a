// The image author's extension point: executables in /etc/helix/boot.d, run in name order once dockerd,
// the builder and the environment are ready. A failing step stops the boot, naming the step.
import { access, constants, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { HelixError } from '../../lib/errors.js';
import { run } from '../../lib/exec.js';
import type { Step } from '../context.js';

export const bootD: Step = {
  name: 'boot.d',
  async run({ settings, log }) {
    const names = (await readdir(settings.bootDir).catch(() => [] as string[])).sort();
    for (const name of names) {
      const path = join(settings.bootDir, name);
      if (!(await access(path, constants.X_OK).then(() => true, () => false))) continue;
      const started = Date.now();
      // Its stdout to stderr: in step mode init's stdout is what the entrypoint evals.
      const r = await run(path, [], { inherit: 'to-stderr' });
      if (r.exitCode !== 0) throw new HelixError('COMMAND_FAILED', `boot step ${path} exited ${r.exitCode}`);
      log.info({ ms: Date.now() - started }, `boot step ${name} done`);
    }
  },
};

// Installs the docker wrapper ahead of the real docker on PATH, pointing it at the real one.
import { readFile } from 'node:fs/promises';
import { readIfExists, writeFileAtomic } from '../../lib/atomic-write.js';
import { HelixError } from '../../lib/errors.js';
import type { Step } from '../context.js';

export const installWrapper: Step = {
  name: 'wrapper',
  async run({ cfg, paths, log }) {
    if (paths.wrapperPath === cfg.realDocker) {
      throw new HelixError('BAD_CONFIG', `the wrapper would replace the real docker at ${cfg.realDocker}`, 'set HELIX_REAL_DOCKER to the real CLI');
    }
    const template = await readFile(paths.wrapperTemplate, 'utf8');
    const script = template.replaceAll('@REAL_DOCKER@', cfg.realDocker).replaceAll('@BUILDX_TEMPLATE@', cfg.buildxTemplate);
    if ((await readIfExists(paths.wrapperPath)) !== script) await writeFileAtomic(paths.wrapperPath, script, 0o755);
    log.info(`docker wrapper installed at ${paths.wrapperPath} (real docker: ${cfg.realDocker})`);
  },
};

// Makes BUILDX_BUILDER, BUILDKIT_HOST and HELIX_REGISTRY visible to every shell: /etc/environment
// (pam_env: login sessions and many init systems) merged in place, plus a profile script of our own.
import { readIfExists, writeFileAtomic } from '../../lib/atomic-write.js';
import { mergeEnvironmentFile, renderProfileScript } from '../../lib/env-file.js';
import type { Step } from '../context.js';

export const envExports: Step = {
  name: 'env',
  async run({ cfg, paths, log }) {
    const vars = {
      BUILDX_BUILDER: cfg.builderName,
      BUILDKIT_HOST: cfg.buildkitHost,
      HELIX_REGISTRY: cfg.registry,
    };
    const before = (await readIfExists(paths.environmentFile)) ?? '';
    const after = mergeEnvironmentFile(before, vars, paths.environmentFile);
    if (after !== before) await writeFileAtomic(paths.environmentFile, after);
    const profile = renderProfileScript(vars, 'Written by helix-init on every boot; edit /etc/environment or the HELIX_* settings instead.');
    if ((await readIfExists(paths.profileScript)) !== profile) await writeFileAtomic(paths.profileScript, profile);
    log.info(`exported ${Object.keys(vars).join(', ')}`);
  },
};

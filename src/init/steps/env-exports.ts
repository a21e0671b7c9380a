// Makes the builder settings visible to every shell and service, for root and the desktop user alike:
// /etc/environment (pam_env) merged in place; a profile script of our own for login shells; a marked
// block in bash.bashrc for non-login shells; environment.d and systemd's DefaultEnvironment for
// init-system children.
import { readIfExists, writeFileAtomic } from '../../lib/atomic-write.js';
import {
  mergeEnvironmentFile,
  renderEnvironmentD,
  renderProfileScript,
  renderSystemdDefaultEnvironment,
  withManagedBlock,
} from '../../lib/env-file.js';
import type { ToolkitConfig } from '../../lib/config.js';
import { ENV } from '../../lib/session-contract.js';
import type { Step } from '../context.js';
import type { InitSettings } from '../settings.js';

const HEADER = 'Written by helix-init on every boot; change the HELIX_* settings instead.';

/**
 * What every shell needs for its builds to go where the container's own environment sends them: a
 * login shell (`su - retro`) starts from these files, not from the container's environment. Pure.
 */
export function exportedVars(cfg: ToolkitConfig, settings: InitSettings): Record<string, string> {
  return {
    [ENV.buildxBuilder]: cfg.builderName,
    [ENV.builderName]: cfg.builderName,
    [ENV.buildkitHost]: cfg.buildkitHost,
    [ENV.registry]: cfg.registry,
    ...(cfg.facade ? { [ENV.facade]: cfg.facade } : {}),
    [ENV.eventsFile]: cfg.eventsFile,
    ...(settings.project ? { [ENV.project]: settings.project } : {}),
  };
}

/** Writes a file only when its content changes, so a restart touches nothing. */
async function put(path: string, next: (before: string | undefined) => string): Promise<boolean> {
  const before = await readIfExists(path);
  const after = next(before);
  if (after === before) return false;
  await writeFileAtomic(path, after);
  return true;
}

export const envExports: Step = {
  name: 'env',
  async run({ cfg, settings, paths, log }) {
    const vars = exportedVars(cfg, settings);
    const changed = [
      await put(paths.environmentFile, (b) => mergeEnvironmentFile(b ?? '', vars, paths.environmentFile)),
      await put(paths.profileScript, () => renderProfileScript(vars, HEADER)),
      await put(paths.bashrc, (b) => withManagedBlock(b ?? '', `[ -r ${paths.profileScript} ] && . ${paths.profileScript}`)),
      await put(paths.environmentD, () => renderEnvironmentD(vars, HEADER)),
      await put(paths.systemdConf, () => renderSystemdDefaultEnvironment(vars, HEADER)),
    ].filter(Boolean).length;
    log.info(`exported ${Object.keys(vars).join(', ')}${changed ? '' : ' (already in place)'}`);
  },
};

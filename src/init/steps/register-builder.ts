// Registers the shared BuildKit as a buildx `remote` builder under a stable DNS name, replacing an
// existing one whose endpoint changed, and checks it answers.
import { run } from '../../lib/exec.js';
import type { Step } from '../context.js';

/** The endpoint buildx has for a builder, read from `docker buildx inspect`. */
export function endpointOf(inspectOutput: string): string | undefined {
  return /^\s*Endpoint:\s*(\S+)/m.exec(inspectOutput)?.[1];
}

export const registerBuilder: Step = {
  name: 'builder',
  async run({ cfg, log }) {
    const docker = cfg.realDocker;
    const name = cfg.builderName;
    const existing = await run(docker, ['buildx', 'inspect', name]);
    const endpoint = existing.exitCode === 0 ? endpointOf(existing.stdout) : undefined;
    if (endpoint !== cfg.buildkitHost) {
      if (existing.exitCode === 0) await run(docker, ['buildx', 'rm', name]);
      const created = await run(docker, ['buildx', 'create', '--name', name, '--driver', 'remote', cfg.buildkitHost]);
      if (created.exitCode !== 0) {
        log.warn(`cannot register builder ${name} at ${cfg.buildkitHost}: ${created.stderr.trim().split('\n').pop()}; builds stay local`);
        return;
      }
      log.info(`builder ${name} registered at ${cfg.buildkitHost}`);
    }
    // A real call to BuildKit, bounded: an unreachable shared BuildKit must not stop the desktop booting.
    const check = await run(docker, ['buildx', 'inspect', '--bootstrap', name], { timeoutMs: 20_000 }).catch(() => undefined);
    if (check?.exitCode !== 0) {
      log.warn(`shared BuildKit at ${cfg.buildkitHost} does not answer; builds fall back to the local builder`);
      return;
    }
    log.info(`shared BuildKit at ${cfg.buildkitHost} answers`);
  },
};

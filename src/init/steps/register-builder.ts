// Registers the shared BuildKit as a buildx `remote` builder under a stable DNS name, replacing an
// existing one whose endpoint changed, and checks it answers.
import { chmod, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../lib/exec.js';
import type { Step } from '../context.js';

/**
 * buildx replaces its activity and ref files by rename on every build, so every user of the desktop
 * must be able to write here; no sticky bit, or one user could not replace another's file.
 */
async function shareDir(dir: string): Promise<void> {
  await chmod(dir, 0o777);
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await shareDir(p);
    else if (e.isFile()) await chmod(p, 0o666);
  }
}

/** The endpoint buildx has for a builder, read from `docker buildx inspect`. */
export function endpointOf(inspectOutput: string): string | undefined {
  return /^\s*Endpoint:\s*(\S+)/m.exec(inspectOutput)?.[1];
}

export const registerBuilder: Step = {
  name: 'builder',
  async run({ cfg, log }) {
    const docker = cfg.realDocker;
    const name = cfg.builderName;
    const env = { BUILDX_CONFIG: cfg.buildxConfig };
    await mkdir(cfg.buildxConfig, { recursive: true });
    const existing = await run(docker, ['buildx', 'inspect', name], { env });
    const endpoint = existing.exitCode === 0 ? endpointOf(existing.stdout) : undefined;
    if (endpoint !== cfg.buildkitHost) {
      if (existing.exitCode === 0) await run(docker, ['buildx', 'rm', name], { env });
      const created = await run(docker, ['buildx', 'create', '--name', name, '--driver', 'remote', cfg.buildkitHost], { env });
      if (created.exitCode !== 0) {
        log.warn(`cannot register builder ${name} at ${cfg.buildkitHost}: ${created.stderr.trim().split('\n').pop()}; builds stay local`);
        return;
      }
      log.info(`builder ${name} registered at ${cfg.buildkitHost}${endpoint ? ` (was ${endpoint})` : ''}`);
    }
    await shareDir(cfg.buildxConfig);
    // A real call to BuildKit, bounded: an unreachable shared BuildKit must not stop the desktop booting.
    const check = await run(docker, ['buildx', 'inspect', '--bootstrap', name], { env, timeoutMs: 20_000 }).catch(() => undefined);
    if (check?.exitCode !== 0) {
      log.warn(`shared BuildKit at ${cfg.buildkitHost} does not answer; builds fall back to the local builder`);
      return;
    }
    log.info(`shared BuildKit at ${cfg.buildkitHost} answers`);
  },
};

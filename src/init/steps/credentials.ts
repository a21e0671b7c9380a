// The container's credentials for the shared services arrive read-only and root's only; the desktop
// user's builds need them too. init copies them where the docker group (whose members run builds, and
// may already drive dockerd as root) can read them, and nothing else: containers dockerd runs see none.
import { chmod, chown, copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readIfExists } from '../../lib/atomic-write.js';
import { CREDENTIAL_FILES } from '../../lib/session-contract.js';
import type { Step } from '../context.js';

/** The gid of a group in /etc/group text, or undefined. Pure. */
export function gidOf(groupFile: string, group: string): number | undefined {
  const line = groupFile.split('\n').find((l) => l.startsWith(`${group}:`));
  const gid = line ? Number(line.split(':')[2]) : NaN;
  return Number.isInteger(gid) ? gid : undefined;
}

export const credentials: Step = {
  name: 'credentials',
  async run({ cfg, paths, log }) {
    const present = await readdir(paths.credentialsMount).catch(() => undefined);
    await rm(cfg.credentialsDir, { recursive: true, force: true });
    if (!present) {
      log.info(`no credentials at ${paths.credentialsMount}: the shared services are used without them`);
      return;
    }
    const gid = gidOf((await readIfExists(paths.groupFile)) ?? '', 'docker');
    await mkdir(cfg.credentialsDir, { recursive: true, mode: 0o700 });
    const copied: string[] = [];
    for (const f of Object.values(CREDENTIAL_FILES)) {
      if (!present.includes(f)) continue;
      const to = join(cfg.credentialsDir, f);
      await copyFile(join(paths.credentialsMount, f), to);
      await chmod(to, gid === undefined ? 0o600 : 0o640);
      if (gid !== undefined) await chown(to, 0, gid);
      copied.push(f);
    }
    if (gid !== undefined) {
      await chown(cfg.credentialsDir, 0, gid);
      await chmod(cfg.credentialsDir, 0o750);
    }
    log.info(`credentials: ${copied.join(', ') || 'none'}${gid === undefined ? ' (no docker group: root only)' : ''}`);
  },
};

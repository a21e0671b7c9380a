// The last `docker compose config` output for a working directory and command line, beside the event
// log. Compose takes about 0.4 s to read a project; the builds start on this copy meanwhile, and are
// used only if compose then reads the same project (see compose-build).
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { readIfExists, writeFileAtomic } from '../../lib/atomic-write.js';
import type { ToolkitConfig } from '../../lib/config.js';
import { wrapperCachePath } from '../../lib/session-contract.js';

/** One file per key: compose commands in other directories never write the same file. */
export function projectCacheFile(cfg: ToolkitConfig, key: string): string {
  return join(wrapperCachePath(cfg.eventsFile, 'composeConfig'), `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`);
}

/** Best effort, as the cache only ever saves time. */
export async function readCachedProject(file: string): Promise<string | undefined> {
  return readIfExists(file).catch(() => undefined);
}

export async function cacheProject(file: string, text: string): Promise<void> {
  try {
    await writeFileAtomic(file, text, 0o666);
  } catch {
    // as above
  }
}

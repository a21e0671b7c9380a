// Writes the shared registry into daemon.json as insecure (it speaks plain http on the sandbox network).
import { readIfExists, writeFileAtomic } from '../../lib/atomic-write.js';
import type { Step } from '../context.js';
import { mergeDaemonJson } from '../daemon-json.js';

export const daemonConfig: Step = {
  name: 'daemon.json',
  async run({ cfg, paths, log }) {
    const existing = await readIfExists(paths.daemonJson);
    const next = mergeDaemonJson(existing, { insecureRegistries: [cfg.registry] }, paths.daemonJson);
    if (next === undefined) {
      log.debug({ path: paths.daemonJson }, 'daemon.json already up to date');
      return;
    }
    await writeFileAtomic(paths.daemonJson, next);
    log.info({ path: paths.daemonJson, registry: cfg.registry }, `${paths.daemonJson}: ${cfg.registry} trusted as an insecure registry`);
  },
};

// Writes the shared registry and the registry facade into daemon.json as insecure (they speak plain
// http on the sandbox network).
import { readIfExists, writeFileAtomic } from '../../lib/atomic-write.js';
import { HelixError } from '../../lib/errors.js';
import type { Step } from '../context.js';
import { mergeDaemonJson } from '../daemon-json.js';

export const daemonConfig: Step = {
  name: 'daemon.json',
  async run({ cfg, settings, paths, log }) {
    const existing = await readIfExists(paths.daemonJson);
    const extra = { ...(settings.dataRoot ? { 'data-root': settings.dataRoot } : {}), ...extraSettings(settings.daemonJson) };
    const next = mergeDaemonJson(existing, { insecureRegistries: [cfg.registry, ...(cfg.facade ? [cfg.facade] : [])], extra, pinOverlay2: true }, paths.daemonJson);
    if (next === undefined) {
      log.debug({ path: paths.daemonJson }, 'daemon.json already up to date');
      return;
    }
    await writeFileAtomic(paths.daemonJson, next);
    log.info({ path: paths.daemonJson, registry: cfg.registry }, `${paths.daemonJson}: ${cfg.registry} trusted as an insecure registry`);
  },
};

function extraSettings(raw: string | undefined): Record<string, unknown> | undefined {
  if (!raw) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new HelixError('BAD_CONFIG', 'HELIX_DAEMON_JSON is not valid JSON', 'give a JSON object of daemon.json keys');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new HelixError('BAD_CONFIG', 'HELIX_DAEMON_JSON must be a JSON object');
  return v as Record<string, unknown>;
}

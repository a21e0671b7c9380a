// Before a build: do the shared BuildKit, registry and facade answer this container? A build goes the
// way it goes when they are unreachable (the local builder, a tarball) rather than failing.
import { DEFAULTS, type ToolkitConfig } from '../../lib/config.js';
import { buildkitAccess, canConnect } from '../../lib/reach.js';

export interface SharedServices {
  buildkitUp: boolean;
  registryUp: boolean;
  /** The registry facade is configured and answers. */
  facadeUp: boolean;
  /** Why BuildKit is not used, for the warning: "shared BuildKit at X is unreachable", or what is wrong with the credentials and what to do. */
  buildkitWarning?: string;
}

/** Whether the shared BuildKit and the shared registry answer, asked at once. */
export async function probeSharedServices(cfg: ToolkitConfig): Promise<SharedServices> {
  const [buildkit, registryUp, facadeUp] = await Promise.all([
    buildkitAccess(cfg, false),
    canConnect(cfg.registry, DEFAULTS.registryPort),
    cfg.facade ? canConnect(cfg.facade, DEFAULTS.facadePort) : false,
  ]);
  if (!buildkit.ok) {
    const why = buildkit.kind === 'unreachable' ? buildkit.problem : `${buildkit.problem}: ${buildkit.fix}`;
    return { buildkitUp: false, registryUp, facadeUp, buildkitWarning: `shared BuildKit at ${cfg.buildkitHost} ${why}` };
  }
  return { buildkitUp: true, registryUp, facadeUp };
}

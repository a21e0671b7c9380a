// What every compose build step shares: the command line being run and how one service's build is
// planned. Pure.
import type { ToolkitConfig } from '../lib/config.js';
import type { ChildResult } from './child.js';
import type { ComposeArgv } from './compose-argv.js';
import type { ServiceBuild } from './compose-plan.js';
import { decide, type Plan } from './plan.js';

export const SUCCESS: ChildResult = { code: 0, signal: null, stdout: '' };

export interface ComposeRun {
  globals: string[];
  compose: ComposeArgv;
  builder: string;
}

/** How the wrapper would run one service's build as a `docker buildx build` line. */
export function smartPlanOf(cfg: ToolkitConfig, r: ComposeRun, s: ServiceBuild, extra: string[] = []): Plan {
  // The builder is named on the line; the environment still carries HELIX_PROJECT.
  return decide([...r.globals, 'buildx', 'build', '--builder', r.builder, ...extra, ...s.args], process.env, cfg);
}

// What every compose build step shares: the command line being run and how one service's build is
// planned. Pure.
import type { ChildResult } from '../child.js';
import { withFlags, type Flag } from '../read/build-flags.js';
import type { ComposeArgv } from '../read/compose-argv.js';
import type { ServiceBuild } from './compose-plan.js';
import { planBuild, type DockerCall, type Plan } from './plan.js';

export const SUCCESS: ChildResult = { code: 0, signal: null, stdout: '' };

export interface ComposeRun {
  docker: DockerCall;
  compose: ComposeArgv;
  builder: string;
}

/** How the wrapper runs one service's build, as a `docker buildx build` on the compose line's builder. */
export function servicePlan(r: ComposeRun, s: ServiceBuild, extra: readonly Flag[] = []): Plan {
  // The environment still carries HELIX_PROJECT.
  return planBuild(withFlags(s.build, extra), r.docker, r.builder, process.env, false);
}

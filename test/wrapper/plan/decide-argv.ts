// The wrapper's plan for a command line as main.ts makes it: parsed once, then decided.
import type { ToolkitConfig } from '../../../src/lib/config.js';
import { parseDockerArgv } from '../../../src/wrapper/read/docker-argv.js';
import { decide as decideCall, type Plan } from '../../../src/wrapper/plan/plan.js';

export function decide(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, cfg: ToolkitConfig, facts?: Parameters<typeof decideCall>[3]): Plan {
  return decideCall(parseDockerArgv(argv), env, cfg, facts);
}

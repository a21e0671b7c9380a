// The one way init runs the docker CLI: the real CLI (never the wrapper it installs), with buildx's
// state in the builders' template, which every user's own buildx dir is given a copy of.
import type { ToolkitConfig } from '../lib/config.js';
import { ENV } from '../lib/session-contract.js';
import { run, type RunOptions, type RunResult } from '../lib/exec.js';

export function docker(cfg: ToolkitConfig, args: readonly string[], o: RunOptions = {}): Promise<RunResult> {
  return run(cfg.realDocker, args, { ...o, env: { [ENV.buildxConfig]: cfg.buildxTemplate, ...o.env } });
}

// Entry of the Node side of the docker wrapper. The sh shim sends only build command lines here;
// anything this code does not fully understand, and any internal error, goes to the real docker
// unchanged, so the wrapper can make a build faster but never break a command.
import { loadConfig, type ToolkitConfig } from '../lib/config.js';
import { oneLine } from '../lib/errors.js';
import { runBake } from './solve/bake-run.js';
import { runPlugin } from './read/cli-plugin.js';
import { exitLike, handOff, type ChildResult } from './child.js';
import { builderAlias, currentBuilder } from './read/cli-config.js';
import { runComposeBuilds } from './solve/compose-build.js';
import { decide, type Plan } from './plan/plan.js';
import { parseDockerArgv } from './read/docker-argv.js';
import { readCredential } from '../lib/registry-client.js';
import { ensureLogin } from './solve/registry-login.js';
import { probeSharedServices } from './solve/reach.js';
import { reportBuild } from './report/report.js';
import { runSmartBuild } from './solve/smart-build.js';

/** The CLI config directory a plan's docker and buildx calls read (`--config`), if named. */
function configDirOf(plan: Exclude<Plan, { kind: 'passthrough' }>): string | undefined {
  if (plan.kind === 'buildx' || plan.kind === 'local') return plan.configDir;
  return plan.kind === 'smart' ? plan.build.configDir : plan.docker.configDir;
}

/** Carries out the plan: how the wrapper should end, or undefined to hand the line to the real docker. */
async function act(plan: Plan, cfg: ToolkitConfig): Promise<ChildResult | undefined> {
  if (plan.kind === 'passthrough') return undefined;
  // buildx pushes and pulls as the CLI config's logins say: it needs the session's own.
  await ensureLogin(readCredential(cfg), cfg.registry, configDirOf(plan));
  switch (plan.kind) {
    case 'buildx': {
      const { buildkitUp, buildkitWarning } = await probeSharedServices(cfg);
      if (buildkitUp) return runPlugin('buildx', cfg.realDocker, plan.configDir, plan.argv);
      process.stderr.write(`helix: warning: ${buildkitWarning}; built with the local builder\n`);
      return runPlugin('buildx', cfg.realDocker, plan.configDir, plan.localArgv);
    }
    case 'local':
      process.stderr.write(`helix: ${plan.reason}; built with the local builder\n`);
      return runPlugin('buildx', cfg.realDocker, plan.configDir, plan.argv);
    case 'compose':
      return runComposeBuilds(cfg, plan);
    case 'bake':
      return runBake(cfg, plan);
    case 'smart': {
      const result = await runSmartBuild(plan.build, cfg);
      await reportBuild(cfg, plan.build, result);
      return result.build;
    }
  }
}

/**
 * After an internal error: one line, then the real docker in place of this process. A build the smart
 * path took runs again as buildx on the shared builder with --load, since the line unchanged (its
 * builder named by BUILDX_BUILDER) would leave the image in that builder's cache, not in the daemon.
 */
function recover(err: unknown, cfg: ToolkitConfig, argv: string[], plan: Plan | undefined): Promise<never> {
  const smart = plan?.kind === 'smart';
  process.stderr.write(`helix: ${oneLine(err)}; ${smart ? 'building again with buildx --load' : 'running docker unchanged'}\n`);
  return handOff(cfg.realDocker, smart ? plan.build.recoveryArgv : argv);
}

async function main(argv: string[]): Promise<never> {
  const cfg = loadConfig();
  let plan: Plan | undefined;
  // A failure nothing awaited is an internal error too, not a stack trace.
  process.once('unhandledRejection', (err) => void recover(err, cfg, argv, plan));
  let ended: ChildResult | undefined;
  try {
    const call = parseDockerArgv(argv);
    plan = decide(call, process.env, cfg, { currentBuilder: currentBuilder(), builderAlias: builderAlias(call?.configDir) });
    ended = await act(plan, cfg);
  } catch (err) {
    return recover(err, cfg, argv, plan);
  }
  return ended ? exitLike(ended) : handOff(cfg.realDocker, argv);
}

void main(process.argv.slice(2));

// Entry of the Node side of the docker wrapper. The sh shim sends only build command lines here;
// anything this code does not fully understand, and any internal error, goes to the real docker
// unchanged, so the wrapper can make a build faster but never break a command.
import { loadConfig, type ToolkitConfig } from '../lib/config.js';
import { oneLine } from '../lib/errors.js';
import { runBake } from './bake-run.js';
import { runPlugin } from './cli-plugin.js';
import { exitLike, handOff, type ChildResult } from './child.js';
import { builderAlias, currentBuilder } from './cli-config.js';
import { runComposeBuilds } from './compose-build.js';
import { decide, type Plan } from './plan.js';
import { parseDockerArgv } from './docker-argv.js';
import { readCredential } from '../lib/registry-client.js';
import { ensureLogin } from './registry-login.js';
import { reportBuild } from './report.js';
import { runSmartBuild } from './smart-build.js';

/** The CLI config directory a plan's docker and buildx calls read (`--config`), if named. */
function configDirOf(plan: Exclude<Plan, { kind: 'passthrough' }>): string | undefined {
  if (plan.kind === 'buildx' || plan.kind === 'local') return plan.configDir;
  return plan.kind === 'smart' ? plan.build.configDir : plan.docker.configDir;
}

/** Carries out the plan: how the wrapper should end, or undefined to hand the line to the real docker. */
async function act(plan: Plan, cfg: ToolkitConfig): Promise<ChildResult | undefined> {
  if (plan.kind === 'passthrough') return undefined;
  // buildx pushes and pulls as the CLI config's logins say: it needs the session's own.
  const credential = readCredential(cfg);
  if (credential) await ensureLogin(credential, configDirOf(plan));
  switch (plan.kind) {
    case 'buildx':
      return runPlugin('buildx', cfg.realDocker, plan.configDir, plan.argv);
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

async function main(argv: string[]): Promise<never> {
  const cfg = loadConfig();
  // A failure nothing awaited is an internal error too: one line, then the real docker, not a stack trace.
  process.once('unhandledRejection', (err) => {
    process.stderr.write(`helix: ${oneLine(err)}; running docker unchanged\n`);
    void handOff(cfg.realDocker, argv);
  });
  let ended: ChildResult | undefined;
  try {
    const facts = { currentBuilder: currentBuilder(), builderAlias: builderAlias(parseDockerArgv(argv)?.configDir) };
    ended = await act(decide(argv, process.env, cfg, facts), cfg);
  } catch (err) {
    process.stderr.write(`helix: ${oneLine(err)}; running docker unchanged\n`);
  }
  return ended ? exitLike(ended) : handOff(cfg.realDocker, argv);
}

void main(process.argv.slice(2));

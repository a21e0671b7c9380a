// Entry of the Node side of the docker wrapper. The sh shim sends only build command lines here;
// anything this code does not fully understand, and any internal error, goes to the real docker
// unchanged, so the wrapper can make a build faster but never break a command.
import { loadConfig } from '../lib/config.js';
import { runBuildx } from './buildx-plugin.js';
import { exitLike, handOff } from './child.js';
import { currentBuilder } from './cli-config.js';
import { runComposeBuilds } from './compose-build.js';
import { appendEvent, buildEvent } from './events.js';
import { decide, type Facts, type Plan } from './plan.js';
import { runSmartBuild, statusLine } from './smart-build.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const cfg = loadConfig();
  let plan: Plan;
  try {
    const facts: Facts = { currentBuilder: currentBuilder() };
    plan = decide(argv, process.env, cfg, facts);
  } catch {
    plan = { kind: 'passthrough', reason: 'internal error while deciding' };
  }
  if (plan.kind === 'passthrough') return handOff(cfg.realDocker, argv);
  if (plan.kind === 'buildx') return exitLike(await runBuildx(cfg.realDocker, plan.configDir, plan.argv));
  if (plan.kind === 'compose') {
    let ended;
    try {
      ended = await runComposeBuilds(cfg, plan);
    } catch (err) {
      process.stderr.write(`helix: ${(err as Error).message}; running docker unchanged\n`);
    }
    return ended ? exitLike(ended) : handOff(cfg.realDocker, argv);
  }

  let result;
  try {
    result = await runSmartBuild(plan.build, cfg);
  } catch (err) {
    process.stderr.write(`helix: ${(err as Error).message}; running docker unchanged\n`);
    return handOff(cfg.realDocker, argv);
  }
  if (result.warning) process.stderr.write(`helix: warning: ${result.warning}\n`);
  process.stderr.write(`${statusLine(plan.build, result)}\n`);
  await appendEvent(cfg.eventsFile, buildEvent(plan.build, result));
  exitLike(result.build);
}

void main();

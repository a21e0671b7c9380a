// Entry of the Node side of the docker wrapper. The sh shim sends only build command lines here;
// anything this code does not fully understand, and any internal error, goes to the real docker
// unchanged, so the wrapper can make a build faster but never break a command.
import { loadConfig } from '../lib/config.js';
import { exitLike, handOff } from './child.js';
import { decide, type Plan } from './plan.js';
import { runChild } from './child.js';
import { runSmartBuild, statusLine } from './smart-build.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const cfg = loadConfig();
  let plan: Plan;
  try {
    plan = decide(argv, process.env, cfg);
  } catch {
    plan = { kind: 'passthrough', reason: 'internal error while deciding' };
  }
  if (plan.kind === 'passthrough') return handOff(cfg.realDocker, argv);
  if (plan.kind === 'buildx') return exitLike(await runChild(cfg.realDocker, plan.argv));

  let result;
  try {
    result = await runSmartBuild(plan.build, cfg);
  } catch (err) {
    process.stderr.write(`helix: ${(err as Error).message}; running docker unchanged\n`);
    return handOff(cfg.realDocker, argv);
  }
  process.stderr.write(`${statusLine(plan.build, result)}\n`);
  exitLike(result.build);
}

void main();

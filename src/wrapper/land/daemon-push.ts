// A build with `--push` (or an output of type registry): once the image is in the daemon, the daemon
// pushes it under each name in turn, as buildx does for docker's own builder ("pushing <name> with
// docker"). So the push leaves from the session's network (a registry on its localhost included) with
// the CLI's logins (config.json, credential helpers), and pushes the image the daemon has. Through the
// docker CLI: it is the one that knows those logins.
import type { ToolkitConfig } from '../../lib/config.js';
import { runChild } from '../child.js';
import type { Daemon } from './daemon.js';
import type { SmartBuild } from '../plan/plan.js';
import { parseReference, repositoryName, splitForApi } from '../../lib/reference.js';

export type PushOutcome = { digest?: string } | { error: string };

/** The registry's digest of the pushed image: the repo digest the daemon recorded for the first name. */
function digestOf(repoDigests: readonly string[], name: string): string | undefined {
  const repository = (ref: string) => {
    const r = parseReference(splitForApi(ref)[0]);
    return r && repositoryName(r);
  };
  const repo = repository(name);
  const mine = repoDigests.find((d) => repository(d) === repo);
  return mine?.slice(mine.indexOf('@') + 1);
}

/**
 * The daemon pushes one name, through the CLI. `progress`: where the CLI's push progress goes (a
 * build's on stderr, compose's on stdout). Returns the daemon's message if the push failed.
 */
export async function pushName(cfg: ToolkitConfig, globals: readonly string[], name: string, progress: 'stderr' | 'inherit' | 'ignore'): Promise<string | undefined> {
  const r = await runChild(cfg.realDocker, [...globals, 'push', name], { stdout: progress, stderr: 'capture', stdin: 'ignore' });
  if (r.code === 0 && !r.signal) return undefined;
  return (r.stderr ?? '').trim().split('\n').pop() || `docker push ${name} failed`;
}

/** Pushes every name; stops at the first failure with the daemon's message, as buildx does. */
export async function pushNames(cfg: ToolkitConfig, b: SmartBuild, daemon: Daemon, show: boolean): Promise<PushOutcome> {
  for (const name of b.tags) {
    if (show) process.stderr.write(`helix: pushing ${name} with docker\n`);
    const error = await pushName(cfg, b.globals, name, show ? 'stderr' : 'ignore');
    if (error) return { error };
  }
  const first = b.tags[0];
  return { digest: first ? digestOf(await daemon.repoDigests(first), first) : undefined };
}

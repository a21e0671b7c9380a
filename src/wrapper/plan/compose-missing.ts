// Which services `docker compose up`, `create` and `run` build when not told to, decided as compose
// decides it: a service whose pull policy is `build` always; any other only when its image is not in
// the daemon, after compose would have tried to pull an image named by `image:` (unless the policy
// says never) and found none.
import type { ComposeProject, ServiceBuild } from './compose-plan.js';
import type { Daemon } from '../land/daemon.js';

/**
 * @param pullFlag `--pull` of up/create/run, which overrides every service's pull_policy
 * @returns the builds to run, each needing only the others that are built too (the rest are images
 * the daemon has, which the build then reads as local bases)
 */
export async function missingBuilds(daemon: Daemon, project: ComposeProject, builds: readonly ServiceBuild[], pullFlag: string | undefined): Promise<ServiceBuild[]> {
  const wanted = await Promise.all(
    builds.map(async (s) => {
      const svc = project.services[s.service];
      const policy = pullFlag ?? svc?.pull_policy ?? 'missing';
      if (policy === 'build') return true;
      if (await daemon.imageId(s.image)) return false;
      if (svc?.image && policy !== 'never') {
        const pulled = await daemon.pull(svc.image).then(() => true, () => false);
        if (pulled) return false;
      }
      return true;
    }),
  );
  const keep = new Set(builds.filter((_, i) => wanted[i]).map((s) => s.service));
  return builds.filter((s) => keep.has(s.service)).map((s) => ({ ...s, needs: s.needs.filter((n) => keep.has(n.service)) }));
}

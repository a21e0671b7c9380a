import { describe, expect, it } from 'vitest';
import { missingBuilds } from '../../../src/wrapper/plan/compose-missing.js';
import type { ComposeProject, ServiceBuild } from '../../../src/wrapper/plan/compose-plan.js';
import type { Daemon } from '../../../src/wrapper/land/daemon.js';

/** A daemon that has some images and can pull others from a registry, recording the pulls asked for. */
function daemon(has: string[], pullable: string[] = []): Daemon & { pulls: string[] } {
  const pulls: string[] = [];
  return {
    pulls,
    imageId: async (ref) => (has.includes(ref) ? `sha256:${ref}` : undefined),
    pull: async (ref) => {
      pulls.push(ref);
      if (!pullable.includes(ref)) throw new Error('pull access denied');
      return [];
    },
    push: async () => 'sha256:x',
    tag: async () => undefined,
    untag: async () => undefined,
    repoDigests: async () => [],
    importEmpty: async () => 'sha256:empty',
  };
}

const build = (service: string, image: string, needs: string[] = []): ServiceBuild => ({ service, image, named: true, build: { flags: [], positionals: ['.'] }, needs: needs.map((s) => ({ service: s, ref: `p-${s}` })) });

const project: ComposeProject = {
  name: 'p',
  services: {
    base: { build: {} },
    app: { build: {}, depends_on: ['base'] },
    named: { image: 'reg/named:1', build: {} },
    always: { build: {}, pull_policy: 'build' },
    never: { image: 'reg/never:1', build: {}, pull_policy: 'never' },
  },
};

describe('missingBuilds', () => {
  it('builds what the daemon lacks, and what pull_policy build says to build anyway', async () => {
    const d = daemon(['p-base', 'p-always']);
    const got = await missingBuilds(d, project, [build('base', 'p-base'), build('app', 'p-app', ['base']), build('always', 'p-always')], undefined);
    expect(got.map((b) => b.service)).toEqual(['app', 'always']);
    // base is present: app reads the daemon's image, not base's build.
    expect(got[0]?.needs).toEqual([]);
  });

  it('first tries a pull of an image named by image:, as compose does, unless the policy says never', async () => {
    const d = daemon([], ['reg/named:1']);
    const got = await missingBuilds(d, project, [build('named', 'reg/named:1'), build('never', 'reg/never:1')], undefined);
    expect(got.map((b) => b.service)).toEqual(['never']);
    expect(d.pulls).toEqual(['reg/named:1']);
  });

  it('builds when that pull fails, and lets --pull override every service', async () => {
    const d = daemon(['p-base']);
    expect((await missingBuilds(d, project, [build('named', 'reg/named:1')], undefined)).map((b) => b.service)).toEqual(['named']);
    expect((await missingBuilds(d, project, [build('base', 'p-base')], 'build')).map((b) => b.service)).toEqual(['base']);
  });
});

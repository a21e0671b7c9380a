import { describe, expect, it } from 'vitest';
import { renderArgs } from '../../../src/wrapper/read/build-flags.js';
import { imageRefs } from '../../../src/wrapper/plan/dockerfile-refs.js';
import { ComposePlanError, planComposeBuilds, projectOf, type ComposeProject } from '../../../src/wrapper/plan/compose-plan.js';

const opts = { buildArgs: [], noCache: false, pull: false, ssh: [], withDependencies: true, composeVersion: '2.40.3' };

const project: ComposeProject = {
  name: 'shop',
  services: {
    base: { build: { context: '/src/base' } },
    api: {
      image: 'shop/api:dev',
      depends_on: { db: {} },
      build: {
        context: '/src/api',
        dockerfile: 'docker/Dockerfile',
        args: { GO: '1.22', UNSET: null },
        target: 'prod',
        tags: ['shop/api:extra'],
        labels: { team: 'core' },
        additional_contexts: { assets: '/src/assets', lib: 'service:base' },
        secrets: [{ source: 'token', target: 'npm' }],
        ssh: ['default'],
        cache_from: ['type=registry,ref=x'],
        platforms: ['linux/amd64'],
        network: 'host',
        extra_hosts: { 'db.local': ['10.0.0.9'] },
        shm_size: 1024,
        ulimits: { nofile: 1234, nproc: { soft: 10, hard: 20 } },
      },
    },
    web: { build: { context: '/src/web', dockerfile_inline: 'FROM shop-base\n' } },
    db: { image: 'postgres:16' },
  },
  secrets: { token: { file: '/run/token' } },
};

const refs = (s: string) => (s === 'web' ? imageRefs('FROM shop-base\n') : []);

describe('planComposeBuilds', () => {
  it('maps every compose build field to its buildx flag, and labels the image as compose does', () => {
    const levels = planComposeBuilds(project, ['api'], opts, refs);
    const api = levels.flat().find((b) => b.service === 'api');
    expect(renderArgs(api!.build)).toEqual([
      '--file=/src/api/docker/Dockerfile',
      '--build-arg=GO=1.22',
      '--target=prod',
      '--tag=shop/api:dev',
      '--tag=shop/api:extra',
      '--label=team=core',
      '--label=com.docker.compose.version=2.40.3',
      '--label=com.docker.compose.project=shop',
      '--label=com.docker.compose.service=api',
      '--build-context=assets=/src/assets',
      '--secret=id=npm,src=/run/token',
      '--ssh=default',
      '--cache-from=type=registry,ref=x',
      '--platform=linux/amd64',
      '--network=host',
      '--add-host=db.local=10.0.0.9',
      '--shm-size=1024',
      '--ulimit=nofile=1234',
      '--ulimit=nproc=10:20',
      '/src/api',
    ]);
    expect(api?.needs).toEqual([{ service: 'base', ref: 'lib' }]);
  });

  it("names images as compose does: image: or <project>-<service>", () => {
    const levels = planComposeBuilds(project, [], opts, refs);
    expect(levels.flat().map((b) => [b.service, b.image, b.named])).toEqual(
      expect.arrayContaining([['base', 'shop-base', false], ['api', 'shop/api:dev', true], ['web', 'shop-web', false]]),
    );
  });

  it('builds a service after the service whose image it builds FROM, independent ones together', () => {
    const levels = planComposeBuilds(project, [], opts, refs);
    expect(levels.map((l) => l.map((b) => b.service).sort())).toEqual([['base'], ['api', 'web']]);
    expect(levels[1]?.find((b) => b.service === 'web')).toMatchObject({ needs: [{ service: 'base', ref: 'shop-base' }], inlineDockerfile: 'FROM shop-base\n' });
  });

  it('includes the images a selected service builds on, even when not selected', () => {
    expect(planComposeBuilds(project, ['web'], { ...opts, withDependencies: false }, refs).flat().map((b) => b.service)).toEqual(['base', 'web']);
  });

  it('applies command-line build options to every service', () => {
    const levels = planComposeBuilds(project, ['base'], { ...opts, buildArgs: ['V=2'], noCache: true, pull: true, progress: 'quiet' }, refs);
    expect(renderArgs(levels[0]![0]!.build)).toEqual(['--build-arg=V=2', '--tag=shop-base', '--label=com.docker.compose.version=2.40.3', '--label=com.docker.compose.project=shop', '--label=com.docker.compose.service=base', '--no-cache', '--pull', '--progress=quiet', '/src/base']);
  });

  it('leaves a service with a build key it does not run to compose, and ignores keys compose prints empty', () => {
    const withKey = (extra: Record<string, unknown>): ComposeProject => ({ name: 'p', services: { s: { build: { context: '/s', ...extra } as never } } });
    expect(() => planComposeBuilds(withKey({ privileged: true }), [], opts, () => [])).toThrow(new ComposePlanError('service s: build.privileged is left to compose'));
    expect(() => planComposeBuilds(withKey({ entitlements: ['network.host'] }), [], opts, () => [])).toThrow(ComposePlanError);
    expect(planComposeBuilds(withKey({ privileged: false, entitlements: [], isolation: '' }), [], opts, () => []).flat()).toHaveLength(1);
  });

  it('leaves a service with a tag docker refuses to compose, which says so itself', () => {
    const tagged = (image: string, tags: string[] = []): ComposeProject => ({ name: 'p', services: { s: { image, build: { context: '/s', tags } } } });
    expect(() => planComposeBuilds(tagged('Bad/Name:1'), [], opts, () => [])).toThrow(new ComposePlanError('service s: invalid tag "Bad/Name:1"'));
    expect(() => planComposeBuilds(tagged('ok:1', ['Bad:x']), [], opts, () => [])).toThrow(ComposePlanError);
  });

  it('refuses unknown services and cycles', () => {
    expect(() => planComposeBuilds(project, ['nope'], opts, refs)).toThrow(ComposePlanError);
    const cyclic: ComposeProject = { name: 'c', services: { a: { build: { context: '/a' } }, b: { build: { context: '/b' } } } };
    const r = (s: string) => (s === 'a' ? ['c-b'] : ['c-a']);
    expect(() => planComposeBuilds(cyclic, [], opts, r)).toThrowError(/cycle/);
  });
});


describe('projectOf', () => {
  it("reads compose's $$ back as the literal $ it stands for, in every string", () => {
    // What compose 2.26 and 2.40 print for `H: "$${HOME}x"`, `Q: "a$$b"` and an inline `echo "$$H"`.
    const p = projectOf('{"name":"lit","services":{"v":{"build":{"args":{"H":"$${HOME}x","Q":"a$$b","R":"$$$$"},"dockerfile_inline":"RUN echo \\"$$H\\"\\n"}}}}');
    expect(p.services.v?.build).toEqual({ args: { H: '${HOME}x', Q: 'a$b', R: '$$' }, dockerfile_inline: 'RUN echo "$H"\n' });
  });
});

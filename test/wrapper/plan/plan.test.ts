import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/lib/config.js';
import { renderArgs, values } from '../../../src/wrapper/read/build-flags.js';
import { loadArgsOf, type Plan } from '../../../src/wrapper/plan/plan.js';
import { decide } from './decide-argv.js';

const cfg = loadConfig({});
const shared = { BUILDX_BUILDER: 'helix-shared' };

describe('decide', () => {
  it('passes non-build commands through untouched', () => {
    expect(decide(['ps', '-a'], shared, cfg)).toMatchObject({ kind: 'passthrough' });
    expect(decide(['image', 'ls'], shared, cfg)).toMatchObject({ kind: 'passthrough' });
  });

  it('passes builds through when the effective builder is not the shared one', () => {
    expect(decide(['build', '.'], {}, cfg)).toMatchObject({ kind: 'passthrough' });
    expect(decide(['build', '--builder', 'other', '.'], shared, cfg)).toMatchObject({ kind: 'passthrough' });
  });

  it('takes the builder from --builder over BUILDX_BUILDER', () => {
    expect(decide(['buildx', 'build', '--builder', 'helix-shared', '.'], { BUILDX_BUILDER: 'other' }, cfg)).toMatchObject({ kind: 'smart' });
    expect(decide(['buildx', '--builder', 'helix-shared', 'build', '.'], {}, cfg)).toMatchObject({ kind: 'smart' });
  });

  it('routes every build spelling with global flags to the smart path', () => {
    for (const cmd of [['build'], ['image', 'build'], ['builder', 'build'], ['buildx', 'build'], ['buildx', 'b']]) {
      const p = decide(['--context', 'default', ...cmd, '-t', 'app:1', '.'], shared, cfg);
      expect(p).toMatchObject({ kind: 'smart', build: { globals: ['--context', 'default'], builder: 'helix-shared', tags: ['app:1'] } });
    }
  });

  it('replaces the flags the smart path manages and keeps the rest', () => {
    const p = decide(['build', '-q', '--load', '--iidfile', '/tmp/i', '--build-arg', 'A=1', '-t', 'x', '--progress=plain', '.'], shared, cfg);
    expect(p).toMatchObject({
      kind: 'smart',
      build: {
        globals: [],
        configDir: undefined,
        endpoint: { context: undefined, host: undefined, tls: false },
        builder: 'helix-shared',
        tags: ['x'],
        push: false,
        quiet: true,
        iidfile: '/tmp/i',
        metadataFile: undefined,
        stdin: false,
        localArgv: ['buildx', 'build', '--builder', 'default', '--quiet', '--load', '--iidfile=/tmp/i', '--build-arg=A=1', '--tag=x', '--progress=plain', '.'],
        // What runs if the wrapper fails inside the build: the shared builder, loading, in the project's cache namespace.
        recoveryArgv: ['buildx', 'build', '--builder', 'helix-shared', '--load', '--quiet', '--iidfile=/tmp/i', '--build-arg=A=1', '--tag=x', '--progress=plain', '--build-arg=BUILDKIT_CACHE_MOUNT_NS=default', '.'],
        project: 'default',
      },
    });
    const b = (p as Extract<Plan, { kind: 'smart' }>).build;
    expect(renderArgs(b.build)).toEqual(['--build-arg=A=1', '--progress=plain', '--build-arg=BUILDKIT_CACHE_MOUNT_NS=default', '.']);
    expect(loadArgsOf(b)).toEqual(['--build-arg=A=1', '--build-arg=BUILDKIT_CACHE_MOUNT_NS=default', '--tag=x', '.']);
  });

  it('keeps buildx semantics for outputs other than the image, and for multi-platform builds', () => {
    expect(decide(['build', '-o', 'type=local,dest=out', '.'], shared, cfg)).toMatchObject({ kind: 'buildx', reason: 'explicit --output' });
    // Where the shared BuildKit cannot be used, the same line on the session's own builder.
    expect(decide(['build', '-o', 'type=local,dest=out', '.'], shared, cfg)).toMatchObject({ localArgv: ['buildx', 'build', '--builder', 'default', '--output=type=local,dest=out', '.'] });
    expect(decide(['build', '-o', 'type=image,name=x,compression=zstd', '.'], shared, cfg)).toMatchObject({ kind: 'buildx', reason: 'explicit --output' });
    expect(decide(['buildx', 'build', '--push', '.'], shared, cfg)).toMatchObject({ kind: 'buildx', reason: 'a push without a name' });
    expect(decide(['build', '--platform', 'linux/amd64,linux/arm64', '.'], shared, cfg)).toMatchObject({ kind: 'buildx', reason: 'multi-platform build' });
  });

  it("lands an image output or a push in the daemon, which pushes it, as docker's own builder does", () => {
    const smart = (argv: string[]) => (decide(argv, shared, cfg) as Extract<Plan, { kind: 'smart' }>).build;
    const pushed = smart(['buildx', 'build', '--push', '-t', 'r/x', '-t', 'r/y', '.']);
    expect(pushed).toMatchObject({ tags: ['r/x', 'r/y'], push: true });
    expect(renderArgs(pushed.build)).toEqual(['--build-arg=BUILDKIT_CACHE_MOUNT_NS=default', '.']);
    expect(smart(['build', '-o', 'type=registry', '-t', 'r/x', '.'])).toMatchObject({ tags: ['r/x'], push: true });
    // Without -t the outputs' names name the image; with it, the tags replace them (buildx's rule).
    expect(smart(['build', '-o', 'type=image,"name=a:1,b:2",push=false', '.'])).toMatchObject({ tags: ['a:1', 'b:2'], push: false });
    expect(smart(['build', '-o', 'type=image,name=a:1', '-t', 'c:3', '.'])).toMatchObject({ tags: ['c:3'], push: false });
    expect(smart(['build', '-o', 'type=docker', '--load', '-t', 'c:3', '.'])).toMatchObject({ tags: ['c:3'], push: false });
    expect(decide(['build', '-o', 'type=image,name=Bad:1', '.'], shared, cfg)).toMatchObject({ kind: 'buildx', reason: 'a tag docker refuses' });
  });

  it('loads the result of a plain docker build that cannot take the smart path', () => {
    expect(decide(['build', '--attest', 'type=sbom', '.'], shared, cfg)).toMatchObject({
      kind: 'buildx',
      argv: ['buildx', 'build', '--builder', 'helix-shared', '--load', '--attest=type=sbom', '--build-arg=BUILDKIT_CACHE_MOUNT_NS=default', '.'],
    });
  });

  it("puts cache mounts in the project's namespace on the shared builder only, and the user's value inside it (never another project's)", () => {
    const smart = (argv: string[], env: Record<string, string>) => (decide(argv, env, cfg) as Extract<Plan, { kind: 'smart' }>).build;
    const b = smart(['build', '.'], { ...shared, HELIX_PROJECT: 'alpha' });
    expect(values(b.build, 'build-arg')).toEqual(['BUILDKIT_CACHE_MOUNT_NS=alpha']);
    expect(b.localArgv).not.toContain('--build-arg=BUILDKIT_CACHE_MOUNT_NS=alpha');
    const mine = smart(['build', '--build-arg', 'BUILDKIT_CACHE_MOUNT_NS=beta', '--build-arg', 'A=1', '.'], { ...shared, HELIX_PROJECT: 'alpha' });
    expect(values(mine.build, 'build-arg')).toEqual(['A=1', 'BUILDKIT_CACHE_MOUNT_NS=alpha/beta']);
    expect(mine.userCacheNamespace).toBe('beta');
    // A bare name takes its value from the environment, as docker reads it; unset there, the project's alone.
    expect(values(smart(['build', '--build-arg', 'BUILDKIT_CACHE_MOUNT_NS', '.'], { ...shared, HELIX_PROJECT: 'alpha' }).build, 'build-arg')).toEqual(['BUILDKIT_CACHE_MOUNT_NS=alpha']);
  });

  it('marks stdin contexts and Dockerfiles, which one solve must read', () => {
    expect(decide(['build', '-f', '-', '.'], shared, cfg)).toMatchObject({ kind: 'smart', build: { stdin: true } });
    expect(decide(['build', '-'], shared, cfg)).toMatchObject({ kind: 'smart', build: { stdin: true } });
  });

  it('follows the builder chosen with docker buildx use where docker does: buildx build, or docker build after buildx install', () => {
    const used = { currentBuilder: 'helix-shared' };
    expect(decide(['buildx', 'build', '.'], {}, cfg, used)).toMatchObject({ kind: 'smart' });
    expect(decide(['buildx', 'build', '.'], { BUILDX_BUILDER: 'other' }, cfg, used)).toMatchObject({ kind: 'passthrough' });
    // The CLI builds on the current context's builder otherwise (BUILDX_BUILDER=<context>).
    for (const cmd of [['build'], ['image', 'build'], ['builder', 'build']]) {
      expect(decide([...cmd, '.'], {}, cfg, used)).toMatchObject({ kind: 'passthrough' });
      expect(decide([...cmd, '.'], { BUILDX_BUILDER: '' }, cfg, used)).toMatchObject({ kind: 'passthrough' });
      expect(decide([...cmd, '.'], {}, cfg, { ...used, builderAlias: 'buildx' })).toMatchObject({ kind: 'smart' });
      expect(decide([...cmd, '.'], {}, cfg, { ...used, builderAlias: 'other-plugin' })).toMatchObject({ kind: 'passthrough' });
    }
  });

  it('leaves docker build to docker when DOCKER_BUILDKIT turns BuildKit off or is not a boolean, as the CLI reads it', () => {
    for (const v of ['0', 'false', 'F', '', 'yes', 'on']) {
      for (const cmd of [['build'], ['image', 'build'], ['builder', 'build']]) {
        expect(decide([...cmd, '.'], { ...shared, DOCKER_BUILDKIT: v }, cfg)).toMatchObject({ kind: 'passthrough', reason: `DOCKER_BUILDKIT=${v}: not a BuildKit build` });
      }
    }
    for (const v of ['1', 't', 'TRUE', 'True']) expect(decide(['build', '.'], { ...shared, DOCKER_BUILDKIT: v }, cfg)).toMatchObject({ kind: 'smart' });
    // buildx does not read it.
    expect(decide(['buildx', 'build', '.'], { ...shared, DOCKER_BUILDKIT: '0' }, cfg)).toMatchObject({ kind: 'smart' });
  });

  it('takes compose build --push (the daemon pushes after the landing) and leaves --print and --check to compose', () => {
    expect(decide(['compose', 'build', '--push'], shared, cfg)).toMatchObject({ kind: 'compose' });
    expect(decide(['compose', 'build', '--print'], shared, cfg)).toMatchObject({ kind: 'passthrough' });
    expect(decide(['compose', 'build', '--check'], shared, cfg)).toMatchObject({ kind: 'passthrough' });
  });

  it('leaves compose --dry-run to compose, which builds nothing', () => {
    expect(decide(['compose', '--dry-run', 'build'], shared, cfg)).toMatchObject({ kind: 'passthrough', reason: 'compose --dry-run builds nothing' });
    expect(decide(['compose', '--dry-run', 'up', '--build'], shared, cfg)).toMatchObject({ kind: 'passthrough' });
  });

  it('leaves compose builds to compose when DOCKER_BUILDKIT is set and not true; compose ignores it empty', () => {
    for (const argv of [['compose', 'build'], ['compose', 'up', '--build']]) {
      expect(decide(argv, { ...shared, DOCKER_BUILDKIT: '0' }, cfg)).toMatchObject({ kind: 'passthrough' });
      expect(decide(argv, { ...shared, DOCKER_BUILDKIT: 'nope' }, cfg)).toMatchObject({ kind: 'passthrough' });
      expect(decide(argv, { ...shared, DOCKER_BUILDKIT: '' }, cfg)).toMatchObject({ kind: 'compose' });
      expect(decide(argv, { ...shared, DOCKER_BUILDKIT: '1' }, cfg)).toMatchObject({ kind: 'compose' });
    }
  });

  it('falls back to the builder of the current context, and puts transfers under the project', () => {
    const p = decide(['--context', 'ctx1', 'build', '.'], { ...shared, HELIX_PROJECT: 'prj_1' }, cfg);
    expect(p).toMatchObject({ kind: 'smart', build: { localArgv: ['--context', 'ctx1', 'buildx', 'build', '--builder', 'ctx1', '.'], project: 'prj_1' } });
  });

  it('leaves a tag docker refuses to buildx, which refuses it before building, and names a repeated tag once', () => {
    expect(decide(['build', '-t', 'Bad:Tag', '.'], shared, cfg)).toMatchObject({ kind: 'buildx', reason: 'a tag docker refuses' });
    expect(decide(['build', '-t', 'a', '-t', 'a', '-t', 'b', '.'], shared, cfg)).toMatchObject({ kind: 'smart', build: { tags: ['a', 'b'] } });
  });

  it("builds in the host network on the session's own builder, as plain docker does", () => {
    expect(decide(['build', '--network=host', '-t', 'x', '.'], shared, cfg)).toEqual({
      kind: 'local',
      reason: "--network=host needs the session's own builder",
      argv: ['buildx', 'build', '--builder', 'default', '--network=host', '--tag=x', '.'],
      configDir: undefined,
    });
    expect(decide(['--context', 'c1', 'buildx', 'build', '--network', 'host', '.'], shared, cfg)).toMatchObject({ kind: 'local', argv: ['--context', 'c1', 'buildx', 'build', '--builder', 'c1', '--network=host', '.'] });
    expect(decide(['build', '--network=none', '.'], shared, cfg)).toMatchObject({ kind: 'smart' });
  });

  it('leaves an unparseable build line to docker, which prints the real error', () => {
    expect(decide(['build', '--bogus', '.'], shared, cfg)).toMatchObject({ kind: 'passthrough' });
  });

  it('honours a configured builder name', () => {
    const mine = loadConfig({ HELIX_BUILDER_NAME: 'team-cache' });
    expect(decide(['build', '.'], { BUILDX_BUILDER: 'team-cache' }, mine)).toMatchObject({ kind: 'smart' });
    expect(decide(['build', '.'], shared, mine)).toMatchObject({ kind: 'passthrough' });
  });
});

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/lib/config.js';
import { notSmartBake, parseBakeArgs, type BakeArgv } from '../../../src/wrapper/read/bake-flags.js';
import { localOnlyTarget, loadedTargets, namespacedCaches, transferDefinition, targetBuild } from '../../../src/wrapper/solve/bake-run.js';
import { decide } from '../plan/decide-argv.js';

const cfg = loadConfig({});
const shared = { BUILDX_BUILDER: 'helix-shared' };

function bake(...args: string[]): BakeArgv {
  const r = parseBakeArgs(args);
  if (!r.ok) throw new Error(r.reason);
  return r.bake;
}

describe('bake command lines', () => {
  it('takes a loading bake on the shared builder, files, --set and targets included', () => {
    expect(decide(['buildx', 'bake', '-f', 'a.hcl', '--set', 'app.args.X=1', '--load', 'app', 'tool'], shared, cfg)).toMatchObject({
      kind: 'bake',
      builder: 'helix-shared',
      bake: { targets: ['app', 'tool'] },
    });
    expect(decide(['buildx', '--builder', 'helix-shared', 'bake', '--file', '-'], {}, cfg)).toMatchObject({ kind: 'bake' });
  });

  it('leaves printing, checks, other builders and unknown flags to buildx', () => {
    for (const argv of [['--print'], ['--check'], ['--call', 'outline'], ['--list', 'targets'], ['--provenance', 'mode=max'], ['--nope']]) {
      expect(decide(['buildx', 'bake', ...argv], shared, cfg)).toMatchObject({ kind: 'passthrough' });
    }
    expect(decide(['buildx', 'bake', '--load'], { BUILDX_BUILDER: 'other' }, cfg)).toMatchObject({ kind: 'passthrough' });
    expect(notSmartBake(bake('--load'))).toBeUndefined();
    // The daemon pushes after the landing, as with docker's own builder.
    expect(notSmartBake(bake('--push'))).toBeUndefined();
  });
});

describe('loadedTargets', () => {
  it('lands the targets bake would load, and builds the ones only others need', () => {
    const def = { target: { a: { output: [{ type: 'cacheonly' }] }, b: { output: [{ type: 'docker' }], tags: ['x/b:1'] }, c: { output: ['type=docker'] } } };
    expect(loadedTargets(def)).toEqual({ targets: [{ name: 'b', tags: ['x/b:1'], push: false }, { name: 'c', tags: [], push: false }] });
  });

  it('loads a target without an output, as bake does on docker\'s own builder', () => {
    expect(loadedTargets({ target: { app: { tags: ['x/app:1'] }, base: { output: [{ type: 'cacheonly' }] } } })).toEqual({ targets: [{ name: 'app', tags: ['x/app:1'], push: false }] });
  });

  it('lands a pushing target, named by its tags or else its output, for the daemon to push', () => {
    expect(loadedTargets({ target: { a: { tags: ['r/a:1'], output: [{ type: 'image', push: 'true' }] } } })).toEqual({ targets: [{ name: 'a', tags: ['r/a:1'], push: true }] });
    expect(loadedTargets({ target: { a: { output: ['type=registry,name=r/a:2'] } } })).toEqual({ targets: [{ name: 'a', tags: ['r/a:2'], push: true }] });
    expect(loadedTargets({ target: { a: { output: [{ type: 'registry' }] } } })).toEqual({ reason: 'target a pushes without a name' });
  });

  it('leaves explicit outputs, tarballs, several platforms and attestations to bake itself', () => {
    expect(loadedTargets({ target: { a: { output: [{ type: 'image', compression: 'zstd' }] } } })).toHaveProperty('reason');
    expect(loadedTargets({ target: { a: { output: [{ type: 'docker', dest: 'a.tar' }] } } })).toHaveProperty('reason');
    expect(loadedTargets({ target: { a: { output: [{ type: 'docker' }], platforms: ['linux/amd64', 'linux/arm64'] } } })).toHaveProperty('reason');
    expect(loadedTargets({ target: { a: { output: [{ type: 'docker' }], attest: ['type=sbom'] } } })).toHaveProperty('reason');
    expect(loadedTargets({ target: { a: { output: [{ type: 'cacheonly' }] } } })).toEqual({ reason: 'no target loads an image' });
  });
});

describe('localOnlyTarget', () => {
  it('finds a target in the host network, which only the local builder may build', () => {
    expect(localOnlyTarget({ target: { a: { network: 'default' }, b: { network: 'host' } } })).toBe("target b: --network=host needs the session's own builder");
    expect(localOnlyTarget({ target: { a: {}, b: { network: 'none' } } })).toBeUndefined();
  });
});

describe('transferDefinition', () => {
  it('pushes each landing target by digest instead of loading it, untagged, and keeps everything else', () => {
    const def = { group: { default: { targets: ['b'] } }, target: { a: { context: 'a', output: [{ type: 'cacheonly' }] }, b: { context: 'b', contexts: { base: 'target:a' }, tags: ['x/b:1'], output: [{ type: 'docker' }] } } };
    expect(transferDefinition(def, new Map([['b', 'type=image,name=r/p/x/b,push-by-digest=true']]))).toEqual({
      group: { default: { targets: ['b'] } },
      target: { a: { context: 'a', output: [{ type: 'cacheonly' }] }, b: { context: 'b', contexts: { base: 'target:a' }, output: ['type=image,name=r/p/x/b,push-by-digest=true'] } },
    });
  });
});

describe('namespacedCaches', () => {
  it("gives every target the project's cache mount namespace, a target's own inside it", () => {
    const def = { target: { a: { context: 'a' }, b: { context: 'b', args: { A: '1' } }, c: { args: { BUILDKIT_CACHE_MOUNT_NS: 'mine' } } } };
    expect(namespacedCaches(def, 'alpha').target).toEqual({
      a: { context: 'a', args: { BUILDKIT_CACHE_MOUNT_NS: 'alpha' } },
      b: { context: 'b', args: { A: '1', BUILDKIT_CACHE_MOUNT_NS: 'alpha' } },
      c: { args: { BUILDKIT_CACHE_MOUNT_NS: 'alpha/mine' } },
    });
  });
});

describe('targetBuild', () => {
  it('reads a target as a build: its Dockerfile in its context, its args and named contexts', () => {
    expect(targetBuild({ context: 'app', dockerfile: 'Dockerfile.dev', args: { A: '1' }, contexts: { base: 'target:a' } })).toEqual({
      flags: [
        { name: 'file', value: 'app/Dockerfile.dev' },
        { name: 'build-arg', value: 'A=1' },
        { name: 'build-context', value: 'base=target:a' },
      ],
      positionals: ['app'],
    });
    expect(targetBuild({}).flags[0]).toEqual({ name: 'file', value: 'Dockerfile' });
  });
});

describe('transferDefinition values', () => {
  it('writes back what bake resolved so that bake does not interpolate it a second time', () => {
    const def = { target: { a: { args: { H: '${HOME}', P: '%{x}' }, tags: ['t'], output: [{ type: 'docker' }] } } };
    expect(transferDefinition(def, new Map([['a', 'o']])).target.a).toEqual({ args: { H: '$${HOME}', P: '%%{x}' }, output: ['o'] });
  });
});

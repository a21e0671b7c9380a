import { describe, expect, it } from 'vitest';
import { localBakeMetadata, localMetadata } from '../../../src/wrapper/land/metadata-file.js';

const config = `sha256:${'c'.repeat(64)}`;
const manifest = `sha256:${'m'.repeat(64)}`;
// What buildx writes after the smart path's solve on the shared builder.
const solved = {
  'buildx.build.provenance': {
    buildType: 'https://mobyproject.org/buildkit@v1',
    invocation: {
      parameters: {
        frontend: 'dockerfile.v0',
        args: {
          'build-arg:BUILDKIT_CACHE_MOUNT_NS': 'prj',
          'build-arg:FOO': '1',
          'context:debian:trixie': 'docker-image://helix-registry:5000/helix-projects/prj/debian@sha256:1',
          'frontend.caps': 'moby.buildkit.frontend.contexts+forward',
        },
      },
    },
  },
  'buildx.build.ref': 'helix-shared/helix-shared0/abc',
  'containerimage.config.digest': config,
  'containerimage.descriptor': { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifest, size: 472 },
  'containerimage.digest': manifest,
  'image.name': 'helix-registry:5000/helix-projects/prj/app',
};
const own = { userContexts: {} };


describe('localMetadata', () => {
  it('says what docker build writes under the classic store: the config digest as the digest, the tags as names', () => {
    const m = localMetadata(solved, { ...own, imageId: config, tags: ['app:1', 'team/app'] });
    expect(m['containerimage.digest']).toBe(config);
    expect(m).not.toHaveProperty('containerimage.descriptor');
    expect(m['image.name']).toBe('docker.io/library/app:1,docker.io/team/app');
    expect(localMetadata(solved, { ...own, imageId: config, tags: [] })).not.toHaveProperty('image.name');
  });

  it("gives the registry's digest of a pushed image as its digest, as buildx does after the daemon's push", () => {
    const remote = `sha256:${'r'.repeat(64)}`;
    const m = localMetadata(solved, { ...own, imageId: config, tags: ['localhost:5000/x:1'], pushed: remote });
    expect(m['containerimage.digest']).toBe(remote);
    expect(m['containerimage.config.digest']).toBe(config);
    expect(m['image.name']).toBe('localhost:5000/x:1');
  });

  it('keeps the manifest digest under the containerd store, and names an untagged image as docker does', () => {
    const m = localMetadata(solved, { ...own, imageId: manifest, tags: [] });
    expect(m['containerimage.digest']).toBe(manifest);
    expect(m['containerimage.descriptor']).toEqual(solved['containerimage.descriptor']);
    expect(m['image.name']).toBe(`moby-dangling@${manifest}`);
  });

  it("leaves out the arguments the wrapper added, and keeps the user's", () => {
    const args = (m: Record<string, unknown>) => (m['buildx.build.provenance'] as typeof solved['buildx.build.provenance']).invocation.parameters.args;
    expect(args(localMetadata(solved, { ...own, imageId: config, tags: [] }))).toEqual({ 'build-arg:FOO': '1' });
    // None left: no key, as buildx writes it.
    const onlyOurs = { ...solved, 'buildx.build.provenance': { invocation: { parameters: { frontend: 'dockerfile.v0', args: { 'build-arg:BUILDKIT_CACHE_MOUNT_NS': 'prj' } } } } };
    expect(localMetadata(onlyOurs, { ...own, imageId: config, tags: [] })['buildx.build.provenance']).toEqual({ invocation: { parameters: { frontend: 'dockerfile.v0' } } });
    // The user's context as they wrote it, though the build was given the local image pinned in the registry.
    // The user's cache namespace as they set it, though the build ran with it inside the project's.
    const inProject = { ...solved, 'buildx.build.provenance': { invocation: { parameters: { args: { ...solved['buildx.build.provenance'].invocation.parameters.args, 'build-arg:BUILDKIT_CACHE_MOUNT_NS': 'prj/mine' } } } } };
    const theirs = localMetadata(inProject, { imageId: config, tags: [], userContexts: { 'debian:trixie': 'docker-image://debian:trixie' }, userCacheNamespace: 'mine' });
    expect(args(theirs)).toEqual({ ...solved['buildx.build.provenance'].invocation.parameters.args, 'build-arg:BUILDKIT_CACHE_MOUNT_NS': 'mine', 'context:debian:trixie': 'docker-image://debian:trixie' });
    expect(solved['buildx.build.provenance'].invocation.parameters.args).toHaveProperty('build-arg:BUILDKIT_CACHE_MOUNT_NS');
  });
});

describe('localBakeMetadata', () => {
  it('rewrites the entries of landed targets and leaves the rest', () => {
    const m = localBakeMetadata({ a: solved, b: solved, 'buildx.build.warnings': [] }, new Map([['a', { ...own, imageId: config, tags: ['a:1'] }]]));
    expect((m.a as Record<string, unknown>)['image.name']).toBe('docker.io/library/a:1');
    expect(m.b).toEqual(solved);
    expect(m['buildx.build.warnings']).toEqual([]);
  });
});

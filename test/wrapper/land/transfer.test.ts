import { describe, expect, it } from 'vitest';
import { bytesPulled, downloadedAt, pullEventsOfText, pullLayers } from '../../../src/wrapper/land/pull-output.js';
import { hostPort } from '../../../src/lib/reach.js';
import { repositoryOf, transferRepository } from '../../../src/wrapper/land/transfer.js';

describe('transferRepository', () => {
  it('names transfers by project and image repository, never by tag', () => {
    expect(transferRepository('helix-registry:5000', 'prj_abc', ['myapp:latest'])).toBe('helix-registry:5000/helix-projects/prj_abc/myapp');
    expect(transferRepository('r:5000', 'p', ['ghcr.io/org/App:1.2'])).toBe('r:5000/helix-projects/p/org/app');
    expect(transferRepository('r:5000', 'p', [])).toBe('r:5000/helix-projects/p/untagged');
    // A project id that is not a namespace as it is is refused, never mapped onto another's.
    expect(() => transferRepository('r:5000', 'My Project!', [])).toThrowError(/project "My Project!" cannot name a registry namespace/);
    expect(() => transferRepository('r:5000', 'app-', [])).toThrowError(/cannot name a registry namespace/);
  });

  it('strips registry hosts, tags and digests from a reference', () => {
    expect(repositoryOf('localhost:5000/a/b:1')).toBe('a/b');
    expect(repositoryOf('a/b@sha256:00')).toBe('a/b');
    expect(repositoryOf('library/debian')).toBe('library/debian');
  });
});

describe('pullLayers', () => {
  // Shaped like docker 26's `docker pull` output.
  const out = [
    'sha256:1111: Pulling from p/app',
    'aaaaaaaaaaaa: Already exists',
    'bbbbbbbbbbbb: Pulling fs layer',
    'bbbbbbbbbbbb: Pull complete',
    'Digest: sha256:1111',
  ].join('\n');

  it('tells pulled layers from layers the daemon already had', () => {
    expect(pullLayers(pullEventsOfText(out))).toEqual({ pulled: ['bbbbbbbbbbbb'], existing: ['aaaaaaaaaaaa'] });
  });

  it('reads the Engine API progress stream the same way', () => {
    const events = [{ status: 'Pulling from p/app', id: 'sha256:1111' }, { status: 'Already exists', id: 'aaaaaaaaaaaa' }, { status: 'Pull complete', id: 'bbbbbbbbbbbb' }, { status: 'Digest: sha256:1111' }];
    expect(pullLayers(events)).toEqual({ pulled: ['bbbbbbbbbbbb'], existing: ['aaaaaaaaaaaa'] });
  });

  it('counts a layer the containerd image store only downloads (it ends at "Download complete")', () => {
    const events = [{ status: 'Pulling fs layer', id: 'cccccccccccc' }, { status: 'Download complete', id: 'cccccccccccc' }, { status: 'Already exists', id: 'aaaaaaaaaaaa' }];
    expect(pullLayers(events)).toEqual({ pulled: ['cccccccccccc'], existing: ['aaaaaaaaaaaa'] });
  });

  it('tells when the last layer finished downloading, where the events are timed', () => {
    const events = [
      { status: 'Download complete', id: 'cccccccccccc', at: 1_300 },
      { status: 'Download complete', id: 'bbbbbbbbbbbb', at: 1_700 },
      { status: 'Pull complete', id: 'cccccccccccc', at: 2_900 },
    ];
    expect(downloadedAt(events)).toBe(1_700);
    expect(downloadedAt(pullEventsOfText(out))).toBeUndefined();
  });

  it('counts the bytes of the pulled layers only', () => {
    const layers = [
      { digest: `sha256:${'a'.repeat(64)}`, size: 1000 },
      { digest: `sha256:${'b'.repeat(64)}`, size: 42 },
    ];
    expect(bytesPulled(layers, pullLayers(pullEventsOfText(out)).pulled)).toBe(42);
  });
});

describe('hostPort', () => {
  it('reads tcp endpoints and host:port pairs', () => {
    expect(hostPort('tcp://helix-buildkit:1234', 1)).toEqual({ host: 'helix-buildkit', port: 1234 });
    expect(hostPort('helix-registry:5000', 1)).toEqual({ host: 'helix-registry', port: 5000 });
    expect(hostPort('reg', 5000)).toEqual({ host: 'reg', port: 5000 });
    expect(hostPort('unix:///run/x.sock', 1)).toBeUndefined();
  });
});

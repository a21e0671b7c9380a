import { describe, expect, it } from 'vitest';
import { parseRange, parseRequest, projectOfRepository } from '../../../src/host/facade/requests.js';

const D = `sha256:${'ab'.repeat(32)}`;

describe('parseRequest', () => {
  it('reads the API root and manifests and blobs of project repositories by digest', () => {
    expect(parseRequest('GET', '/v2/')).toEqual({ kind: 'base' });
    expect(parseRequest('HEAD', `/v2/helix-projects/alpha/app/manifests/${D}`)).toEqual({ kind: 'manifest', repository: 'helix-projects/alpha/app', digest: D });
    expect(parseRequest('GET', `/v2/helix-projects/alpha/app/blobs/${D}?x=1`)).toEqual({ kind: 'blob', repository: 'helix-projects/alpha/app', digest: D });
  });

  it('refuses writes, tags, other namespaces, the catalog and malformed names', () => {
    expect(parseRequest('PUT', `/v2/helix-projects/alpha/app/manifests/${D}`)).toMatchObject({ kind: 'refused', status: 405 });
    expect(parseRequest('DELETE', `/v2/helix-projects/alpha/app/blobs/${D}`)).toMatchObject({ kind: 'refused', status: 405 });
    expect(parseRequest('GET', '/v2/helix-projects/alpha/app/manifests/latest')).toMatchObject({ kind: 'refused', code: 'MANIFEST_UNKNOWN' });
    expect(parseRequest('GET', `/v2/library/debian/manifests/${D}`)).toMatchObject({ kind: 'refused', code: 'NAME_UNKNOWN' });
    expect(parseRequest('GET', '/v2/_catalog')).toMatchObject({ kind: 'refused', status: 404 });
    expect(parseRequest('GET', `/v2/helix-projects/../x/blobs/${D}`)).toMatchObject({ kind: 'refused' });
    expect(parseRequest('GET', `/v2/helix-projects/alpha/app/blobs/sha256:${'AB'.repeat(32)}`)).toMatchObject({ kind: 'refused', code: 'DIGEST_INVALID' });
    expect(parseRequest('GET', `/v2/helix-projects/alpha/app/blobs/uploads/`)).toMatchObject({ kind: 'refused' });
  });
});

describe('parseRange', () => {
  it('reads one byte range, open-ended and suffix ones included', () => {
    expect(parseRange(undefined, 10)).toBeUndefined();
    expect(parseRange('bytes=2-5', 10)).toEqual([2, 5]);
    expect(parseRange('bytes=4-', 10)).toEqual([4, 9]);
    expect(parseRange('bytes=-3', 10)).toEqual([7, 9]);
    expect(parseRange('bytes=8-100', 10)).toEqual([8, 9]);
  });

  it('answers null for a range it cannot satisfy', () => {
    expect(parseRange('bytes=10-', 10)).toBeNull();
    expect(parseRange('bytes=5-2', 10)).toBeNull();
    expect(parseRange('bytes=0-1,4-5', 10)).toBeNull();
    expect(parseRange('items=0-1', 10)).toBeNull();
  });
});

describe('projectOfRepository', () => {
  it("names the project whose builder's store serves a repository under project tenancy", () => {
    expect(projectOfRepository('helix-projects/alpha/app')).toBe('alpha');
    expect(projectOfRepository('helix-projects/session.t1/app')).toBe('session.t1');
    expect(projectOfRepository('helix-projects/alpha')).toBe('alpha');
    expect(projectOfRepository('library/debian')).toBeUndefined();
    expect(projectOfRepository('helix-projects/..')).toBeUndefined();
    expect(projectOfRepository('helix-projects')).toBeUndefined();
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { explicitHost, familiarPath, isTagName, parseReference, qualifiedName, qualifiedReference, registryOf, repositoryName, splitForApi } from '../../src/lib/reference.js';

const HEX = 'a'.repeat(32) + 'b'.repeat(32);

describe('parseReference, against the distribution reference package', () => {
  it('normalizes names as ParseNormalizedNamed does', () => {
    const cases: Record<string, string> = {
      'docker/docker': 'docker.io/docker/docker',
      'library/debian': 'docker.io/library/debian',
      debian: 'docker.io/library/debian',
      'docker.io/docker/docker': 'docker.io/docker/docker',
      'docker.io/debian': 'docker.io/library/debian',
      'index.docker.io/docker/docker': 'docker.io/docker/docker',
      'index.docker.io/debian': 'docker.io/library/debian',
      '127.0.0.1:5000/docker/docker': '127.0.0.1:5000/docker/docker',
      '127.0.0.1:5000/debian': '127.0.0.1:5000/debian',
      'localhost/foo': 'localhost/foo',
      'localhost:5000/a/b': 'localhost:5000/a/b',
      'sub-dom1.foo.com/bar/baz/quux': 'sub-dom1.foo.com/bar/baz/quux',
      '[2001:db8::1]:5000/repo': '[2001:db8::1]:5000/repo',
      'UPPERCASEDOMAIN.COM/repo': 'UPPERCASEDOMAIN.COM/repo',
      'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev': 'docker.io/library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev',
    };
    for (const [input, name] of Object.entries(cases)) {
      const r = parseReference(input);
      expect(r && repositoryName(r), input).toBe(name);
    }
  });

  it('reads tags and digests, and the host as docker reads it (not the first colon)', () => {
    expect(parseReference('test:5000/repo:tag')).toEqual({ domain: 'test:5000', path: 'repo', tag: 'tag' });
    expect(parseReference('test.com:tag')).toEqual({ domain: 'docker.io', path: 'library/test.com', tag: 'tag' });
    expect(parseReference('test_com')).toEqual({ domain: 'docker.io', path: 'library/test_com' });
    expect(parseReference('lowercase:Uppercase')).toEqual({ domain: 'docker.io', path: 'library/lowercase', tag: 'Uppercase' });
    expect(parseReference(`repo@sha256:${HEX}`)).toEqual({ domain: 'docker.io', path: 'library/repo', digest: `sha256:${HEX}` });
    expect(parseReference(`reg:5000/a/b:1@sha256:${HEX}`)).toEqual({ domain: 'reg:5000', path: 'a/b', tag: '1', digest: `sha256:${HEX}` });
  });

  it('refuses what docker refuses', () => {
    for (const bad of [
      '',
      ':justtag',
      `@sha256:${HEX}`,
      'https://github.com/docker/docker',
      'docker/Docker',
      'Uppercase:tag',
      'test:5000/Uppercase/lowercase:tag',
      '-docker',
      '-docker/docker',
      'docker///docker',
      'docker.io/docker/Docker',
      'aa/asdf$$^/aa',
      '[fe80::1%eth0]:5000/repo',
      'repo@sha256:ffffffff',
      'validname@invaliddigest:ecc',
      'app:',
      'app:-x',
      'a...b',
      `a:${'x'.repeat(129)}`,
      HEX,
    ]) {
      expect(parseReference(bad), bad).toBeUndefined();
    }
  });

  it('limits the normalized name to 255 characters, as docker counts it', () => {
    expect(parseReference('x'.repeat(237))).toBeDefined();
    // docker.io/library/ makes it 256.
    expect(parseReference('x'.repeat(238))).toBeUndefined();
  });
});

describe('what the wrapper reads of a name', () => {
  it('takes as a tag name what docker build -t takes', () => {
    for (const t of ['app', 'app:1', 'team/app:v1.2-rc_3', 'localhost/app', 'localhost:5000/a/b:c', 'reg.example.com/x', 'a__b/c-d.e', 'REG.io/app', 'REG/app', '[::1]:5000/app:1']) expect(isTagName(t), t).toBe(true);
    for (const t of ['Bad:Tag', 'App', 'team/App', `app@sha256:${HEX}`, '']) expect(isTagName(t), t).toBe(false);
  });

  it('reads the registry a name is on', () => {
    expect(explicitHost('reg.example:5000/a/b:1')).toBe('reg.example:5000');
    expect(explicitHost('localhost/app')).toBe('localhost');
    expect(explicitHost('REG/app')).toBe('REG');
    expect(explicitHost('team/app:1')).toBeUndefined();
    expect(explicitHost('app')).toBeUndefined();
    expect(registryOf('app')).toBe('docker.io');
    expect(registryOf('index.docker.io/x/y')).toBe('docker.io');
    expect(registryOf('localhost:5999/leak:1')).toBe('localhost:5999');
  });

  it('prints the repository as docker does, and qualifies it with :latest where it has no tag', () => {
    expect(familiarPath(parseReference('docker.io/library/app:1')!)).toBe('app');
    expect(familiarPath(parseReference('team/app')!)).toBe('team/app');
    expect(familiarPath(parseReference('reg:5000/library/app')!)).toBe('library/app');
    expect(qualifiedReference(parseReference('app')!)).toBe('docker.io/library/app:latest');
    expect(qualifiedReference(parseReference('app:1')!, false)).toBe('docker.io/library/app:1');
    expect(qualifiedReference(parseReference(`app@sha256:${HEX}`)!)).toBe(`docker.io/library/app@sha256:${HEX}`);
  });

  it('splits a name for the Engine API', () => {
    expect(splitForApi('reg:5000/a/b:1')).toEqual(['reg:5000/a/b', '1']);
    expect(splitForApi('reg:5000/a/b')).toEqual(['reg:5000/a/b', 'latest']);
    expect(splitForApi('app')).toEqual(['app', 'latest']);
    expect(splitForApi(`reg:5000/a@sha256:${HEX}`)).toEqual(['reg:5000/a', `sha256:${HEX}`]);
  });
});

describe('parseReference, property-tested against the grammar', () => {
  const alnum = fc.stringMatching(/^[a-z0-9]{1,6}$/);
  // No '.': a first component with one is a registry host to docker (the examples above cover it).
  const separator = fc.constantFrom('_', '__', '-', '--');
  const component = fc.tuple(alnum, fc.array(fc.tuple(separator, alnum), { maxLength: 2 })).map(([h, rest]) => h + rest.map(([s, a]) => s + a).join(''));
  const path = fc.array(component, { minLength: 1, maxLength: 3 }).map((c) => c.join('/'));
  const host = fc.oneof(
    fc.tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/), fc.stringMatching(/^[a-z]{2,3}$/)).map(([a, b]) => `${a}.${b}`),
    fc.integer({ min: 1, max: 65535 }).map((p) => `localhost:${p}`),
    fc.constant('localhost'),
  );
  const tag = fc.stringMatching(/^[\w][\w.-]{0,20}$/);
  const digest = fc.stringMatching(/^[a-f0-9]{64}$/).map((h) => `sha256:${h}`);

  it('reads back every part of a reference the grammar makes, and its qualified form is a fixed point', () => {
    fc.assert(
      fc.property(fc.option(host, { nil: undefined }), path, fc.option(tag, { nil: undefined }), fc.option(digest, { nil: undefined }), (h, p, t, d) => {
        const s = `${h ? `${h}/` : ''}${p}${t ? `:${t}` : ''}${d ? `@${d}` : ''}`;
        const r = parseReference(s);
        expect(r, s).toBeDefined();
        expect(r?.domain).toBe(h ?? 'docker.io');
        expect(r?.path).toBe(!h && !p.includes('/') ? `library/${p}` : p);
        expect(r?.tag).toBe(t);
        expect(r?.digest).toBe(d);
        expect(parseReference(qualifiedReference(r!))).toEqual({ ...r, ...(t || d ? {} : { tag: 'latest' }) });
        expect(explicitHost(s)).toBe(h);
      }),
    );
  });

  it('never throws, and refuses any name with a capital outside its host or tag', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        const r = parseReference(s);
        if (r) expect(r.path).toBe(r.path.toLowerCase());
      }),
    );
    // A capital in the last component (in the first, with another after it, docker reads a host).
    fc.assert(
      fc.property(path, fc.nat(), (p, n) => {
        const start = p.lastIndexOf('/') + 1;
        const i = start + (n % (p.length - start));
        const changed = p.slice(0, i) + p.charAt(i).toUpperCase() + p.slice(i + 1);
        if (changed !== p) expect(parseReference(changed), changed).toBeUndefined();
      }),
    );
  });
});

describe('qualifiedName, for comparing names (compose)', () => {
  it('normalizes references for comparison', () => {
    expect(qualifiedName('docker.io/library/shop-base')).toBe('docker.io/library/shop-base:latest');
    expect(qualifiedName('shop-base')).toBe(qualifiedName('docker.io/library/shop-base:latest'));
    expect(qualifiedName('reg:5000/a/b')).toBe('reg:5000/a/b:latest');
    expect(qualifiedName('a/b:1')).toBe('docker.io/a/b:1');
  });
});

describe('qualifiedName without a default tag, as metadata files name images', () => {
  it('names a tag as docker normalizes it', () => {
    expect(qualifiedName('app:1', false)).toBe('docker.io/library/app:1');
    expect(qualifiedName('app', false)).toBe('docker.io/library/app');
    expect(qualifiedName('team/app:2', false)).toBe('docker.io/team/app:2');
    expect(qualifiedName('localhost/app', false)).toBe('localhost/app');
    expect(qualifiedName('reg.example:5000/a/b:1', false)).toBe('reg.example:5000/a/b:1');
    expect(qualifiedName('host:5000/app', false)).toBe('host:5000/app');
  });
});

import { describe, expect, it } from 'vitest';
import { registryHost, validTag } from '../../src/wrapper/tag-syntax.js';

describe('validTag', () => {
  it('accepts what docker accepts as a tag', () => {
    for (const t of ['app', 'app:1', 'team/app:v1.2-rc_3', 'localhost/app', 'localhost:5000/a/b:c', 'reg.example.com/x', 'a__b/c-d.e', 'REG.io/app', 'REG/app', '[::1]:5000/app:1']) {
      expect(validTag(t), t).toBe(true);
    }
  });

  it('refuses what docker refuses', () => {
    for (const t of ['Bad:Tag', 'App', 'team/App', 'app:', ':1', 'app:-x', 'a//b', 'app@sha256:abc', '-app', 'app-', 'a...b', `a:${'x'.repeat(129)}`, 'x'.repeat(256), '']) {
      expect(validTag(t), t).toBe(false);
    }
  });
});

describe('registryHost', () => {
  it('reads the registry host from the first component as docker does', () => {
    expect(registryHost('reg.example:5000/a/b:1')).toBe('reg.example:5000');
    expect(registryHost('localhost/app')).toBe('localhost');
    expect(registryHost('REG/app')).toBe('REG');
    expect(registryHost('team/app:1')).toBeUndefined();
    expect(registryHost('app:1')).toBeUndefined();
  });
});

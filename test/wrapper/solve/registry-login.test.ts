import { describe, expect, it } from 'vitest';
import { bearerChallenge } from '../../../src/lib/registry-client.js';
import { registryAuthHeader, sendsLoginTo, withLogin, withoutSessionLogin } from '../../../src/wrapper/solve/registry-login.js';

const cred = { registry: 'helix-registry:5000', username: 'session-s1', password: 'p?>~' };

describe('withLogin', () => {
  it("merges the session's login into config.json as docker login would, keeping everything else", () => {
    const before = JSON.stringify({ auths: { 'ghcr.io': { auth: 'eA==' } }, currentContext: 'x', credHelpers: { 'gcr.io': 'gcloud' } });
    const after = JSON.parse(withLogin(before, cred) as string);
    expect(after).toEqual({
      auths: { 'ghcr.io': { auth: 'eA==' }, 'helix-registry:5000': { auth: Buffer.from('session-s1:p?>~').toString('base64') } },
      currentContext: 'x',
      credHelpers: { 'gcr.io': 'gcloud' },
    });
    expect(withLogin(JSON.stringify(after), cred)).toBeUndefined();
    expect(JSON.parse(withLogin(undefined, cred) as string).auths).toHaveProperty(['helix-registry:5000']);
  });

  it('leaves a config.json that is not a JSON object alone', () => {
    expect(withLogin('{broken', cred)).toBeUndefined();
    expect(withLogin('[1]', cred)).toBeUndefined();
  });
});

describe('registryAuthHeader', () => {
  it("is URL-safe base64 with padding, as the engine decodes it", () => {
    const h = registryAuthHeader(cred);
    expect(h).not.toMatch(/[+/]/);
    expect(JSON.parse(Buffer.from(h.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString())).toEqual({ username: 'session-s1', password: 'p?>~', serveraddress: 'helix-registry:5000' });
    expect(registryAuthHeader(undefined)).toBe(Buffer.from('{}').toString('base64'));
  });
});

describe('bearerChallenge', () => {
  it("reads the registry's WWW-Authenticate", () => {
    expect(bearerChallenge('Bearer realm="http://a:5001/token",service="helix-registry",scope="repository:x:pull"')).toEqual({
      realm: 'http://a:5001/token',
      service: 'helix-registry',
      scope: 'repository:x:pull',
    });
    expect(bearerChallenge('Basic realm="x"')).toBeUndefined();
    expect(bearerChallenge(null)).toBeUndefined();
  });
});

describe('withoutSessionLogin', () => {
  const session = Buffer.from('session-a:pw').toString('base64');
  const mine = Buffer.from('me:pw').toString('base64');
  it("drops the session login a build left for the registry, and nothing else", () => {
    const text = JSON.stringify({ auths: { 'helix-registry:5000': { auth: session }, 'other:5000': { auth: session } }, credsStore: 'x' });
    expect(JSON.parse(withoutSessionLogin(text, 'helix-registry:5000') as string)).toEqual({ auths: { 'other:5000': { auth: session } }, credsStore: 'x' });
  });
  it("keeps a login the user made, and leaves a file that is not JSON alone", () => {
    expect(withoutSessionLogin(JSON.stringify({ auths: { 'helix-registry:5000': { auth: mine } } }), 'helix-registry:5000')).toBeUndefined();
    expect(withoutSessionLogin('{', 'helix-registry:5000')).toBeUndefined();
    expect(withoutSessionLogin(undefined, 'helix-registry:5000')).toBeUndefined();
  });
});

describe('sendsLoginTo', () => {
  it('sends the login to the shared registry and the facade only, by exact host and port', () => {
    const cfg = { registry: 'helix-registry:5000', facade: 'helix-facade:5002' };
    expect(sendsLoginTo(cfg, 'helix-registry:5000')).toBe(true);
    expect(sendsLoginTo(cfg, 'helix-facade:5002')).toBe(true);
    for (const other of ['localhost:5999', 'docker.io', 'helix-registry', 'helix-registry:5001', 'helix-registry:5000.evil.example', 'ghcr.io', '']) expect(sendsLoginTo(cfg, other)).toBe(false);
    expect(sendsLoginTo({ registry: 'helix-registry:5000', facade: '' }, '')).toBe(false);
  });
});

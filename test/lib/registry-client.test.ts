// The registry client over real HTTP: a registry that asks for a token, and a token server that
// checks the login; what the wrapper does before a pull and when it reads a manifest.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerToken, registryFetch } from '../../src/lib/registry-client.js';

let server: Server;
let base = '';
const cred = { registry: 'r', username: 'u', password: 'p' };
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push(`${req.method} ${url.pathname}${url.search}`);
    if (url.pathname === '/token') {
      const ok = req.headers.authorization === `Basic ${Buffer.from('u:p').toString('base64')}`;
      res.writeHead(ok ? 200 : 401, { 'Content-Type': 'application/json' });
      res.end(ok ? JSON.stringify({ token: `t:${url.searchParams.get('scope')}` }) : '{}');
      return;
    }
    if (req.headers.authorization === 'Bearer t:repository:a/b:pull' || (url.pathname === '/v2/' && req.headers.authorization)) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"ok":true}');
      return;
    }
    res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="${base}/token",service="reg",scope="repository:a/b:pull"` });
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(() => {
  server.close();
});

describe('registry client', () => {
  it('follows the token challenge with the login, and asks for the scope the registry names', async () => {
    seen.length = 0;
    const r = await registryFetch(`${base}/v2/a/b/manifests/x`, {}, cred);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('{"ok":true}');
    expect(seen).toEqual(['GET /v2/a/b/manifests/x', 'GET /token?service=reg&scope=repository%3Aa%2Fb%3Apull', 'GET /v2/a/b/manifests/x']);
  });

  it('gives back the refusal when the token server refuses the login', async () => {
    const r = await registryFetch(`${base}/v2/a/b/manifests/x`, {}, { ...cred, password: 'wrong' });
    expect(r.status).toBe(401);
  });

  it('fetches a token for a given scope ahead of a pull', async () => {
    expect(await bearerToken(base.replace('http://', ''), 'repository:c/d:pull', cred)).toBe('t:repository:c/d:pull');
    expect(await bearerToken(base.replace('http://', ''), 'repository:c/d:pull', undefined)).toBeUndefined();
  });
});

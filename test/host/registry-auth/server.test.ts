// The token server over real HTTP, with real keys: what dockerd (GET, Basic) and containerd/BuildKit
// (POST, OAuth2 password grant) ask, and what a stranger sends.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader, importX509, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCredential, revokeCredential, verifyCredential } from '../../../src/host/registry-auth/clients.js';
import { basicCredentials, tokenHandler } from '../../../src/host/registry-auth/server.js';
import { ensureSelfSigned } from '../../../src/host/pki.js';

const dir = mkdtempSync(join(tmpdir(), 'helix-token-'));
const clients = join(dir, 'clients');
let server: Server;
let base = '';
let certPem = '';
let cred = { username: '', password: '' };

beforeAll(async () => {
  const pair = await ensureSelfSigned(dir, 'token', 'test tokens', false);
  certPem = readFileSync(pair.cert, 'utf8');
  cred = await issueCredential(clients, 'session-s1', 'alpha', 1);
  const signer = { issuer: 'helix', service: 'helix-registry', keyPem: readFileSync(pair.key, 'utf8'), certPem };
  server = createServer(tokenHandler({ signer, clientsDir: clients }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const basic = (u: string, p: string) => ({ Authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });

async function access(res: Response): Promise<unknown> {
  const body = (await res.json()) as { token: string; access_token: string };
  expect(body.access_token).toBe(body.token);
  expect(decodeProtectedHeader(body.token).x5c).toHaveLength(1);
  const { payload } = await jwtVerify(body.token, await importX509(certPem, 'ES256'), { issuer: 'helix', audience: 'helix-registry' });
  return payload.access;
}

describe('token server', () => {
  it("signs a session's GET with Basic credentials, narrowed to its project", async () => {
    const res = await fetch(`${base}/token?service=helix-registry&scope=repository:helix-projects/alpha/app:pull,push&scope=repository:helix-projects/beta/app:pull`, { headers: basic(cred.username, cred.password) });
    expect(res.status).toBe(200);
    expect(await access(res)).toEqual([{ type: 'repository', name: 'helix-projects/alpha/app', actions: ['pull', 'push'] }]);
  });

  it('answers the OAuth2 password grant containerd and BuildKit try first', async () => {
    const form = new URLSearchParams({ grant_type: 'password', username: cred.username, password: cred.password, scope: 'repository:helix-projects/alpha/app:push', service: 'helix-registry' });
    const res = await fetch(`${base}/token`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    expect(await access(res)).toEqual([{ type: 'repository', name: 'helix-projects/alpha/app', actions: ['push'] }]);
    expect((await fetch(`${base}/token`, { method: 'POST', body: 'grant_type=refresh_token' })).status).toBe(400);
  });

  it('gives no credentials the mirror to read and nothing else', async () => {
    const res = await fetch(`${base}/token?scope=repository:library/debian:pull,push&scope=repository:helix-projects/alpha/app:pull`);
    expect(await access(res)).toEqual([{ type: 'repository', name: 'library/debian', actions: ['pull'] }]);
  });

  it('refuses a wrong password, an unknown or traversing user, and a revoked or expired credential', async () => {
    const refused = async (u: string, p: string) => (await fetch(`${base}/token?scope=repository:library/debian:pull`, { headers: basic(u, p) })).status;
    expect(await refused(cred.username, 'wrong')).toBe(401);
    expect(await refused('session-nobody', cred.password)).toBe(401);
    expect(await refused('../clients/session-s1', cred.password)).toBe(401);
    const other = await issueCredential(clients, 'session-s2', 'alpha', 1);
    await revokeCredential(clients, 'session-s2');
    expect(await refused(other.username, other.password)).toBe(401);
    const old = await issueCredential(clients, 'session-s3', 'alpha', 1, Date.now() - 2 * 3_600_000);
    expect(await verifyCredential(clients, old.username, old.password)).toBeUndefined();
  });

  it('answers every malformed request and stays up', async () => {
    expect((await fetch(`${base}/other`)).status).toBe(404);
    expect((await fetch(`${base}/token`, { method: 'PUT' })).status).toBe(405);
    expect((await fetch(`${base}/token`, { method: 'POST', body: 'x'.repeat(64 * 1024) }).catch(() => ({ status: 413 }))).status).toBe(413);
    expect((await fetch(`${base}/token?scope=%E0%A4%A`)).status).toBe(200);
    expect((await fetch(`${base}/token`, { headers: { Authorization: 'Basic !!!' } })).status).toBe(200);
    writeFileSync(join(clients, 'session-broken.json'), '{not json');
    expect((await fetch(`${base}/token`, { headers: basic('session-broken', 'x') })).status).toBe(401);
    expect((await fetch(`${base}/token`)).status).toBe(200);
  });

  it('reads Basic credentials whose password holds a colon', () => {
    expect(basicCredentials(`Basic ${Buffer.from('u:p:q').toString('base64')}`)).toEqual(['u', 'p:q']);
    expect(basicCredentials('Bearer x')).toBeUndefined();
  });
});

describe('pki', () => {
  it('makes a key pair once and keeps it', async () => {
    const again = await ensureSelfSigned(dir, 'token', 'other name', false);
    expect(readFileSync(again.cert, 'utf8')).toBe(certPem);
    expect(execFileSync('openssl', ['x509', '-in', again.cert, '-noout', '-subject'], { encoding: 'utf8' })).toMatch(/test tokens/);
  });
});

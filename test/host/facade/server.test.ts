// The facade over real HTTP, a content store laid out as BuildKit's, and real tokens: what dockerd
// and containerd ask when they pull by digest, and what another project or a stranger sends.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facadeHandler } from '../../../src/host/facade/server.js';
import { ensureSelfSigned } from '../../../src/host/pki.js';
import { signToken, tokenVerifier, type TokenSigner } from '../../../src/host/registry-auth/token.js';

const dir = mkdtempSync(join(tmpdir(), 'helix-facade-'));
const content = join(dir, 'content');
let server: Server;
let base = '';
let signer: TokenSigner;

const put = (data: Buffer | string): string => {
  const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
  writeFileSync(join(content, 'blobs', 'sha256', digest.slice(7)), data);
  return digest;
};
const layer = Buffer.from('0123456789'.repeat(1000));
let layerDigest = '';
let manifestDigest = '';
let manifest = '';

beforeAll(async () => {
  mkdirSync(join(content, 'blobs', 'sha256'), { recursive: true });
  const pair = await ensureSelfSigned(dir, 'token', 'test tokens', false);
  signer = { issuer: 'helix', service: 'helix-registry', keyPem: readFileSync(pair.key, 'utf8'), certPem: readFileSync(pair.cert, 'utf8') };
  layerDigest = put(layer);
  manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', layers: [{ digest: layerDigest, size: layer.length }] });
  manifestDigest = put(manifest);
  server = createServer(facadeHandler({ contentDir: () => content, verify: tokenVerifier(signer), realm: 'http://auth/token', service: 'helix-registry' }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const REPO = 'helix-projects/alpha/app';
const bearer = async (name: string, actions = ['pull'], by = signer) => ({ Authorization: `Bearer ${(await signToken(by, 's', [{ type: 'repository', name, actions }])).token}` });

describe('registry facade', () => {
  it('challenges for a token at the API root and for each repository, naming the scope', async () => {
    const root = await fetch(`${base}/v2/`);
    expect(root.status).toBe(401);
    expect(root.headers.get('www-authenticate')).toBe('Bearer realm="http://auth/token",service="helix-registry"');
    const m = await fetch(`${base}/v2/${REPO}/manifests/${manifestDigest}`);
    expect(m.status).toBe(401);
    expect(m.headers.get('www-authenticate')).toContain(`scope="repository:${REPO}:pull"`);
    expect((await fetch(`${base}/v2/`, { headers: await bearer(REPO) })).status).toBe(200);
  });

  it('serves a manifest by digest with its media type and digest, HEAD included', async () => {
    const auth = await bearer(REPO);
    const get = await fetch(`${base}/v2/${REPO}/manifests/${manifestDigest}`, { headers: auth });
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(get.headers.get('docker-content-digest')).toBe(manifestDigest);
    expect(await get.text()).toBe(manifest);
    const head = await fetch(`${base}/v2/${REPO}/manifests/${manifestDigest}`, { method: 'HEAD', headers: auth });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(manifest.length));
  });

  it('serves a blob whole or by range, and refuses a layer asked for as a manifest', async () => {
    const auth = await bearer(REPO);
    const whole = await fetch(`${base}/v2/${REPO}/blobs/${layerDigest}`, { headers: auth });
    expect(Buffer.from(await whole.arrayBuffer()).equals(layer)).toBe(true);
    const part = await fetch(`${base}/v2/${REPO}/blobs/${layerDigest}`, { headers: { ...auth, Range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 10-19/${layer.length}`);
    expect(await part.text()).toBe('0123456789');
    expect((await fetch(`${base}/v2/${REPO}/blobs/${layerDigest}`, { headers: { ...auth, Range: `bytes=${layer.length}-` } })).status).toBe(416);
    expect((await fetch(`${base}/v2/${REPO}/manifests/${layerDigest}`, { headers: auth })).status).toBe(404);
  });

  it("refuses another project's token, a forged one and an expired one, and says unknown for what it lacks", async () => {
    expect((await fetch(`${base}/v2/${REPO}/blobs/${layerDigest}`, { headers: await bearer('helix-projects/beta/app') })).status).toBe(401);
    const pair = await ensureSelfSigned(join(dir, 'other'), 'token', 'forger', false);
    const forger = { ...signer, keyPem: readFileSync(pair.key, 'utf8'), certPem: readFileSync(pair.cert, 'utf8') };
    expect((await fetch(`${base}/v2/${REPO}/blobs/${layerDigest}`, { headers: await bearer(REPO, ['pull'], forger) })).status).toBe(401);
    const expired = (await signToken(signer, 's', [{ type: 'repository', name: REPO, actions: ['pull'] }], -60)).token;
    expect((await fetch(`${base}/v2/${REPO}/blobs/${layerDigest}`, { headers: { Authorization: `Bearer ${expired}` } })).status).toBe(401);
    const missing = await fetch(`${base}/v2/${REPO}/blobs/sha256:${'0'.repeat(64)}`, { headers: await bearer(REPO) });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ errors: [{ code: 'BLOB_UNKNOWN' }] });
  });

  it('takes no writes', async () => {
    const res = await fetch(`${base}/v2/${REPO}/blobs/uploads/`, { method: 'POST', headers: await bearer(REPO, ['pull', 'push']) });
    expect(res.status).toBe(405);
  });
});

import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createSecureServer, createServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSelfSigned, issueLeaf } from '../../src/host/pki.js';
import { loadConfig } from '../../src/lib/config.js';
import { buildkitAccess, credentialsExpiredAt } from '../../src/lib/reach.js';

describe('credentialsExpiredAt', () => {
  it("tells when the container's client certificate expired, and nothing while it is valid or absent", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'helix-creds-'));
    const cfg = loadConfig({ HELIX_CREDENTIALS_DIR: dir });
    expect(credentialsExpiredAt(cfg)).toBeUndefined();
    const pair = await ensureSelfSigned(dir, 'made', 'session-x', false);
    copyFileSync(pair.cert, join(dir, 'client.pem'));
    expect(credentialsExpiredAt(cfg)).toBeUndefined();
    const later = Date.now() + 20 * 365 * 86_400_000;
    expect(credentialsExpiredAt(cfg, later)).toMatch(/^\d{4}-\d\d-\d\dT/);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('buildkitAccess', () => {
  const dir = mkdtempSync(join(tmpdir(), 'helix-access-'));
  const creds = join(dir, 'creds');
  const servers: Array<{ close(): void }> = [];
  afterAll(() => {
    for (const s of servers) s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  /** An HTTP/2 server on a free loopback port, as BuildKit's gRPC one answers; TLS with client certificates when given. */
  async function h2(tls?: { key: Buffer; cert: Buffer; ca: Buffer }): Promise<number> {
    const s = tls ? createSecureServer({ ...tls, requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] }) : createServer();
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return (s.address() as AddressInfo).port;
  }
  const cfgFor = (port: number) => loadConfig({ BUILDKIT_HOST: `tcp://localhost:${port}`, HELIX_CREDENTIALS_DIR: creds });
  let ca: Awaited<ReturnType<typeof ensureSelfSigned>>;
  let tlsPort = 0;

  beforeAll(async () => {
    ca = await ensureSelfSigned(join(dir, 'pki'), 'ca', 'test CA', true);
    const server = await issueLeaf(ca, join(dir, 'pki'), 'server', { cn: 'localhost', dns: ['localhost'], usage: 'serverAuth', days: 1 });
    tlsPort = await h2({ key: readFileSync(server.key), cert: readFileSync(server.cert), ca: readFileSync(ca.cert) });
  });

  it('uses a BuildKit without TLS with no certificate at all', async () => {
    expect(await buildkitAccess(cfgFor(await h2()), false)).toEqual({ ok: true });
  });

  it('says at once that a BuildKit requiring TLS needs a certificate this container lacks, and what to do', async () => {
    const started = Date.now();
    const a = await buildkitAccess(cfgFor(tlsPort), false, 5000);
    expect(a).toMatchObject({ ok: false, kind: 'no-certificate', fix: expect.stringContaining('helix credentials issue') });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('tells an unreachable BuildKit apart', async () => {
    const free = await h2();
    servers.pop()?.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(await buildkitAccess(cfgFor(free), false)).toMatchObject({ ok: false, kind: 'unreachable' });
  });

  it("completes the handshake with the container's certificate, and names one the server refuses", async () => {
    mkdirSync(creds, { recursive: true });
    const client = await issueLeaf(ca, join(dir, 'pki'), 'client', { cn: 'session-x', dns: ['session-x'], usage: 'clientAuth', days: 1 });
    copyFileSync(ca.cert, join(creds, 'ca.pem'));
    copyFileSync(client.cert, join(creds, 'client.pem'));
    copyFileSync(client.key, join(creds, 'client.key'));
    expect(await buildkitAccess(cfgFor(tlsPort), true)).toEqual({ ok: true });
    expect(await buildkitAccess(cfgFor(tlsPort), false)).toEqual({ ok: true });
    const other = await ensureSelfSigned(join(dir, 'other'), 'ca', 'another CA', true);
    const stranger = await issueLeaf(other, join(dir, 'other'), 'client', { cn: 'session-y', dns: ['session-y'], usage: 'clientAuth', days: 1 });
    copyFileSync(stranger.cert, join(creds, 'client.pem'));
    copyFileSync(stranger.key, join(creds, 'client.key'));
    expect(await buildkitAccess(cfgFor(tlsPort), true)).toMatchObject({ ok: false, kind: 'refused' });
  });
});

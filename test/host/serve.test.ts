// The trigger endpoint under malformed and hostile requests: each is answered, none ends the process.
// A real server on loopback over a temporary state directory (no build starts: the one known
// project's startup script does not exist, and no trigger here carries the token).
import type { Server } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine } from '../../src/host/engine.js';
import { GoldenBuilder } from '../../src/host/golden-build.js';
import { GoldenStore } from '../../src/host/golden-store.js';
import { loadHostConfig } from '../../src/host/host-config.js';
import { connect } from 'node:net';
import { projectOfPath, serveToken, serveTriggers } from '../../src/host/serve.js';
import { createLogger } from '../../src/lib/log.js';

const state = mkdtempSync(join(tmpdir(), 'helix-serve-'));
let server: Server;
let port: number;
let token: string;

beforeAll(async () => {
  mkdirSync(join(state, 'projects'));
  writeFileSync(join(state, 'projects', 'known.json'), JSON.stringify({ startupScript: '/nonexistent.sh' }));
  const deps = { engine: connectEngine(), cfg: loadHostConfig({ HELIX_HOST_STATE_DIR: state }), log: createLogger({ name: 'test', human: false }) };
  token = await serveToken(join(state, 'serve.token'));
  server = await serveTriggers(new GoldenBuilder(deps, new GoldenStore(join(state, 'goldens'))), deps.log, 0, { token, maxBuilds: 1 });
  port = (server.address() as { port: number }).port;
});

afterAll(() => {
  server.close();
  rmSync(state, { recursive: true, force: true });
});

/** A raw request, so that malformed paths reach the server as they are sent. */
function send(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { authorization: `Bearer ${token}`, ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? resolve(0) : reject(err)));
    req.end(body);
  });
}

/** Bytes straight onto a socket: what no HTTP client would send. Resolves with the status line, if any. */
function raw(bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d) => (got += d.toString()));
    s.on('close', () => resolve(got.split('\r\n')[0] ?? ''));
    s.on('error', () => resolve(got));
    s.end(bytes);
  });
}

describe('serve', () => {
  it('answers malformed and hostile requests with 400, 404 or 405, and stays up', async () => {
    const cases: Array<[string, string, number]> = [
      ['GET', '/projects/%E0%A4%A/golden-build', 400],
      ['POST', '/projects/%E0%A4%A/golden-build', 400],
      ['POST', '/projects/..%2F..%2Fgoldens/golden-build', 400],
      ['POST', '/projects/%2E%2E/golden-build', 400],
      ['POST', '/projects/UPPER/golden-build', 400],
      ['POST', `/projects/${'a'.repeat(200)}/golden-build`, 400],
      ['POST', '/projects/nosuch/golden-build', 404],
      ['GET', '/projects/nosuch/golden-build', 404],
      ['POST', '/nope', 404],
      ['PUT', '/projects/known/golden-build', 405],
      ['DELETE', '/projects/known/golden-build', 405],
    ];
    for (const [method, path, status] of cases) expect(await send(method, path), `${method} ${path}`).toBe(status);
    expect(await send('GET', '/projects/known/golden-build')).toBe(200);
  });

  it('answers 50 hostile requests (no or a wrong token, foreign Host or Origin, huge bodies, garbage bytes) and stays up', async () => {
    const known = '/projects/known/golden-build';
    const statuses: Array<[string, Promise<number>, number]> = [];
    for (let i = 0; i < 5; i++) {
      statuses.push(
        ['no token', send('POST', known, { authorization: '' }), 401],
        ['wrong token', send('POST', known, { authorization: 'Bearer wrong' }), 401],
        ['token of another scheme', send('POST', known, { authorization: `Basic ${token}` }), 401],
        ['foreign Host (DNS rebinding)', send('POST', known, { host: 'evil.example:80', authorization: `Bearer ${token}` }), 403],
        ['cross-site Origin', send('POST', known, { origin: 'http://evil.example', authorization: `Bearer ${token}` }), 403],
        ['declared huge body', send('POST', known, { 'content-length': String(10 * 1024 * 1024) }), 413],
        // With the token, to a project that does not exist: the body bound comes before anything else.
        ['streamed huge body', send('POST', '/projects/nosuch/golden-build', { 'transfer-encoding': 'chunked' }, 'x'.repeat(200 * 1024)), 413],
        ['traversal with the token', send('POST', '/projects/..%2Fx/golden-build', { authorization: `Bearer ${token}` }), 400],
      );
    }
    const answered = await Promise.all(statuses.map(async ([what, p, want]) => [what, await p, want] as const));
    for (const [what, got, want] of answered) expect([want, 0], what).toContain(got);
    expect(answered.filter(([, got]) => got !== 0).length).toBeGreaterThanOrEqual(35);
    const garbage = await Promise.all(['GARBAGE\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', `GET /${'a'.repeat(100_000)} HTTP/1.1\r\n\r\n`, '\x00\x01\x02\r\n', 'POST /projects/known/golden-build HTTP/1.1\r\nContent-Length: -1\r\n\r\n'].flatMap((b) => [raw(b), raw(b)]));
    expect(garbage).toHaveLength(10);
    // Still up, and a GET with nothing hostile about it still works.
    expect(await send('GET', known)).toBe(200);
  });

  it('makes its token once, 0600, and keeps it', async () => {
    const file = join(state, 'serve.token');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await serveToken(file)).toBe(token);
  });

  it('reads the project from the path by one rule', () => {
    expect(projectOfPath('/projects/p1/golden-build')).toEqual({ project: 'p1' });
    expect(projectOfPath('/projects/p1/golden-build?x=1')).toMatchObject({ status: 404 });
  });
});

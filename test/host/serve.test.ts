// The trigger endpoint under malformed and hostile requests: each is answered, none ends the process.
// A real server on loopback over a temporary state directory (no build starts: no project there
// is valid to build).
import type { Server } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine } from '../../src/host/engine.js';
import { GoldenBuilder } from '../../src/host/golden-build.js';
import { GoldenStore } from '../../src/host/golden-store.js';
import { loadHostConfig } from '../../src/host/host-config.js';
import { projectOfPath, serveTriggers } from '../../src/host/serve.js';
import { createLogger } from '../../src/lib/log.js';

const state = mkdtempSync(join(tmpdir(), 'helix-serve-'));
let server: Server;
let port: number;

beforeAll(async () => {
  mkdirSync(join(state, 'projects'));
  writeFileSync(join(state, 'projects', 'known.json'), JSON.stringify({ startupScript: '/nonexistent.sh' }));
  const deps = { engine: connectEngine(), cfg: loadHostConfig({ HELIX_HOST_STATE_DIR: state }), log: createLogger({ name: 'test', human: false }) };
  server = await serveTriggers(new GoldenBuilder(deps, new GoldenStore(join(state, 'goldens'))), deps.log, 0);
  port = (server.address() as { port: number }).port;
});

afterAll(() => {
  server.close();
  rmSync(state, { recursive: true, force: true });
});

/** A raw request, so that malformed paths reach the server as they are sent. */
function send(method: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
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

  it('reads the project from the path by one rule', () => {
    expect(projectOfPath('/projects/p1/golden-build')).toEqual({ project: 'p1' });
    expect(projectOfPath('/projects/p1/golden-build?x=1')).toMatchObject({ status: 404 });
  });
});

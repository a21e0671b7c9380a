import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineApi, importedId } from '../../../src/wrapper/land/daemon.js';

// The engine's pull answer as it streams over its socket: what the wrapper reads of it, chunk by chunk.
const servers: Server[] = [];
const dirs: string[] = [];

function engine(status: number, chunks: string[]): Promise<EngineApi> {
  const dir = mkdtempSync(join(tmpdir(), 'helix-daemon-'));
  dirs.push(dir);
  const socket = join(dir, 'docker.sock');
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(status, { 'Content-Type': 'application/json' });
    const next = (i: number) => {
      if (i === chunks.length) return res.end();
      res.write(chunks[i]);
      setTimeout(() => next(i + 1), 5);
    };
    next(0);
  });
  servers.push(server);
  return new Promise((resolve) => server.listen(socket, () => resolve(new EngineApi(socket, () => 'e30='))));
}

afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ref = 'helix-facade:5002/p/app@sha256:' + 'a'.repeat(64);

describe('EngineApi.pull', () => {
  it('reads each event as it comes, a line split between chunks and a last line with no newline included', async () => {
    const api = await engine(200, [
      '{"status":"Pulling fs layer","id":"0123456789ab"}\n{"status":"Download com',
      'plete","id":"0123456789ab"}\n',
      '{"status":"Pull complete","id":"0123456789ab"}',
    ]);
    const events = await api.pull(ref);
    expect(events.map((e) => e.status)).toEqual(['Pulling fs layer', 'Download complete', 'Pull complete']);
    const at = events.map((e) => e.at as number);
    expect(at.every((t) => Number.isFinite(t))).toBe(true);
    expect(at[1]).toBeGreaterThan(at[0] as number);
  });

  it('fails with the daemon message a stream reports, and on progress it cannot read', async () => {
    const failed = await engine(200, ['{"status":"Pulling fs layer","id":"0123456789ab"}\n', '{"errorDetail":{"message":"manifest unknown"},"error":"manifest unknown"}\n']);
    await expect(failed.pull(ref)).rejects.toThrow(/failed: manifest unknown$/);
    const garbled = await engine(200, ['not json\n']);
    await expect(garbled.pull(ref)).rejects.toThrow(/unreadable progress: not json/);
  });

  it('fails with the message of an answer that is not 200', async () => {
    const api = await engine(404, ['{"message":"pull access denied"}\n']);
    await expect(api.pull(ref)).rejects.toThrow(/failed: pull access denied$/);
  });
});

describe('import of an empty image', () => {
  const id = `sha256:${'a'.repeat(64)}`;

  it('reads the new id from the last line of the answer', () => {
    expect(importedId(`{"status":"Importing","progressDetail":{}}\r\n{"status":"${id}"}\r\n`)).toBe(id);
  });

  it('reads no id from an answer with an error or without one', () => {
    expect(importedId(`{"status":"${id}"}\n{"errorDetail":{"message":"no space left on device"},"error":"no space left on device"}\n`)).toBeUndefined();
    expect(importedId('{"status":"Importing"}\n')).toBeUndefined();
    expect(importedId('not json')).toBeUndefined();
  });

  it('sends the archive and returns the id the engine gives', async () => {
    const api = await engine(200, [`{"status":"${id}"}\r\n`]);
    expect(await api.importEmpty()).toBe(id);
  });
});

// Against the real stack: a build in one session makes the same build in a brand-new session (empty
// data-root) hit the shared cache, proven from BuildKit's own output; a rebuild skips the load.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/lib/log.js';
import { connectEngine } from '../../src/host/engine.js';
import { loadHostConfig } from '../../src/host/host-config.js';
import { sandboxUp, type SandboxDeps } from '../../src/host/sandbox.js';
import { buildInSession } from './session-build.js';
import { execInSession, removeSession, startSession } from '../../src/host/session.js';

const d: SandboxDeps = { engine: connectEngine(), cfg: loadHostConfig(), log: createLogger({ name: 'test', human: false }) };
const run = `it${process.pid}`;
const ids = [`${run}-a`, `${run}-b`];
const ctx = mkdtempSync(join(tmpdir(), 'helix-ctx-'));
const binds = [`${ctx}:/work/ctx:ro`];
const TAG = 'it/cross-session:latest';

beforeAll(async () => {
  // A nonce makes the first build cold whatever earlier runs left in the shared cache.
  writeFileSync(join(ctx, 'Dockerfile'), `FROM debian:trixie\nRUN echo ${run}-${Date.now()} > /nonce\nCOPY file.txt /file.txt\nRUN cat /nonce /file.txt > /out\n`);
  writeFileSync(join(ctx, 'file.txt'), 'payload\n');
  await sandboxUp(d);
});

afterAll(async () => {
  for (const id of ids) await removeSession(d.engine, d.cfg, id);
  rmSync(ctx, { recursive: true, force: true });
});

describe('shared BuildKit across sessions', () => {
  it('serves every step of a new session build from the cache another session filled', async () => {
    const [a, b] = ids as [string, string];
    await startSession(d.engine, d.cfg, { id: a, binds });
    const cold = await buildInSession(d.engine, a, '/work/ctx', TAG);
    expect(cold.exitCode, cold.stderr).toBe(0);
    expect(cold.report.steps).toHaveLength(3);
    expect(cold.report.cached).toEqual([]);
    await removeSession(d.engine, d.cfg, a);

    await startSession(d.engine, d.cfg, { id: b, binds });
    const empty = await execInSession(d.engine, b, 'docker images -q | wc -l');
    expect(empty.stdout.trim()).toBe('0');
    const warm = await buildInSession(d.engine, b, '/work/ctx', TAG);
    expect(warm.exitCode, warm.stderr).toBe(0);
    expect(warm.report.cached).toEqual(warm.report.steps);
    expect(warm.report.steps).toHaveLength(3);
    expect(warm.status).toMatch(/changed, pulled by digest from helix-shared's store/);
    const out = await execInSession(d.engine, b, `docker run --rm ${TAG} cat /file.txt`);
    expect(out.stdout).toBe('payload\n');

    const again = await buildInSession(d.engine, b, '/work/ctx', TAG);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.status).toMatch(/unchanged on helix-shared, load skipped/);
  });
});

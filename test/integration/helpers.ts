// Shared by the integration tests: the real sandbox, sessions that clean up after themselves, and
// build contexts in temporary host directories bound into sessions.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createLogger } from '../../src/lib/log.js';
import { connectEngine } from '../../src/host/engine.js';
import { loadHostConfig } from '../../src/host/host-config.js';
import type { SandboxDeps } from '../../src/host/sandbox.js';
import { execInSession, removeSession, sessionFile, startSession, type SessionSpec } from '../../src/host/session.js';

export const deps: SandboxDeps = { engine: connectEngine(), cfg: loadHostConfig(), log: createLogger({ name: 'test', human: false }) };

const started: string[] = [];
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(started.map((id) => removeSession(deps.engine, deps.cfg, id)));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let n = 0;
/** A session with a unique id, removed after the file's tests; under another host config if given. */
export async function session(name: string, spec: Omit<SessionSpec, 'id'> = {}, cfg = deps.cfg): Promise<string> {
  const id = `t${process.pid}-${name}-${n++}`;
  started.push(id);
  await startSession(deps.engine, cfg, { id, ...spec });
  return id;
}

/** A build context on the host: file name → content. */
export function context(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'helix-ctx-'));
  // Readable by the desktop user too, as a checkout in a home directory would be.
  chmodSync(dir, 0o755);
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

/** An empty directory on the host state dir's filesystem, where data-roots can be moved (renamed) to. */
export function stateScratch(): string {
  mkdirSync(join(deps.cfg.stateDir, 'scratch'), { recursive: true });
  const dir = mkdtempSync(join(deps.cfg.stateDir, 'scratch', 't-'));
  dirs.push(dir);
  return dir;
}

/** Runs a script in the session's login shell. */
export async function sh(id: string, script: string): Promise<{ code: number; out: string; err: string; status?: string }> {
  const r = await execInSession(deps.engine, id, script);
  const status = r.stderr.split('\n').filter((l) => l.startsWith('helix: ')).pop();
  return { code: r.exitCode, out: r.stdout, err: r.stderr, status };
}

/** A nonce, so a test's first build is cold whatever earlier runs left in the shared cache. */
export const nonce = () => `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

/** A session's last build event: the manifest the shared builder exported, and where it was kept or pushed. */
export function lastBuild(id: string): { manifest: string; kept?: string; transfer?: string } {
  const events = readFileSync(sessionFile(deps.cfg, id, 'events'), 'utf8').trim().split('\n');
  return JSON.parse(events.at(-1) as string) as { manifest: string; kept?: string; transfer?: string };
}

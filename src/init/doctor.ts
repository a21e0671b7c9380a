// `helix-init doctor`: checks what a working desktop needs and says what to fix.
import { access, constants, readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { readCredential, registryFetch } from '../lib/registry-client.js';
import { readIfExists } from '../lib/atomic-write.js';
import { buildkitAccess } from '../lib/reach.js';
import type { ToolkitConfig } from '../lib/config.js';
import { docker } from './docker.js';
import type { InitPaths } from './context.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

async function firstOnPath(cmd: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, cmd);
    if (await access(p, constants.X_OK).then(() => true, () => false)) return p;
  }
  return undefined;
}

export async function runChecks(cfg: ToolkitConfig, paths: InitPaths): Promise<Check[]> {
  const checks: Check[] = [];
  const v = await docker(cfg, ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 10_000 }).catch(() => undefined);
  checks.push(v?.exitCode === 0 ? { name: 'dockerd', ok: true, detail: `answers (${v.stdout.trim()})` } : { name: 'dockerd', ok: false, detail: 'does not answer', fix: `see ${paths.dockerdLog}; restart the desktop` });

  // What the wrapper decides by before each build, with a full TLS handshake as well.
  const registered = (await readIfExists(join(cfg.buildxTemplate, 'instances', cfg.builderName))) !== undefined;
  const access = await buildkitAccess(cfg, true, 5000);
  checks.push(
    !access.ok
      ? { name: 'builder', ok: false, detail: `shared BuildKit at ${cfg.buildkitHost} ${access.problem}; builds use the local builder`, fix: access.fix }
      : registered
        ? { name: 'builder', ok: true, detail: `${cfg.builderName} reaches ${cfg.buildkitHost}` }
        : { name: 'builder', ok: false, detail: `${cfg.builderName} is not registered in ${cfg.buildxTemplate}`, fix: 're-run helix-init (restart the desktop)' },
  );

  // Through the token challenge with this container's login: 200 means it answers and takes the login.
  const reg = await registryFetch(`http://${cfg.registry}/v2/`, {}, readCredential(cfg)).then((r) => r.status, () => 0);
  checks.push(
    reg === 200
      ? { name: 'registry', ok: true, detail: `${cfg.registry} answers` }
      : reg === 401
        ? { name: 'registry', ok: false, detail: `${cfg.registry} refuses this container's login`, fix: `the host issues it at session start into ${cfg.credentialsDir}: restart the session` }
        : { name: 'registry', ok: false, detail: `${cfg.registry} does not answer`, fix: 'changed images will load as tarballs until the shared registry is back' },
  );

  const envFile = (await readIfExists(paths.environmentFile)) ?? '';
  const inFile = envFile.split('\n').includes(`BUILDX_BUILDER=${cfg.builderName}`);
  const inShell = process.env.BUILDX_BUILDER === cfg.builderName;
  checks.push(
    inFile && inShell
      ? { name: 'env', ok: true, detail: `BUILDX_BUILDER=${cfg.builderName} in ${paths.environmentFile} and this shell` }
      : { name: 'env', ok: false, detail: `BUILDX_BUILDER is ${inShell ? 'set here' : 'not set here'}, ${inFile ? 'in' : 'missing from'} ${paths.environmentFile}`, fix: 'start a new login shell, or re-run helix-init' },
  );

  const onPath = await firstOnPath('docker');
  const isWrapper = onPath ? (await readFile(onPath, 'utf8').catch(() => '')).includes('helix docker wrapper') : false;
  checks.push(
    isWrapper
      ? { name: 'wrapper', ok: true, detail: `${onPath} is the helix wrapper` }
      : { name: 'wrapper', ok: false, detail: `docker on PATH is ${onPath ?? 'missing'}`, fix: `put ${paths.wrapperPath}'s directory ahead of the real docker on PATH` },
  );
  return checks;
}

export function renderChecks(checks: readonly Check[]): string {
  return checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(8)} ${c.detail}${c.fix ? `\n     fix: ${c.fix}` : ''}`).join('\n');
}

// Registers the shared BuildKit as a buildx `remote` builder under a stable DNS name, replacing an
// existing one whose endpoint changed, gives it to every user's own buildx dir, and checks it answers. It needs no dockerd, so it runs while
// dockerd starts. Every buildx call costs ~0.5 s of CPU, and sessions booting together share the
// cores: the stored builder is read from buildx's instance file and BuildKit is asked directly, so a
// boot needs at most one buildx call (the create) and none on a restart.
import { chmod, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readIfExists } from '../../lib/atomic-write.js';
import { buildkitAccess, directAddress } from '../../lib/reach.js';
import { CREDENTIAL_FILES } from '../../lib/session-contract.js';
import { docker } from '../docker.js';
import type { Step } from '../context.js';
import { buildxUsers, seedUserBuilders } from '../user-buildx.js';

/** The template is read by every user: the wrapper's shim copies from it into dirs init did not seed. */
async function shareTemplate(dir: string): Promise<void> {
  const instances = join(dir, 'instances');
  await chmod(dir, 0o755);
  await chmod(instances, 0o755);
  for (const f of await readdir(instances)) await chmod(join(instances, f), 0o644);
}

/** The endpoint buildx has for a builder, read from `docker buildx inspect`. */
export function endpointOf(inspectOutput: string): string | undefined {
  return /^\s*Endpoint:\s*(\S+)/m.exec(inspectOutput)?.[1];
}

/**
 * What buildx's instance file says of a builder: absent, its single node's endpoint, or `unknown`
 * when the file is not in the shape this version knows (then buildx itself is asked).
 */
export function storedBuilder(
  fileText: string | undefined,
): { kind: 'absent' } | { kind: 'endpoint'; endpoint: string; driverOpts: Record<string, string> } | { kind: 'unknown' } {
  if (fileText === undefined) return { kind: 'absent' };
  try {
    const ng = JSON.parse(fileText) as { Driver?: unknown; Nodes?: Array<{ Endpoint?: unknown; DriverOpts?: Record<string, string> | null }> };
    const node = ng.Nodes?.length === 1 ? ng.Nodes[0] : undefined;
    const endpoint = node?.Endpoint;
    if (ng.Driver === 'remote' && typeof endpoint === 'string') return { kind: 'endpoint', endpoint, driverOpts: node?.DriverOpts ?? {} };
  } catch {
    // not JSON: fall through
  }
  return { kind: 'unknown' };
}

/** The remote driver's TLS options, when the host gave this container a client certificate. */
export async function tlsDriverOpts(dir: string): Promise<Record<string, string>> {
  const have = await readdir(dir).catch(() => [] as string[]);
  if (![CREDENTIAL_FILES.ca, CREDENTIAL_FILES.cert, CREDENTIAL_FILES.key].every((f) => have.includes(f))) return {};
  return { cacert: join(dir, CREDENTIAL_FILES.ca), cert: join(dir, CREDENTIAL_FILES.cert), key: join(dir, CREDENTIAL_FILES.key) };
}

const sameOpts = (a: Record<string, string>, b: Record<string, string>) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

export const registerBuilder: Step = {
  name: 'builder',
  async run({ cfg, paths, log }) {
    const name = cfg.builderName;
    await mkdir(cfg.buildxTemplate, { recursive: true });
    const opts = await tlsDriverOpts(cfg.credentialsDir);
    const stored = storedBuilder(await readIfExists(join(cfg.buildxTemplate, 'instances', name)));
    let endpoint = stored.kind === 'endpoint' ? stored.endpoint : undefined;
    if (stored.kind === 'unknown') {
      const existing = await docker(cfg, ['buildx', 'inspect', name]);
      // '' for a builder that exists with no endpoint buildx shows: it is replaced like a changed one.
      endpoint = existing.exitCode === 0 ? (endpointOf(existing.stdout) ?? '') : undefined;
    }
    const current = endpoint === cfg.buildkitHost && (stored.kind !== 'endpoint' || sameOpts(stored.driverOpts, opts));
    if (!current) {
      if (endpoint !== undefined) await docker(cfg, ['buildx', 'rm', name]);
      const driverOpt = Object.entries(opts).map(([k, v]) => `${k}=${v}`).join(',');
      const created = await docker(cfg, ['buildx', 'create', '--name', name, '--driver', 'remote', ...(driverOpt ? ['--driver-opt', driverOpt] : []), cfg.buildkitHost]);
      if (created.exitCode !== 0) {
        log.warn(`cannot register builder ${name} at ${cfg.buildkitHost}: ${created.stderr.trim().split('\n').pop()}; builds stay local`);
        return;
      }
      log.info(`builder ${name} registered at ${cfg.buildkitHost}${driverOpt ? ' with a client certificate' : ''}${endpoint ? ` (was ${endpoint})` : ''}`);
    }
    await shareTemplate(cfg.buildxTemplate);
    const seeded = await seedUserBuilders(cfg.buildxTemplate, buildxUsers((await readIfExists(paths.passwdFile)) ?? '', (await readIfExists(paths.groupFile)) ?? ''));
    if (seeded.length) log.info(`builder ${name} given to ${seeded.join(', ')} in their own buildx dirs`);
    // Bounded: an unreachable shared BuildKit must not stop the desktop booting.
    const access = directAddress(cfg.buildkitHost)
      ? await buildkitAccess(cfg, true, 20_000)
      : (await docker(cfg, ['buildx', 'inspect', '--bootstrap', name], { timeoutMs: 20_000 }).catch(() => undefined))?.exitCode === 0
        ? ({ ok: true } as const)
        : ({ ok: false, problem: 'does not answer', fix: 'check that it runs' } as const);
    if (!access.ok) {
      log.warn(`shared BuildKit at ${cfg.buildkitHost} ${access.problem}; builds use the local builder until it can be used (${access.fix})`);
      return;
    }
    log.info(`shared BuildKit at ${cfg.buildkitHost} answers`);
  },
};

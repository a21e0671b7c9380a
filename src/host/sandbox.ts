// The shared services of one sandbox host: a network with stable DNS names, helix-registry and
// helix-buildkit on named volumes. `up` reconciles to that state and restarts nothing that is healthy.
import { mkdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { readIfExists, writeFileAtomic } from '../lib/atomic-write.js';
import { HelixError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { containerInfo, engineError, ensureNetwork, ensureVolume, execIn, imageExists, type Engine } from './engine.js';
import { renderBuildkitdToml, type HostConfig } from './host-config.js';
import { buildkitAnswers, buildkitContainerSpec } from './buildkit-container.js';

export interface SandboxDeps {
  engine: Engine;
  cfg: HostConfig;
  log: Logger;
}

const LABELS = { 'helix.managed': 'true' };

async function ensureContainer(d: SandboxDeps, name: string, create: () => Promise<unknown>): Promise<'created' | 'started' | 'running'> {
  const info = await containerInfo(d.engine, name);
  if (info?.State.Running) return 'running';
  if (!info) {
    try {
      await create();
    } catch (err) {
      throw engineError(`creating ${name}`, err);
    }
  }
  try {
    await d.engine.getContainer(name).start();
  } catch (err) {
    // Leave nothing half-created behind: a re-run must start from a clean slate.
    if (!info) await d.engine.getContainer(name).remove({ force: true, v: true }).catch(() => undefined);
    const e = engineError(`starting ${name}`, err);
    if (/address already in use|port is already allocated/.test(e.message)) {
      throw new HelixError('CONFLICT', e.message, 'a port it publishes is taken: free it or set HELIX_REGISTRY_HOST_PORT', { cause: err });
    }
    throw e;
  }
  return info ? 'started' : 'created';
}

async function requireImage(engine: Engine, ref: string): Promise<void> {
  if (!(await imageExists(engine, ref))) {
    throw new HelixError('NOT_FOUND', `image ${ref} is not present on this host`, 'run `npm run setup` to build the local images');
  }
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, intervalMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    // Transient failures (a container still starting) are retried; our own errors end the wait.
    const ok = await check().catch((err: unknown) => {
      if (err instanceof HelixError) throw err;
      return false;
    });
    if (ok) return;
    await sleep(intervalMs);
  }
  throw new HelixError('NOT_READY', `${what} did not become ready within ${timeoutMs / 1000}s`);
}

export function registryUrl(cfg: HostConfig): string {
  return `http://127.0.0.1:${cfg.registry.hostPort}`;
}

/** BuildKit answers a real API call (not merely a running container). */
export function buildkitHealthy(d: SandboxDeps): Promise<boolean> {
  return buildkitAnswers(d.engine, d.cfg.buildkit.name, d.cfg.buildkit.port);
}

export async function registryHealthy(cfg: HostConfig): Promise<boolean> {
  const res = await fetch(`${registryUrl(cfg)}/v2/`, { signal: AbortSignal.timeout(2000) });
  return res.status === 200;
}

async function ensureRegistry(d: SandboxDeps): Promise<string> {
  const { cfg, engine } = d;
  await requireImage(engine, cfg.registry.image);
  await ensureVolume(engine, cfg.registry.volume);
  const state = await ensureContainer(d, cfg.registry.name, () =>
    engine.createContainer({
      name: cfg.registry.name,
      Image: cfg.registry.image,
      Labels: { ...LABELS, 'helix.role': 'registry' },
      ExposedPorts: { [`${cfg.registry.port}/tcp`]: {} },
      HostConfig: {
        NetworkMode: cfg.network,
        RestartPolicy: { Name: 'unless-stopped' },
        Binds: [`${cfg.registry.volume}:/var/lib/registry`],
        // Published on loopback only, so the host can seed mirror images; sessions use the DNS name.
        PortBindings: { [`${cfg.registry.port}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(cfg.registry.hostPort) }] },
      },
      NetworkingConfig: { EndpointsConfig: { [cfg.network]: { Aliases: [cfg.registry.name] } } },
    }),
  );
  await waitFor(`registry ${cfg.registry.name}`, () => registryHealthy(cfg), 30_000);
  return state;
}

async function ensureBuildkit(d: SandboxDeps): Promise<string> {
  const { cfg, engine } = d;
  await requireImage(engine, cfg.buildkit.image);
  await ensureVolume(engine, cfg.buildkit.volume);
  const confDir = `${cfg.stateDir}/buildkit`;
  const confPath = `${confDir}/buildkitd.toml`;
  await mkdir(confDir, { recursive: true });
  const toml = renderBuildkitdToml(cfg);
  const current = await readIfExists(confPath);
  if (current !== toml) {
    await writeFileAtomic(confPath, toml);
    // A restart would kill builds in flight: the operator chooses when.
    if (current !== undefined && (await containerInfo(engine, cfg.buildkit.name))?.State.Running) {
      d.log.warn(`${confPath} changed; restart ${cfg.buildkit.name} when no build is running to apply it`);
    }
  }
  const procStatus = await readFile('/proc/self/status', 'utf8');
  const state = await ensureContainer(d, cfg.buildkit.name, () =>
    engine.createContainer(
      buildkitContainerSpec(
        { ...cfg.buildkit, network: cfg.network, alias: cfg.buildkit.name, labels: { ...LABELS, 'helix.role': 'buildkit' }, configFile: confPath, persistent: true },
        cfg.privileges,
        procStatus,
      ),
    ),
  );
  await waitFor(`BuildKit ${cfg.buildkit.name}`, () => buildkitHealthy(d), 60_000);
  return state;
}

/** Pushes local images into the registry under docker.io names, so BuildKit's mirror serves FROM lines. */
async function seedMirror(d: SandboxDeps): Promise<void> {
  for (const ref of d.cfg.mirrorImages) {
    const [repo, tag = 'latest'] = ref.split(':') as [string, string?];
    const path = repo.includes('/') ? repo : `library/${repo}`;
    const head = await fetch(`${registryUrl(d.cfg)}/v2/${path}/manifests/${tag}`, {
      method: 'HEAD',
      headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    });
    if (head.status === 200) continue;
    await requireImage(d.engine, ref);
    const target = `127.0.0.1:${d.cfg.registry.hostPort}/${path}`;
    await d.engine.getImage(ref).tag({ repo: target, tag });
    const stream = await d.engine.getImage(`${target}:${tag}`).push({ authconfig: {} });
    await new Promise<void>((resolve, reject) =>
      d.engine.modem.followProgress(stream, (err: Error | null, events: Array<{ error?: string }>) => {
        const failed = events?.find((e) => e.error);
        if (err || failed) reject(new HelixError('COMMAND_FAILED', `pushing ${ref} to the registry: ${err?.message ?? failed?.error}`));
        else resolve();
      }),
    );
    await d.engine.getImage(`${target}:${tag}`).remove();
    d.log.info(`mirrored ${ref} into ${d.cfg.registry.name} as docker.io/${path}:${tag}`);
  }
}

export interface UpResult {
  network: boolean;
  registry: string;
  buildkit: string;
}

export async function sandboxUp(d: SandboxDeps): Promise<UpResult> {
  const network = await ensureNetwork(d.engine, d.cfg.network);
  const registry = await ensureRegistry(d);
  const buildkit = await ensureBuildkit(d);
  await seedMirror(d);
  d.log.info(`sandbox up: registry ${registry}, buildkit ${buildkit}`);
  return { network, registry, buildkit };
}

/** Empties BuildKit's cache, for an honest cold measurement. */
export async function pruneBuildCache(d: SandboxDeps): Promise<void> {
  const r = await execIn(d.engine, d.cfg.buildkit.name, ['buildctl', '--addr', `tcp://127.0.0.1:${d.cfg.buildkit.port}`, 'prune', '--all']);
  if (r.exitCode !== 0) throw new HelixError('COMMAND_FAILED', `buildctl prune failed: ${r.stderr.trim()}`);
}

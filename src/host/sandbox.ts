// The shared services of one sandbox host: a network with stable DNS names, helix-registry and
// helix-buildkit on named volumes. `up` reconciles to that state and restarts nothing that is healthy.
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { mkdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { readIfExists, writeFileAtomic, writeFileIfChanged } from '../lib/atomic-write.js';
import { HelixError } from '../lib/errors.js';
import { mirrorReference } from '../lib/registry-names.js';
import type { Logger } from '../lib/log.js';
import { containerInfo, engineError, ensureNetwork, ensureVolume, imageExists, reservedBytes, type Engine } from './engine.js';
import { pkiDir, REGISTRY_AUTH_IN_CONTAINER, REGISTRY_CONFIG_DIR, registryConfigFile, registryAuthDir, renderBuildkitdToml, renderRegistryConfig, TOKEN_CERT_IN_REGISTRY, tokenRealm, type HostConfig } from './host-config.js';
import { buildkitAnswers, buildkitContainerSpec } from './buildkit-container.js';
import { ensureSelfSigned } from './pki.js';
import { buildkitServerTls } from './credentials.js';
import { hostRegistryToken, repositoryAccess } from './registry-token.js';
import { projectStatesDir } from './tenancy.js';

/** Where the facade sees every project builder's state, under `project` tenancy. */
const FACADE_PROJECT_STORES = '/var/lib/buildkit-projects';

export interface SandboxDeps {
  engine: Engine;
  cfg: HostConfig;
  log: Logger;
}

const LABELS = { 'helix.managed': 'true' };

const SPEC_LABEL = 'helix.spec';

/**
 * The container as `spec` says, created if absent and started if stopped. One created from another
 * spec (an older version, TLS or token auth turned on) is replaced: a service must not keep running
 * without the protection its configuration asks for.
 */
export async function ensureContainer(d: SandboxDeps, spec: Record<string, unknown> & { name: string; Labels?: Record<string, string> }): Promise<'created' | 'started' | 'running' | 'replaced'> {
  const name = spec.name;
  const hash = createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
  let info = await containerInfo(d.engine, name);
  let replaced = false;
  if (info && info.Config.Labels?.[SPEC_LABEL] !== hash) {
    d.log.warn(`${name} was created from another configuration: replacing it`);
    await d.engine.getContainer(name).remove({ force: true });
    info = undefined;
    replaced = true;
  }
  if (info?.State.Running) return 'running';
  if (!info) {
    try {
      await d.engine.createContainer({ ...spec, Labels: { ...spec.Labels, [SPEC_LABEL]: hash } });
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
  return replaced ? 'replaced' : info ? 'started' : 'created';
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
  return buildkitAnswers(d.engine, d.cfg.buildkit.name);
}

/** A registry API root that answers and asks for a token (it serves nothing anonymously). */
async function asksForToken(base: string): Promise<boolean> {
  const res = await fetch(`${base}/v2/`, { signal: AbortSignal.timeout(2000) });
  return res.status === 401 && /^Bearer /i.test(res.headers.get('www-authenticate') ?? '');
}

/** The registry answers, and asks for a token. */
export function registryHealthy(cfg: HostConfig): Promise<boolean> {
  return asksForToken(registryUrl(cfg));
}

/** http://<ip>:<port> of a container on the sandbox network (it publishes no port); undefined while it has no address. */
async function onNetwork(d: SandboxDeps, name: string, port: number): Promise<string | undefined> {
  const ip = (await containerInfo(d.engine, name))?.NetworkSettings.Networks?.[d.cfg.network]?.IPAddress;
  return ip ? `http://${ip}:${port}` : undefined;
}

/** The token server answers a token request. */
async function tokenServerHealthy(d: SandboxDeps): Promise<boolean> {
  const base = await onNetwork(d, d.cfg.registryAuth.name, d.cfg.registryAuth.port);
  if (!base) return false;
  const res = await fetch(`${base}/token?service=${d.cfg.registryAuth.service}`, { signal: AbortSignal.timeout(2000) });
  return res.status === 200;
}

/** BuildKit's server certificate (and the sandbox CA behind it) and the registry's token signing key, made once. */
async function ensurePki(cfg: HostConfig): Promise<{ buildkitTls: string }> {
  const buildkitTls = await buildkitServerTls(cfg, `${pkiDir(cfg)}/buildkit`, [cfg.buildkit.name, 'localhost'], 3650, true);
  await ensureSelfSigned(registryAuthDir(cfg), 'token', 'helix registry tokens', false);
  await mkdir(`${registryAuthDir(cfg)}/clients`, { recursive: true, mode: 0o700 });
  return { buildkitTls };
}

async function ensureRegistryAuth(d: SandboxDeps): Promise<string> {
  const { cfg, engine } = d;
  await requireImage(engine, cfg.registryAuth.image);
  const state = await ensureContainer(d, {
    name: cfg.registryAuth.name,
    Image: cfg.registryAuth.image,
    Labels: { ...LABELS, 'helix.role': 'registry-auth' },
    Env: [`HELIX_AUTH_SERVICE=${cfg.registryAuth.service}`, `HELIX_AUTH_ISSUER=${cfg.registryAuth.issuer}`, `HELIX_AUTH_PORT=${cfg.registryAuth.port}`],
    HostConfig: {
      NetworkMode: cfg.network,
      RestartPolicy: { Name: 'unless-stopped' },
      Binds: [`${registryAuthDir(cfg)}:${REGISTRY_AUTH_IN_CONTAINER}:ro`],
    },
    NetworkingConfig: { EndpointsConfig: { [cfg.network]: { Aliases: [cfg.registryAuth.name] } } },
  });
  await waitFor(`registry token server ${cfg.registryAuth.name}`, () => tokenServerHealthy(d), 30_000);
  return state;
}

async function ensureRegistry(d: SandboxDeps): Promise<string> {
  const { cfg, engine } = d;
  await requireImage(engine, cfg.registry.image);
  await ensureVolume(engine, cfg.registry.volume);
  const confPath = registryConfigFile(cfg);
  const confDir = dirname(confPath);
  await writeFileIfChanged(confPath, renderRegistryConfig(cfg));
  const state = await ensureContainer(d, {
    name: cfg.registry.name,
    Image: cfg.registry.image,
    Labels: { ...LABELS, 'helix.role': 'registry' },
    ExposedPorts: { [`${cfg.registry.port}/tcp`]: {} },
    HostConfig: {
      NetworkMode: cfg.network,
      RestartPolicy: { Name: 'unless-stopped' },
      Binds: [
        `${cfg.registry.volume}:/var/lib/registry`,
        `${confDir}:${REGISTRY_CONFIG_DIR}:ro`,
        `${registryAuthDir(cfg)}/token.pem:${TOKEN_CERT_IN_REGISTRY}:ro`,
      ],
      // Published on loopback only, so the host can seed mirror images; sessions use the DNS name.
      PortBindings: { [`${cfg.registry.port}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(cfg.registry.hostPort) }] },
    },
    NetworkingConfig: { EndpointsConfig: { [cfg.network]: { Aliases: [cfg.registry.name] } } },
  });
  await waitFor(`registry ${cfg.registry.name}`, () => registryHealthy(cfg), 30_000);
  return state;
}

async function ensureBuildkit(d: SandboxDeps, tlsDir: string): Promise<string> {
  const { cfg, engine } = d;
  await requireImage(engine, cfg.buildkit.image);
  await ensureVolume(engine, cfg.buildkit.volume);
  const confDir = `${cfg.stateDir}/buildkit`;
  const confPath = `${confDir}/buildkitd.toml`;
  await mkdir(confDir, { recursive: true });
  const toml = renderBuildkitdToml(cfg, await reservedBytes(engine));
  const current = await readIfExists(confPath);
  if (current !== toml) {
    await writeFileAtomic(confPath, toml);
    // A restart would kill builds in flight: the operator chooses when.
    if (current !== undefined && (await containerInfo(engine, cfg.buildkit.name))?.State.Running) {
      d.log.warn(`${confPath} changed; restart ${cfg.buildkit.name} when no build is running to apply it`);
    }
  }
  const procStatus = await readFile('/proc/self/status', 'utf8');
  if (!cfg.buildkit.tls) d.log.warn(`HELIX_BUILDKIT_TLS is off: ${cfg.buildkit.name} takes plaintext connections from anyone on ${cfg.network}`);
  const spec = buildkitContainerSpec(
    {
      ...cfg.buildkit,
      network: cfg.network,
      alias: cfg.buildkit.name,
      labels: { ...LABELS, 'helix.role': 'buildkit' },
      configFile: confPath,
      persistent: true,
      tlsDir: cfg.buildkit.tls ? tlsDir : undefined,
    },
    cfg.privileges,
    procStatus,
  ) as Parameters<typeof ensureContainer>[1];
  const state = await ensureContainer(d, spec);
  await waitFor(`BuildKit ${cfg.buildkit.name}`, () => buildkitHealthy(d), 60_000);
  return state;
}

/**
 * Under `project` tenancy nothing builds on the shared BuildKit: a running one, left from `shared`
 * tenancy, is stopped (its cache stays, for a return to `shared`).
 */
async function stopSharedBuildkit(d: SandboxDeps): Promise<string> {
  if (!(await containerInfo(d.engine, d.cfg.buildkit.name))?.State.Running) return 'off (project tenancy)';
  await d.engine.getContainer(d.cfg.buildkit.name).stop({ t: 30 }).catch(() => undefined);
  d.log.warn(`${d.cfg.buildkit.name} stopped: under project tenancy each project builds on its own BuildKit`);
  return 'stopped (project tenancy)';
}

/** The facade answers, and asks for a token. */
async function facadeHealthy(d: SandboxDeps): Promise<boolean> {
  const base = await onNetwork(d, d.cfg.facade.name, d.cfg.facade.port);
  return base !== undefined && asksForToken(base);
}

/** The registry facade: BuildKit's state volume read-only, tokens checked against the registry's certificate. */
async function ensureFacade(d: SandboxDeps): Promise<string> {
  const { cfg } = d;
  if (!cfg.facade.enabled) {
    await d.engine.getContainer(cfg.facade.name).remove({ force: true }).catch(() => undefined);
    return 'off';
  }
  await mkdir(projectStatesDir(cfg), { recursive: true, mode: 0o700 });
  const state = await ensureContainer(d, {
    name: cfg.facade.name,
    Image: cfg.registryAuth.image,
    Entrypoint: ['node', '/opt/helix/facade.mjs'],
    Labels: { ...LABELS, 'helix.role': 'facade' },
    Env: [
      `HELIX_AUTH_SERVICE=${cfg.registryAuth.service}`,
      `HELIX_AUTH_ISSUER=${cfg.registryAuth.issuer}`,
      `HELIX_AUTH_REALM=${tokenRealm(cfg)}`,
      `HELIX_FACADE_PORT=${cfg.facade.port}`,
      ...(cfg.tenancy === 'project' ? [`HELIX_FACADE_PROJECT_STORES=${FACADE_PROJECT_STORES}`] : []),
    ],
    HostConfig: {
      NetworkMode: cfg.network,
      RestartPolicy: { Name: 'unless-stopped' },
      // Under `project` tenancy each project's builder keeps its store in a directory of its own, all under one.
      Binds: [cfg.tenancy === 'project' ? `${projectStatesDir(cfg)}:${FACADE_PROJECT_STORES}:ro` : `${cfg.buildkit.volume}:/var/lib/buildkit:ro`, `${registryAuthDir(cfg)}/token.pem:${TOKEN_CERT_IN_REGISTRY}:ro`],
    },
    NetworkingConfig: { EndpointsConfig: { [cfg.network]: { Aliases: [cfg.facade.name] } } },
  });
  await waitFor(`registry facade ${cfg.facade.name}`, () => facadeHealthy(d), 30_000);
  return state;
}

/** Pushes local images into the registry under docker.io names, so BuildKit's mirror serves FROM lines. */
async function seedMirror(d: SandboxDeps): Promise<void> {
  for (const ref of d.cfg.mirrorImages) {
    const { repository: path, tag } = mirrorReference(ref);
    // Only the host writes the mirror namespace: sessions' tokens never carry push for it.
    const token = await hostRegistryToken(d.cfg, [repositoryAccess(path, 'pull', 'push')]);
    const head = await fetch(`${registryUrl(d.cfg)}/v2/${path}/manifests/${tag}`, {
      method: 'HEAD',
      headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json', Authorization: `Bearer ${token}` },
    });
    if (head.status === 200) continue;
    await requireImage(d.engine, ref);
    const target = `127.0.0.1:${d.cfg.registry.hostPort}/${path}`;
    await d.engine.getImage(ref).tag({ repo: target, tag });
    // dockerd sends a registry token as it is, with no token server round trip.
    const stream = await d.engine.getImage(`${target}:${tag}`).push({ authconfig: { registrytoken: token } });
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
  registryAuth: string;
  buildkit: string;
  facade: string;
}

export async function sandboxUp(d: SandboxDeps): Promise<UpResult> {
  const network = await ensureNetwork(d.engine, d.cfg.network);
  const pki = await ensurePki(d.cfg);
  const registryAuth = await ensureRegistryAuth(d);
  const registry = await ensureRegistry(d);
  const buildkit = d.cfg.tenancy === 'project' ? await stopSharedBuildkit(d) : await ensureBuildkit(d, pki.buildkitTls);
  const facade = await ensureFacade(d);
  await seedMirror(d);
  d.log.info(`sandbox up (${d.cfg.tenancy} tenancy): registry ${registry}, token server ${registryAuth}, buildkit ${buildkit}${d.cfg.buildkit.tls ? ' (mutual TLS)' : ' (plaintext)'}, facade ${facade}`);
  return { network, registry, registryAuth, buildkit, facade };
}

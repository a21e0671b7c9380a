// The host side's configuration: Helix's names as defaults, each overridable by environment. Pure.
import { DEFAULTS } from '../lib/config.js';
import { HelixError } from '../lib/errors.js';
import { ENV } from '../lib/session-contract.js';

/**
 * Who shares a BuildKit (HELIX_TENANCY): `shared`, one for the sandbox, for projects that trust each
 * other; `project`, one for each project (tenancy.ts), so nothing a build leaves is seen by another's.
 */
export type Tenancy = 'shared' | 'project';
export const TENANCIES: readonly Tenancy[] = ['shared', 'project'];

/**
 * What a session's root is on the sandbox host (HELIX_ISOLATION): `privileged`, root with every
 * capability; `unprivileged`, root of a user namespace of its own (the helix-runc runtime), an
 * unprivileged uid range on the host. Sessions, golden builds and runs alike.
 */
export type Isolation = 'privileged' | 'unprivileged';
export const ISOLATIONS: readonly Isolation[] = ['privileged', 'unprivileged'];

export interface HostConfig {
  tenancy: Tenancy;
  isolation: Isolation;
  /** The OCI runtime the sandbox engine runs unprivileged desktops with (HELIX_USERNS_RUNTIME). */
  usernsRuntime: string;
  /** The first host uid of unprivileged desktops' ranges, 65536 each (HELIX_USERNS_BASE). */
  usernsBase: number;
  /** The shared builder's name in every session and run (HELIX_BUILDER_NAME). */
  builderName: string;
  network: string;
  buildkit: {
    name: string;
    image: string;
    port: number;
    volume: string;
    gc: { maxUsedSpace: string; minFreeSpace: string; reservedSpace: string };
    /** Mutual TLS on its TCP listener (HELIX_BUILDKIT_TLS=0 turns it off, for a local experiment only). */
    tls: boolean;
  };
  registry: { name: string; image: string; port: number; volume: string; hostPort: number };
  /** The registry's token server: it issues scoped tokens to sessions, by project. */
  registryAuth: { name: string; image: string; port: number; service: string; issuer: string };
  /**
   * The registry facade over BuildKit's content store, which sessions pull their builds' images from
   * (HELIX_FACADE=0 turns it off: images then move through the shared registry).
   */
  facade: { name: string; port: number; enabled: boolean };
  /** How long a session's or a run's credentials stay valid, in days (HELIX_CREDENTIAL_DAYS). */
  credentialDays: number;
  /** Each run sidecar's and project builder's cache, bounded like the shared cache (HELIX_SIDECAR_MAX_USED). */
  sidecarGc: HostConfig['buildkit']['gc'];
  /** Host directory for configs and session data-roots. */
  stateDir: string;
  desktopImage: string;
  /** 'auto', 'privileged' or 'caps' (see privileges.ts). */
  privileges: string | undefined;
  /** Local images pushed into the shared registry as docker.io mirrors, for hosts that cannot pull. */
  mirrorImages: string[];
}

type Env = Readonly<Record<string, string | undefined>>;
const str = (env: Env, k: string, d: string) => (env[k] ? (env[k] as string) : d);
const num = (env: Env, k: string, d: number) => (env[k] ? Number(env[k]) : d);

export const BUILDKIT_IMAGE = 'moby/buildkit:v0.34.2';

function oneOf<T extends string>(env: Env, key: string, values: readonly T[], what: string): T {
  const v = env[key] || values[0];
  if (!(values as readonly string[]).includes(v as string)) throw new HelixError('BAD_CONFIG', `${key}=${JSON.stringify(v)} is not ${what}`, `use ${values.join(' or ')}`);
  return v as T;
}

/** The host uids each unprivileged desktop's root is mapped onto (userns-range.ts). */
export const USERNS_SIZE = 65536;
/** The last range ends at 2^32 - 2: (uid_t)-1 is no uid. */
export const LAST_USERNS_START = 2 ** 32 - 1 - USERNS_SIZE;

// Far above the ranges adduser gives users in /etc/subuid (from 100000), so none is shared with them.
function usernsBase(env: Env): number {
  const v = env.HELIX_USERNS_BASE || '1000000000';
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < USERNS_SIZE || n > LAST_USERNS_START) throw new HelixError('BAD_CONFIG', `HELIX_USERNS_BASE=${JSON.stringify(v)} is not a uid from ${USERNS_SIZE} to ${LAST_USERNS_START}`, 'unset it for 1000000000');
  return n;
}

export function loadHostConfig(env: Env = process.env): HostConfig {
  const c = loadConfig(env);
  // Without client certificates anyone on the network reaches any project's builder.
  if (c.tenancy === 'project' && !c.buildkit.tls) throw new HelixError('BAD_CONFIG', 'HELIX_TENANCY=project needs BuildKit\'s mutual TLS', 'unset HELIX_BUILDKIT_TLS');
  return c;
}

function loadConfig(env: Env): HostConfig {
  return {
    tenancy: oneOf(env, 'HELIX_TENANCY', TENANCIES, 'a tenancy'),
    isolation: oneOf(env, 'HELIX_ISOLATION', ISOLATIONS, 'an isolation'),
    usernsRuntime: str(env, 'HELIX_USERNS_RUNTIME', 'helix-runc'),
    usernsBase: usernsBase(env),
    builderName: str(env, ENV.builderName, DEFAULTS.builderName),
    network: str(env, 'HELIX_NETWORK', DEFAULTS.network),
    buildkit: {
      name: str(env, 'HELIX_BUILDKIT_NAME', DEFAULTS.buildkitContainer),
      image: str(env, 'HELIX_BUILDKIT_IMAGE', BUILDKIT_IMAGE),
      port: num(env, 'HELIX_BUILDKIT_PORT', DEFAULTS.buildkitPort),
      volume: str(env, 'HELIX_BUILDKIT_VOLUME', 'helix-buildkit-state'),
      // BuildKit's cache is bounded: at most this much, and never below this much free disk.
      gc: {
        maxUsedSpace: str(env, 'HELIX_BUILDKIT_MAX_USED', '80GB'),
        minFreeSpace: str(env, 'HELIX_BUILDKIT_MIN_FREE', '20GB'),
        reservedSpace: str(env, 'HELIX_BUILDKIT_RESERVED', '10GB'),
      },
      tls: !/^(0|false|no|off)$/i.test(env.HELIX_BUILDKIT_TLS ?? ''),
    },
    registry: {
      name: str(env, 'HELIX_REGISTRY_NAME', DEFAULTS.registryContainer),
      image: str(env, 'HELIX_REGISTRY_IMAGE', 'registry:2'),
      port: DEFAULTS.registryPort,
      volume: str(env, 'HELIX_REGISTRY_VOLUME', 'helix-registry-data'),
      hostPort: num(env, 'HELIX_REGISTRY_HOST_PORT', 5000),
    },
    registryAuth: {
      name: str(env, 'HELIX_REGISTRY_AUTH_NAME', 'helix-registry-auth'),
      image: str(env, 'HELIX_REGISTRY_AUTH_IMAGE', 'helix/registry-auth:dev'),
      port: 5001,
      service: 'helix-registry',
      issuer: 'helix',
    },
    facade: {
      name: str(env, 'HELIX_FACADE_NAME', 'helix-facade'),
      port: num(env, 'HELIX_FACADE_PORT', DEFAULTS.facadePort),
      enabled: !/^(0|false|no|off)$/i.test(env.HELIX_FACADE ?? ''),
    },
    credentialDays: num(env, 'HELIX_CREDENTIAL_DAYS', 7),
    sidecarGc: {
      maxUsedSpace: str(env, 'HELIX_SIDECAR_MAX_USED', '20GB'),
      minFreeSpace: str(env, 'HELIX_BUILDKIT_MIN_FREE', '20GB'),
      reservedSpace: str(env, 'HELIX_SIDECAR_RESERVED', '2GB'),
    },
    stateDir: str(env, 'HELIX_HOST_STATE_DIR', '/var/lib/helix-host'),
    desktopImage: str(env, 'HELIX_DESKTOP_IMAGE', 'helix/ubuntu-helix:dev'),
    privileges: env.HELIX_PRIVILEGES,
    mirrorImages: str(env, 'HELIX_MIRROR_IMAGES', 'debian:trixie,busybox:stable').split(',').filter(Boolean),
  };
}

export function registryAddress(c: HostConfig): string {
  return `${c.registry.name}:${c.registry.port}`;
}

/** The facade as sessions reach it, or undefined when it is off. */
export function facadeAddress(c: HostConfig): string | undefined {
  return c.facade.enabled ? `${c.facade.name}:${c.facade.port}` : undefined;
}

export function buildkitAddress(c: HostConfig): string {
  return `tcp://${c.buildkit.name}:${c.buildkit.port}`;
}

/** The token server's endpoint, as the registry and the facade name it in their challenges. */
export function tokenRealm(c: HostConfig): string {
  return `http://${c.registryAuth.name}:${c.registryAuth.port}/token`;
}

/** Where the host keeps the sandbox's keys and certificates. */
export function pkiDir(c: HostConfig): string {
  return `${c.stateDir}/pki`;
}

/** The token server's directory: its signing key and the clients' credential records. */
export function registryAuthDir(c: HostConfig): string {
  return `${c.stateDir}/registry-auth`;
}

/** In the registry and token server containers. */
export const TOKEN_CERT_IN_REGISTRY = '/etc/helix-registry-token/token.pem';
/** The host file of the registry's config.yml (its directory is mounted at REGISTRY_CONFIG_DIR). */
export function registryConfigFile(c: HostConfig): string {
  return `${c.stateDir}/registry/config/config.yml`;
}

/** The registry's config directory, mounted whole: a file mount would keep the old file after a rewrite. */
export const REGISTRY_CONFIG_DIR = '/etc/docker/registry';
export const REGISTRY_AUTH_IN_CONTAINER = '/etc/helix-registry-auth';

/**
 * The registry's config.yml: every request needs a token from the token server. `readOnly` is the
 * maintenance mode garbage collection runs in: pushes are refused, so none can lose a blob to it.
 */
export function renderRegistryConfig(c: HostConfig, readOnly = false): string {
  return [
    '# Written by the helix host side; mounted read-only into the registry container.',
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    '    rootdirectory: /var/lib/registry',
    '  delete:',
    '    enabled: true',
    '  cache:',
    '    blobdescriptor: inmemory',
    ...(readOnly ? ['  maintenance:', '    readonly:', '      enabled: true'] : []),
    'http:',
    `  addr: :${c.registry.port}`,
    'health:',
    '  storagedriver:',
    '    enabled: true',
    '    interval: 10s',
    '    threshold: 3',
    'auth:',
    '  token:',
    `    realm: ${tokenRealm(c)}`,
    `    service: ${c.registryAuth.service}`,
    `    issuer: ${c.registryAuth.issuer}`,
    `    rootcertbundle: ${TOKEN_CERT_IN_REGISTRY}`,
    '',
  ].join('\n');
}

/** Bytes of a size as BuildKit reads it (go-units: "20GB", "512MiB", "1024"; binary multiples), or undefined. */
export function sizeBytes(size: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp])?i?b?$/i.exec(size.trim());
  if (!m) return undefined;
  const power = m[2] ? 'kmgtp'.indexOf(m[2].toLowerCase()) + 1 : 0;
  return Math.floor(Number(m[1]) * 1024 ** power);
}

/**
 * minFreeSpace as BuildKit must be told it. BuildKit compares it with the filesystem's free blocks,
 * which include blocks reserved for another user (root's 5%, or all but a quota on a shared VM) that
 * nothing here may write: that much is added, so BuildKit keeps the space we can really use. A
 * percentage is left as it is.
 */
export function minFreeForBuildkit(minFree: string, reservedBytes: number): string {
  const bytes = sizeBytes(minFree);
  return bytes === undefined || reservedBytes <= 0 ? minFree : String(bytes + reservedBytes);
}

function workerToml(gc: HostConfig['buildkit']['gc'], reservedBytes: number): string[] {
  return [
    '# Written by the helix host side; mounted read-only into the BuildKit container.',
    '[worker.oci]',
    '  enabled = true',
    '  gc = true',
    `  reservedSpace = "${gc.reservedSpace}"`,
    `  maxUsedSpace = "${gc.maxUsedSpace}"`,
    `  minFreeSpace = "${minFreeForBuildkit(gc.minFreeSpace, reservedBytes)}"`,
    '[worker.containerd]',
    '  enabled = false',
  ];
}

/**
 * A run sidecar's buildkitd.toml: its cache volume bounded too (it reaches no registry).
 * `reservedBytes`: blocks of the volumes' filesystem reserved for another user (see minFreeForBuildkit).
 */
export function renderSidecarToml(c: HostConfig, reservedBytes = 0): string {
  return [...workerToml(c.sidecarGc, reservedBytes), ''].join('\n');
}

/** buildkitd.toml: trust the shared registry over http, and use it as docker.io's mirror. `gc`: a project builder's bounds. */
export function renderBuildkitdToml(c: HostConfig, reservedBytes = 0, gc = c.buildkit.gc): string {
  const reg = registryAddress(c);
  return [
    ...workerToml(gc, reservedBytes),
    `[registry."${reg}"]`,
    '  http = true',
    '  insecure = true',
    '[registry."docker.io"]',
    `  mirrors = ["${reg}"]`,
    '',
  ].join('\n');
}

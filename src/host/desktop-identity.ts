// A desktop's identity towards the shared services: its credentials (a BuildKit client certificate and
// a registry login scoped to its project) and what it must be started with to use them (the sandbox
// network, the credentials mounted read-only, the toolkit's environment). `helix session start` gives
// its sessions one; `helix credentials issue` gives one to a desktop the operator starts itself
// (docker run, compose, a Kubernetes pod), printed as `docker run` arguments.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HelixError } from '../lib/errors.js';
import { isProjectId, OWN_PROJECT_PREFIX, PROJECT_ID_RULE } from '../lib/registry-names.js';
import { desktopEnv, IN_CONTAINER } from '../lib/session-contract.js';
import { credentialsDirOf, issueCredentials, revokeCredentials } from './credentials.js';
import { facadeAddress, registryAddress, registryAuthDir, type HostConfig } from './host-config.js';
import { checkId, isValidId } from './ids.js';
import type { ClientRecord } from './registry-auth/clients.js';
import { builderFor } from './tenancy.js';

const CLIENT_PREFIX = 'session-';

/** A desktop's name towards the shared services: its certificate's CN and registry username. */
export function desktopClient(id: string): string {
  return `${CLIENT_PREFIX}${checkId('session', id)}`;
}

/**
 * The project of a desktop started without one: its own (`session.<id>`), so two such desktops never
 * share a registry namespace or cache mounts. An id that cannot name one must be given a project.
 */
export function ownProject(id: string): string {
  const p = `${OWN_PROJECT_PREFIX}${checkId('session', id)}`;
  if (!isProjectId(p)) throw new HelixError('BAD_FLAG', `session id ${JSON.stringify(id)} cannot name a namespace of its own`, `give it a project (--project P), or an id of ${PROJECT_ID_RULE}`);
  return p;
}

export interface Identity {
  id: string;
  /** The project whose registry namespace and cache mounts it uses. */
  project: string;
  days: number;
}

/** Issues a desktop's credentials; returns their host directory. */
export function issueIdentity(cfg: HostConfig, i: Identity): Promise<string> {
  return issueCredentials(cfg, { client: desktopClient(i.id), project: i.project, days: i.days });
}

/** `keepDir`: for a desktop that may still run, which then sees credentials issued again. */
export function revokeIdentity(cfg: HostConfig, id: string, keepDir = false): Promise<void> {
  return revokeCredentials(cfg, desktopClient(id), keepDir);
}

export interface IdentityEnv {
  /** Absent: the wrapper's default project. */
  project?: string;
  /** A session: the data mount holds its data-root, events and ready file, read by the host. */
  dataMount: boolean;
  goldenId?: string;
  goldenMode?: boolean;
}

/** The environment a desktop of this sandbox starts with. Pure. */
export function identityEnv(cfg: HostConfig, e: IdentityEnv): Record<string, string> {
  return desktopEnv({
    builderName: cfg.builderName,
    buildkitHost: builderFor(cfg, e.project).address,
    registry: registryAddress(cfg),
    facade: facadeAddress(cfg),
    project: e.project,
    hostReadsDataMount: e.dataMount,
    ownDataRoot: !e.dataMount,
    goldenId: e.goldenId,
    goldenMode: e.goldenMode,
    // Where the registry mirrors docker.io for BuildKit, the desktop's own dockerd pulls through it too.
    daemonJson: cfg.mirrorImages.length ? { 'registry-mirrors': [`http://${registryAddress(cfg)}`] } : undefined,
  });
}

/** The credentials mount, as a bind `host:container:ro`. */
export function credentialsBind(cfg: HostConfig, id: string): string {
  return `${credentialsDirOf(cfg, desktopClient(id))}:${IN_CONTAINER.credentialsMount}:ro`;
}

/**
 * What to add to `docker run` for a desktop the operator starts: one argument a line, each a single
 * word (no spaces), so `docker run $(helix credentials issue ...)` works as well as copying. Pure.
 */
export function dockerRunArgs(cfg: HostConfig, id: string, project: string): string[] {
  return [
    `--network=${cfg.network}`,
    `--volume=${credentialsBind(cfg, id)}`,
    ...Object.entries(identityEnv(cfg, { project, dataMount: false })).map(([k, v]) => `--env=${k}=${v}`),
    ...(cfg.isolation === 'unprivileged' ? usernsRunArgs(cfg) : []),
  ];
}

/** An unprivileged desktop's privileges, as docker run says them (usernsHostConfig's, in privileges.ts). */
function usernsRunArgs(cfg: HostConfig): string[] {
  return [`--runtime=${cfg.usernsRuntime}`, '--cap-add=ALL', ...['seccomp', 'apparmor', 'systempaths'].map((o) => `--security-opt=${o}=unconfined`)];
}

export interface IssuedIdentity {
  id: string;
  project?: string;
  notAfter?: string;
  /** What the host directory holds. */
  files: string[];
}

/** Every identity this host has issued and not revoked (sessions' included). */
export async function listIdentities(cfg: HostConfig): Promise<IssuedIdentity[]> {
  const root = `${cfg.stateDir}/credentials`;
  const out: IssuedIdentity[] = [];
  for (const client of (await readdir(root).catch(() => [] as string[])).sort()) {
    const id = client.slice(CLIENT_PREFIX.length);
    // Runs' credentials sit here too (run-ID), and nothing else is the host's to list.
    if (!client.startsWith(CLIENT_PREFIX) || !isValidId('session', id)) continue;
    const rec = await readFile(join(registryAuthDir(cfg), 'clients', `${client}.json`), 'utf8').then(
      (t) => JSON.parse(t) as Partial<ClientRecord>,
      () => undefined,
    );
    const files = await identityFiles(cfg, id);
    if (files.length) out.push({ id, project: rec?.project, notAfter: rec?.notAfter, files });
  }
  return out;
}

/** The files of a desktop's credentials directory; none when it is empty or not there. */
export function identityFiles(cfg: HostConfig, id: string): Promise<string[]> {
  return readdir(credentialsDirOf(cfg, desktopClient(id))).then((f) => f.sort(), () => []);
}

/** Refuses to issue over a desktop's credentials that are still there: a running desktop holds them. */
export async function assertNoIdentity(cfg: HostConfig, id: string): Promise<void> {
  const dir = credentialsDirOf(cfg, desktopClient(id));
  if ((await identityFiles(cfg, id)).length) {
    throw new HelixError('CONFLICT', `desktop ${id} already has credentials (${dir})`, `helix credentials revoke ${id} first, or use another ID`);
  }
}

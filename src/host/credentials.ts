// What a desktop container gets to reach the shared services: a client certificate for BuildKit and a
// registry login scoped to its project, issued when it starts and revoked when it is removed. They sit
// in a host directory of their own, mounted read-only at IN_CONTAINER.credentialsMount.
import { chmod, copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { CREDENTIAL_FILES, type RegistryCredential } from '../lib/session-contract.js';
import { pkiDir, registryAddress, registryAuthDir, type HostConfig } from './host-config.js';
import { issueCredential, revokeCredential } from './registry-auth/clients.js';
import { ensureSelfSigned, issueLeaf, type KeyPair } from './pki.js';
import { builderFor, projectPkiDir } from './tenancy.js';

/** The sandbox's CA, made by the first command that needs it. */
export function sandboxCa(cfg: HostConfig): Promise<KeyPair> {
  return ensureSelfSigned(pkiDir(cfg), 'ca', 'helix sandbox CA', true);
}

/** The CA a project's builder takes clients from: the project's own in `project` tenancy. */
export function builderCa(cfg: HostConfig, project: string | undefined): Promise<KeyPair> {
  const own = builderFor(cfg, project).project;
  return own ? ensureSelfSigned(projectPkiDir(cfg, own), 'ca', `helix project ${own} CA`, true) : sandboxCa(cfg);
}

/**
 * A BuildKit server's TLS directory (buildkit-container.ts): its certificate for the names clients
 * reach it by (`keep`: one already there stays) and the CA it takes client certificates from.
 */
export async function buildkitServerTls(cfg: HostConfig, dir: string, dns: string[], days: number, keep: boolean, ca?: KeyPair): Promise<string> {
  ca ??= await sandboxCa(cfg);
  await issueLeaf(ca, dir, 'server', { cn: dns[0] as string, dns, usage: 'serverAuth', days }, keep);
  await copyFile(ca.cert, `${dir}/ca.pem`);
  return dir;
}

export interface CredentialSpec {
  /** The client's name: its certificate's CN and its registry username, e.g. session-<id>. */
  client: string;
  /** The project whose registry namespace it may write; no registry login without one. */
  project?: string;
  /** How long it may live, in days (at least one: certificates are issued by the day). */
  days: number;
}

export function credentialsDirOf(cfg: HostConfig, client: string): string {
  return `${cfg.stateDir}/credentials/${client}`;
}

/**
 * Issues the client's credentials; returns their host directory. A directory already there is
 * emptied and reused, not replaced: a desktop that mounts it (docker makes a missing bind source as
 * an empty directory) sees the new credentials at once, and its init takes them.
 */
export async function issueCredentials(cfg: HostConfig, c: CredentialSpec): Promise<string> {
  const dir = credentialsDirOf(cfg, c.client);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  await emptyDir(dir);
  if (cfg.buildkit.tls) {
    const ca = await builderCa(cfg, c.project);
    await copyFile(ca.cert, `${dir}/${CREDENTIAL_FILES.ca}`);
    await issueLeaf(ca, dir, 'client', { cn: c.client, dns: [c.client], usage: 'clientAuth', days: c.days });
  }
  if (c.project) {
    const login = await issueCredential(`${registryAuthDir(cfg)}/clients`, c.client, c.project, c.days * 24);
    const cred: RegistryCredential = { registry: registryAddress(cfg), ...login };
    await writeFileAtomic(`${dir}/${CREDENTIAL_FILES.registry}`, JSON.stringify(cred), 0o600);
  }
  return dir;
}

/**
 * Revokes the client's registry login at once and removes its files. `keepDir`: the emptied directory
 * stays, so a desktop still mounting it sees credentials issued again later.
 */
export async function revokeCredentials(cfg: HostConfig, client: string, keepDir = false): Promise<void> {
  await revokeCredential(`${registryAuthDir(cfg)}/clients`, client);
  const dir = credentialsDirOf(cfg, client);
  await (keepDir ? emptyDir(dir) : rm(dir, { recursive: true, force: true }));
}

/** Removes what a directory holds, keeping the directory (and so a bind mount of it); none there is nothing to do. */
async function emptyDir(dir: string): Promise<void> {
  for (const f of await readdir(dir).catch(() => [] as string[])) await rm(join(dir, f), { recursive: true, force: true });
}

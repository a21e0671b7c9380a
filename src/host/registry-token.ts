// The host's own access to the shared registry: it signs its tokens with the token server's key, so
// seeding the mirror, golden builds and garbage collection never depend on a session's credentials.
import { readFile } from 'node:fs/promises';
import type { Access } from './registry-auth/access.js';
import { signToken } from './registry-auth/token.js';
import { registryAuthDir, type HostConfig } from './host-config.js';

export async function hostRegistryToken(cfg: HostConfig, access: Access[]): Promise<string> {
  const dir = registryAuthDir(cfg);
  const [keyPem, certPem] = await Promise.all([readFile(`${dir}/token.key`, 'utf8'), readFile(`${dir}/token.pem`, 'utf8')]);
  return (await signToken({ issuer: cfg.registryAuth.issuer, service: cfg.registryAuth.service, keyPem, certPem }, 'helix-host', access)).token;
}

/** A repository scope with the given actions (`*` is every action, delete included). */
export function repositoryAccess(name: string, ...actions: string[]): Access {
  return { type: 'repository', name, actions };
}

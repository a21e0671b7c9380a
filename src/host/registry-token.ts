// The host's own access to the shared registry: it signs its tokens with the token server's key, so
// seeding the mirror, golden builds and garbage collection never depend on a session's credentials.
import { readFile } from 'node:fs/promises';
import type { Access } from './registry-auth/access.js';
import { signToken, type TokenSigner } from './registry-auth/token.js';
import { registryAuthDir, type HostConfig } from './host-config.js';

const signers = new Map<string, Promise<TokenSigner>>();

/**
 * The host's signer, read once per process and key directory: one signer object, so signToken imports
 * its key once (registry gc asks for a token per transfer it deletes).
 */
function hostSigner(cfg: HostConfig): Promise<TokenSigner> {
  const dir = registryAuthDir(cfg);
  let signer = signers.get(dir);
  if (!signer) {
    signer = Promise.all([readFile(`${dir}/token.key`, 'utf8'), readFile(`${dir}/token.pem`, 'utf8')]).then(([keyPem, certPem]) => ({
      issuer: cfg.registryAuth.issuer,
      service: cfg.registryAuth.service,
      keyPem,
      certPem,
    }));
    // A failed read (no key yet: `up` has not run) is not remembered.
    signer.catch(() => signers.delete(dir));
    signers.set(dir, signer);
  }
  return signer;
}

export async function hostRegistryToken(cfg: HostConfig, access: Access[]): Promise<string> {
  return (await signToken(await hostSigner(cfg), 'helix-host', access)).token;
}

/** A repository scope with the given actions (`*` is every action, delete included). */
export function repositoryAccess(name: string, ...actions: string[]): Access {
  return { type: 'repository', name, actions };
}

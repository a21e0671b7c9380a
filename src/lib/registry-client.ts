// A client of the shared registry from inside a desktop container: its credential, and requests that
// follow the registry's token challenge. The registry takes only tokens its token server issued, and
// the token server gives a session push and pull on its own project's namespace only.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ToolkitConfig } from './config.js';
import { CREDENTIAL_FILES, type RegistryCredential } from './session-contract.js';

const credentials = new Map<string, RegistryCredential | undefined>();

/**
 * The container's registry credential, if the host gave it one. Read once per process: one wrapper
 * call asks for it at every registry touch, and it changes only when the session restarts.
 */
export function readCredential(cfg: ToolkitConfig): RegistryCredential | undefined {
  if (!credentials.has(cfg.credentialsDir)) credentials.set(cfg.credentialsDir, parseCredential(cfg.credentialsDir));
  return credentials.get(cfg.credentialsDir);
}

function parseCredential(dir: string): RegistryCredential | undefined {
  try {
    const c = JSON.parse(readFileSync(join(dir, CREDENTIAL_FILES.registry), 'utf8')) as RegistryCredential;
    return typeof c.registry === 'string' && typeof c.username === 'string' && typeof c.password === 'string' ? c : undefined;
  } catch {
    return undefined;
  }
}

export const basicAuth = (c: RegistryCredential) => Buffer.from(`${c.username}:${c.password}`).toString('base64');

/** `Bearer realm="…",service="…",scope="…"` → its parameters. Pure. */
export function bearerChallenge(header: string | null): Record<string, string> | undefined {
  if (!header || !/^Bearer\s/i.test(header)) return undefined;
  const params: Record<string, string> = {};
  for (const m of header.slice(7).matchAll(/(\w+)="([^"]*)"/g)) params[m[1] as string] = m[2] as string;
  return params.realm ? params : undefined;
}

/** A registry request, with a token from the realm the registry names when it asks for one. */
export async function registryFetch(url: string, init: RequestInit, c: RegistryCredential | undefined): Promise<Response> {
  const first = await fetch(url, init);
  const challenge = first.status === 401 ? bearerChallenge(first.headers.get('www-authenticate')) : undefined;
  if (!challenge) return first;
  const realm = new URL(challenge.realm as string);
  if (challenge.service) realm.searchParams.set('service', challenge.service);
  if (challenge.scope) realm.searchParams.set('scope', challenge.scope);
  const tokenRes = await fetch(realm, { headers: c ? { Authorization: `Basic ${basicAuth(c)}` } : {}, signal: init.signal });
  if (tokenRes.status !== 200) return first;
  const { token, access_token } = (await tokenRes.json()) as { token?: string; access_token?: string };
  return fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), Authorization: `Bearer ${token ?? access_token}` } });
}

const MANIFEST_TYPES = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json';

/** A manifest of the shared registry by digest ("host:port/repo", "sha256:…"), with the container's login. */
export function fetchManifest(cfg: ToolkitConfig, repo: string, digest: string, method: 'GET' | 'HEAD'): Promise<Response> {
  const [host, ...path] = repo.split('/');
  return registryFetch(`http://${host}/v2/${path.join('/')}/manifests/${digest}`, { method, headers: { Accept: MANIFEST_TYPES }, signal: AbortSignal.timeout(3000) }, readCredential(cfg));
}

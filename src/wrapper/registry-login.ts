// The session's login to the shared registry. The registry takes only tokens its token server issued,
// and the token server gives a session push and pull on its own project's namespace only; this module
// hands the session's credential to whoever talks to the registry for a build: buildx (through the
// user's config.json, as `docker login` would leave it), the daemon (X-Registry-Auth) and our own
// manifest reads (the token protocol).
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readIfExists, writeFileAtomic } from '../lib/atomic-write.js';
import type { ToolkitConfig } from '../lib/config.js';
import { CREDENTIAL_FILES, type RegistryCredential } from '../lib/session-contract.js';

/** The container's registry credential, if the host gave it one. */
export function readCredential(cfg: ToolkitConfig): RegistryCredential | undefined {
  try {
    const c = JSON.parse(readFileSync(join(cfg.credentialsDir, CREDENTIAL_FILES.registry), 'utf8')) as RegistryCredential;
    return typeof c.registry === 'string' && typeof c.username === 'string' && typeof c.password === 'string' ? c : undefined;
  } catch {
    return undefined;
  }
}

export const basicAuth = (c: RegistryCredential) => Buffer.from(`${c.username}:${c.password}`).toString('base64');

/**
 * config.json with the credential for the registry merged in, or undefined if it has it already or
 * the file is not a JSON object (then it is not ours to rewrite). Pure.
 */
export function withLogin(configText: string | undefined, c: RegistryCredential): string | undefined {
  let config: Record<string, unknown>;
  try {
    config = configText === undefined || configText.trim() === '' ? {} : (JSON.parse(configText) as Record<string, unknown>);
  } catch {
    return undefined;
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return undefined;
  const auths = (typeof config.auths === 'object' && config.auths !== null ? config.auths : {}) as Record<string, Record<string, unknown>>;
  const auth = basicAuth(c);
  if (auths[c.registry]?.auth === auth) return undefined;
  return `${JSON.stringify({ ...config, auths: { ...auths, [c.registry]: { auth } } }, null, '\t')}\n`;
}

/** Leaves the user's config.json logged in to the shared registry, as `docker login` would. */
export async function ensureLogin(c: RegistryCredential, flagDir?: string): Promise<void> {
  const file = join(flagDir ?? process.env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
  const next = withLogin(await readIfExists(file), c);
  if (next !== undefined) await writeFileAtomic(file, next, 0o600);
}

/** X-Registry-Auth for the daemon's pulls and pushes of the registry's images. */
export function registryAuthHeader(c: RegistryCredential | undefined): string {
  const body = c ? { username: c.username, password: c.password, serveraddress: c.registry } : {};
  // The engine decodes URL-safe base64 with padding (Go's base64.URLEncoding), which Node's 'base64url' omits.
  return Buffer.from(JSON.stringify(body)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

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

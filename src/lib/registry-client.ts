// A client of the shared registry from inside a desktop container: its credential, and requests that
// follow the registry's token challenge. The registry takes only tokens its token server issued, and
// the token server gives a session push and pull on its own project's namespace only.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ToolkitConfig } from './config.js';
import { request } from './http-request.js';
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

export interface RegistryReply {
  status: number;
  header(name: string): string | undefined;
  body: Buffer;
}

interface Req {
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** One plain-http request on node:http: the wrapper must not pay for loading fetch (see http-request.ts). */
function get(url: URL, o: Req): Promise<RegistryReply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method ?? 'GET', headers: o.headers, timeout: o.timeoutMs ?? 3000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h = res.headers;
        resolve({ status: res.statusCode ?? 0, header: (n) => [h[n.toLowerCase()]].flat()[0], body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${url.host}: no answer within ${o.timeoutMs ?? 3000} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** A token from the realm a 401 reply names (for `scope`, else the one it asks for), or undefined. */
async function tokenFor(reply: RegistryReply, c: RegistryCredential | undefined, scope?: string): Promise<string | undefined> {
  const challenge = reply.status === 401 ? bearerChallenge(reply.header('www-authenticate') ?? null) : undefined;
  if (!challenge) return undefined;
  const realm = new URL(challenge.realm as string);
  if (challenge.service) realm.searchParams.set('service', challenge.service);
  if (scope ?? challenge.scope) realm.searchParams.set('scope', (scope ?? challenge.scope) as string);
  const res = await get(realm, { headers: c ? { Authorization: `Basic ${basicAuth(c)}` } : {} });
  if (res.status !== 200) return undefined;
  const { token, access_token } = JSON.parse(res.body.toString('utf8')) as { token?: string; access_token?: string };
  return token ?? access_token;
}

/** A registry request, with a token from the realm the registry names when it asks for one. */
export async function registryFetch(url: string, o: Req, c: RegistryCredential | undefined): Promise<RegistryReply> {
  const first = await get(new URL(url), o);
  const token = await tokenFor(first, c);
  return token ? get(new URL(url), { ...o, headers: { ...o.headers, Authorization: `Bearer ${token}` } }) : first;
}

/**
 * A bearer token for `scope` from the realm the registry at `base` ("host:port") names, or undefined
 * if it names none or refuses. Asked ahead of a pull, it saves the daemon that round trip.
 */
export async function bearerToken(base: string, scope: string, c: RegistryCredential | undefined): Promise<string | undefined> {
  return tokenFor(await get(new URL(`http://${base}/v2/`), {}), c, scope);
}

const MANIFEST_TYPES = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json';

/** A manifest by digest ("host:port/repo", "sha256:…") from the shared registry or the facade, with the container's login. */
export function fetchManifest(cfg: ToolkitConfig, repo: string, digest: string, method: 'GET' | 'HEAD', token?: string): Promise<RegistryReply> {
  const [host, ...path] = repo.split('/');
  const headers = { Accept: MANIFEST_TYPES, ...(token ? { Authorization: `Bearer ${token}` } : {}) };
  return registryFetch(`http://${host}/v2/${path.join('/')}/manifests/${digest}`, { method, headers }, readCredential(cfg));
}

// The session's login to the shared registry, handed to whoever talks to the registry for a build:
// buildx (through the user's config.json, as `docker login` would leave it) and the daemon
// (X-Registry-Auth). Our own manifest reads use lib/registry-client.
import { cliConfig, cliConfigDir, writeCliConfig } from '../read/cli-config.js';
import { basicAuth } from '../../lib/registry-client.js';
import type { ToolkitConfig } from '../../lib/config.js';
import type { RegistryCredential } from '../../lib/session-contract.js';

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

/**
 * config.json without a session login to the registry that the wrapper wrote (username `session-…`),
 * or undefined when there is none (a login the user made stays). Pure.
 */
export function withoutSessionLogin(configText: string | undefined, registry: string): string | undefined {
  let config: { auths?: Record<string, { auth?: unknown }> };
  try {
    config = JSON.parse(configText ?? '') as typeof config;
  } catch {
    return undefined;
  }
  const auth = config?.auths?.[registry]?.auth;
  if (typeof auth !== 'string' || !Buffer.from(auth, 'base64').toString().startsWith('session-')) return undefined;
  const { [registry]: _gone, ...auths } = config.auths as Record<string, unknown>;
  return `${JSON.stringify({ ...config, auths }, null, '\t')}\n`;
}

/**
 * Leaves the user's config.json logged in to the shared registry with the container's login, as
 * `docker login` would; with none (revoked, or never issued), without the one an earlier build left:
 * the registry refuses a revoked login even for the mirror, which it serves to anyone without one.
 */
export async function ensureLogin(c: RegistryCredential | undefined, registry: string, flagDir?: string): Promise<void> {
  const dir = cliConfigDir(flagDir);
  const { text } = cliConfig(dir);
  const next = c ? withLogin(text, c) : withoutSessionLogin(text, registry);
  if (next !== undefined) await writeCliConfig(dir, next);
}

/** Whether the session's login may go to a registry host: the shared registry's and the facade's only, exactly. Pure. */
export function sendsLoginTo(cfg: Pick<ToolkitConfig, 'registry' | 'facade'>, host: string): boolean {
  return host === cfg.registry || (cfg.facade !== '' && host === cfg.facade);
}

/**
 * X-Registry-Auth for the daemon's pulls and pushes of the registry's images, or of the facade's
 * (`host`), which takes the same login. A `token` already fetched spares the classic image store the
 * token server round trip; the containerd store ignores it and uses the login.
 */
export function registryAuthHeader(c: RegistryCredential | undefined, host = c?.registry, token?: string): string {
  const body = { ...(c ? { username: c.username, password: c.password, serveraddress: host } : {}), ...(token ? { registrytoken: token } : {}) };
  // The engine decodes URL-safe base64 with padding (Go's base64.URLEncoding), which Node's 'base64url' omits.
  return Buffer.from(JSON.stringify(body)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

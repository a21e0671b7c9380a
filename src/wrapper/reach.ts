// A quick TCP probe, so that an unreachable BuildKit or registry (or this container's expired
// credentials) is noticed before a build starts rather than as a failed build.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { DEFAULTS, type ToolkitConfig } from '../lib/config.js';
import { CREDENTIAL_FILES } from '../lib/session-contract.js';

/** host and port from "tcp://host:port" or "host:port". */
export function hostPort(endpoint: string, defaultPort: number): { host: string; port: number } | undefined {
  const m = /^(?:tcp:\/\/)?([^:/]+)(?::(\d+))?\/?$/.exec(endpoint);
  if (!m) return undefined;
  return { host: m[1] as string, port: m[2] ? Number(m[2]) : defaultPort };
}

export function canConnect(endpoint: string, defaultPort: number, timeoutMs = 1500): Promise<boolean> {
  const hp = hostPort(endpoint, defaultPort);
  if (!hp) return Promise.resolve(false);
  return new Promise((resolve) => {
    const s = connect({ host: hp.host, port: hp.port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/**
 * When this container's client certificate (issued with its registry login, for as long) stopped
 * being valid, or undefined while it is valid or there is none. BuildKit and the registry refuse an
 * expired one: the build goes the way it goes when they are unreachable, rather than failing.
 */
export function credentialsExpiredAt(cfg: ToolkitConfig, now = Date.now()): string | undefined {
  try {
    const validTo = new X509Certificate(readFileSync(join(cfg.credentialsDir, CREDENTIAL_FILES.cert))).validTo;
    return Date.parse(validTo) <= now ? new Date(validTo).toISOString() : undefined;
  } catch {
    return undefined;
  }
}

export interface SharedServices {
  buildkitUp: boolean;
  registryUp: boolean;
  /** The registry facade is configured and answers. */
  facadeUp: boolean;
  /** Why BuildKit is not used, for the warning: "is unreachable" or the expired credentials. */
  buildkitProblem?: string;
}

/** Whether the shared BuildKit and the shared registry answer, asked at once. */
export async function probeSharedServices(cfg: ToolkitConfig): Promise<SharedServices> {
  const expired = credentialsExpiredAt(cfg);
  if (expired) return { buildkitUp: false, registryUp: false, facadeUp: false, buildkitProblem: `refuses this session's credentials, which expired at ${expired} (restart the session)` };
  const [buildkitUp, registryUp, facadeUp] = await Promise.all([
    canConnect(cfg.buildkitHost, DEFAULTS.buildkitPort),
    canConnect(cfg.registry, DEFAULTS.registryPort),
    cfg.facade ? canConnect(cfg.facade, DEFAULTS.facadePort) : false,
  ]);
  return { buildkitUp, registryUp, facadeUp, ...(buildkitUp ? {} : { buildkitProblem: 'is unreachable' }) };
}

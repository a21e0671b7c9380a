// A quick TCP probe, so that an unreachable BuildKit or registry is noticed before a build starts
// rather than as a failed build.
import { connect } from 'node:net';
import { DEFAULTS, type ToolkitConfig } from '../lib/config.js';

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

/** Whether the shared BuildKit and the shared registry answer, asked at once. */
export async function probeSharedServices(cfg: ToolkitConfig): Promise<{ buildkitUp: boolean; registryUp: boolean }> {
  const [buildkitUp, registryUp] = await Promise.all([canConnect(cfg.buildkitHost, DEFAULTS.buildkitPort), canConnect(cfg.registry, DEFAULTS.registryPort)]);
  return { buildkitUp, registryUp };
}

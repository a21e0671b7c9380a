// Which local Engine socket a docker command line talks to, resolved the way the docker CLI resolves
// it (--context, then -H, then DOCKER_HOST, then DOCKER_CONTEXT, then the config's current context).
// Only a plain unix socket is answered; for anything else (tcp, ssh, TLS, a named context) the caller
// keeps using the docker CLI, which knows how to reach it. Pure.

export interface EndpointInputs {
  /** `--context` / `-c` from docker's global options. */
  context?: string;
  /** `--host` / `-H` from docker's global options. */
  host?: string;
  /** A TLS option was among docker's global options. */
  tls: boolean;
}

export const DEFAULT_SOCKET = '/var/run/docker.sock';

function unixPath(host: string): string | undefined {
  return host.startsWith('unix://') && host.length > 'unix://'.length ? host.slice('unix://'.length) : undefined;
}

/**
 * @param currentContext `currentContext` of the CLI's config.json, if it names one
 * @returns the socket path, or undefined when only the CLI should reach this daemon
 */
export function engineSocket(i: EndpointInputs, env: Readonly<Record<string, string | undefined>>, currentContext?: string): string | undefined {
  if (i.tls) return undefined;
  const envHost = env.DOCKER_HOST || undefined;
  if (i.context !== undefined) return i.context === 'default' && i.host === undefined ? (envHost ? unixPath(envHost) : DEFAULT_SOCKET) : undefined;
  if (i.host !== undefined) return unixPath(i.host);
  if (envHost) return unixPath(envHost);
  const named = env.DOCKER_CONTEXT || currentContext;
  return named === undefined || named === 'default' ? DEFAULT_SOCKET : undefined;
}

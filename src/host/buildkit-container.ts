// A BuildKit container, the shared one of the sandbox or a run's sidecar: how it is created, and when
// it counts as ready (BuildKit answers an API call, not merely a running container).
import type { Engine } from './engine.js';
import { execIn } from './engine.js';
import { dindPrivileges } from './privileges.js';

export interface BuildkitContainer {
  name: string;
  image: string;
  network: string;
  /** The DNS name builders reach it by on that network. */
  alias: string;
  port: number;
  /** Volume holding its cache and state. */
  volume: string;
  labels: Record<string, string>;
  /** Host path of a buildkitd.toml, mounted read-only. */
  configFile?: string;
  /** Restarted with the engine: the shared service is; a run's sidecar lives and dies with the run. */
  persistent?: boolean;
  /**
   * Host directory with ca.pem, server.pem and server.key: the TCP listener then takes only clients
   * with a certificate from that CA. The unix socket stays inside the container, for the host's checks.
   */
  tlsDir?: string;
}

const CONFIG_IN_CONTAINER = '/etc/buildkit/buildkitd.toml';
const TLS_IN_CONTAINER = '/etc/buildkit/tls';
/** The API inside the container, which only `docker exec` reaches. */
export const BUILDKIT_LOCAL_SOCKET = 'unix:///run/buildkit/buildkitd.sock';

/** The container's create options, given the host's privilege setting and /proc/self/status. Pure. */
export function buildkitContainerSpec(b: BuildkitContainer, privileges: string | undefined, procStatus: string): Record<string, unknown> {
  const priv = dindPrivileges(privileges, procStatus);
  return {
    name: b.name,
    Image: b.image,
    Cmd: [
      '--addr', `tcp://0.0.0.0:${b.port}`, '--addr', BUILDKIT_LOCAL_SOCKET,
      ...(b.configFile ? ['--config', CONFIG_IN_CONTAINER] : []),
      ...(b.tlsDir ? ['--tlscacert', `${TLS_IN_CONTAINER}/ca.pem`, '--tlscert', `${TLS_IN_CONTAINER}/server.pem`, '--tlskey', `${TLS_IN_CONTAINER}/server.key`] : []),
    ],
    Labels: b.labels,
    HostConfig: {
      NetworkMode: b.network,
      ...(b.persistent ? { RestartPolicy: { Name: 'unless-stopped' } } : {}),
      Binds: [
        `${b.volume}:/var/lib/buildkit`,
        ...(b.configFile ? [`${b.configFile}:${CONFIG_IN_CONTAINER}:ro`] : []),
        ...(b.tlsDir ? [`${b.tlsDir}:${TLS_IN_CONTAINER}:ro`] : []),
        ...priv.binds,
      ],
      ...priv.hostConfig,
    },
    NetworkingConfig: { EndpointsConfig: { [b.network]: { Aliases: [b.alias] } } },
  };
}

/** BuildKit in the container answers a real API call (on its local socket: the TCP one may want a certificate). */
export async function buildkitAnswers(engine: Engine, container: string): Promise<boolean> {
  return (await execIn(engine, container, ['buildctl', '--addr', BUILDKIT_LOCAL_SOCKET, 'debug', 'workers'])).exitCode === 0;
}

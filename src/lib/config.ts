// Every name the toolkit uses, with Helix's names as defaults so existing setups keep working, each
// overridable by an environment variable. Read once per process; pure given an env object.
import { DATA_FILES, ENV, IN_CONTAINER } from './session-contract.js';

export interface ToolkitConfig {
  /** buildx builder name registered in every session (HELIX_BUILDER_NAME). */
  builderName: string;
  /** Shared BuildKit endpoint (BUILDKIT_HOST, as buildctl reads it). */
  buildkitHost: string;
  /** Shared registry host:port used for layer transfer (HELIX_REGISTRY). */
  registry: string;
  /**
   * The registry facade over the shared BuildKit's content store (HELIX_FACADE), which a changed
   * image is pulled from with no push; empty where there is none.
   */
  facade: string;
  /** Directory of the toolkit's own state: logs, events (HELIX_STATE_DIR). */
  stateDir: string;
  /** Path of the real docker CLI the wrapper hands over to (HELIX_REAL_DOCKER). */
  realDocker: string;
  /**
   * The buildx state directory init registers the builders in (HELIX_BUILDX_TEMPLATE): a template whose
   * instances are copied into every user's own buildx dir, since buildx's per-user state cannot be shared.
   */
  buildxTemplate: string;
  /**
   * How layers are compressed for the move through the shared registry (HELIX_TRANSFER_COMPRESSION):
   * uncompressed by default, since the registry is on the same host and compressing costs more time
   * than the bytes it saves (gzip ran at ~35 MB/s here).
   */
  transferCompression: string;
  /** The wrapper's per-build event log (HELIX_EVENTS_FILE); sessions put it where the host reads it. */
  eventsFile: string;
  /** This container's credentials for BuildKit and the registry (HELIX_CREDENTIALS_DIR; CREDENTIAL_FILES). */
  credentialsDir: string;
}

export const DEFAULTS = {
  builderName: 'helix-shared',
  buildkitContainer: 'helix-buildkit',
  registryContainer: 'helix-registry',
  buildkitPort: 1234,
  registryPort: 5000,
  facadePort: 5002,
  network: 'helix-sandbox',
  stateDir: IN_CONTAINER.stateDir,
  realDocker: '/usr/bin/docker',
} as const;

type Env = Readonly<Record<string, string | undefined>>;

function pick(env: Env, name: string, fallback: string): string {
  const v = env[name];
  return v === undefined || v === '' ? fallback : v;
}

export function loadConfig(env: Env = process.env): ToolkitConfig {
  const stateDir = pick(env, 'HELIX_STATE_DIR', DEFAULTS.stateDir);
  return {
    builderName: pick(env, ENV.builderName, DEFAULTS.builderName),
    buildkitHost: pick(env, ENV.buildkitHost, `tcp://${DEFAULTS.buildkitContainer}:${DEFAULTS.buildkitPort}`),
    registry: pick(env, ENV.registry, `${DEFAULTS.registryContainer}:${DEFAULTS.registryPort}`),
    facade: pick(env, ENV.facade, ''),
    stateDir,
    realDocker: pick(env, 'HELIX_REAL_DOCKER', DEFAULTS.realDocker),
    buildxTemplate: pick(env, 'HELIX_BUILDX_TEMPLATE', IN_CONTAINER.buildxTemplate),
    transferCompression: pick(env, 'HELIX_TRANSFER_COMPRESSION', 'uncompressed'),
    eventsFile: pick(env, ENV.eventsFile, `${stateDir}/${DATA_FILES.events}`),
    credentialsDir: pick(env, 'HELIX_CREDENTIALS_DIR', IN_CONTAINER.credentials),
  };
}

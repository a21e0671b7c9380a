// The contract between the host, which starts desktop containers (sessions, golden builds, runs), and
// helix-init and the wrapper inside them: the variables the host sets, where it mounts things, and the
// files each side writes for the other. Both sides import this module; no other module spells these.

/** Variables a desktop container is started with, and what reads each. */
export const ENV = {
  /** The shared builder's name (init registers it, the wrapper acts on it). */
  builderName: 'HELIX_BUILDER_NAME',
  /** buildx's own: the builder every build uses. */
  buildxBuilder: 'BUILDX_BUILDER',
  /** buildx's own: its state directory (init points its own buildx calls at the template). */
  buildxConfig: 'BUILDX_CONFIG',
  /** The shared BuildKit endpoint, as buildctl reads it. */
  buildkitHost: 'BUILDKIT_HOST',
  registry: 'HELIX_REGISTRY',
  /** The registry facade over the shared BuildKit's store, host:port; unset where there is none. */
  facade: 'HELIX_FACADE',
  /** The project's namespace in the shared registry. */
  project: 'HELIX_PROJECT',
  dataRoot: 'HELIX_DATA_ROOT',
  eventsFile: 'HELIX_EVENTS_FILE',
  /** A second ready marker, which the host sees on its own disk. */
  readyFile: 'HELIX_READY_FILE',
  /** A JSON object of daemon.json keys to set. */
  daemonJson: 'HELIX_DAEMON_JSON',
  goldenDir: 'HELIX_GOLDEN_DIR',
  goldenId: 'HELIX_GOLDEN_ID',
  goldenBuild: 'HELIX_GOLDEN_BUILD',
  goldenResult: 'HELIX_GOLDEN_RESULT',
  startupScript: 'HELIX_STARTUP_SCRIPT',
} as const;

/** Paths inside a desktop container. */
export const IN_CONTAINER = {
  /** The toolkit's state inside the container: logs, the builders' template. */
  stateDir: '/var/lib/helix',
  /** The builders init registers, copied into each user's own buildx dir. */
  buildxTemplate: '/var/lib/helix/buildx',
  /**
   * A session's host directory (a run's data volume). The data-root is its docker/ subdirectory: a
   * data-root must not be on overlayfs, and a golden restore renames within one filesystem.
   */
  dataMount: '/var/lib/helix-data',
  /** A golden generation's directory, read-only; the data-root is its docker/ subdirectory. */
  goldenMount: '/var/lib/helix-golden',
  /** The project's startup script, which golden mode runs. */
  startupScript: '/opt/helix/startup.sh',
  /** Written by helix-init when the boot is done, removed at the next boot. */
  readyMarker: '/run/helix/ready',
  /** The container's credentials from the host (CREDENTIAL_FILES), read-only, root's only. */
  credentialsMount: '/run/helix-credentials',
  /**
   * init's copy of them, readable by the docker group: what the wrapper and buildx read as the desktop
   * user. Containers the session runs see neither.
   */
  credentials: '/var/lib/helix/credentials',
} as const;

/** The files of a credentials directory; each is there only when the host enabled what it is for. */
export const CREDENTIAL_FILES = {
  /** The sandbox CA, which BuildKit's server certificate is checked against. */
  ca: 'ca.pem',
  /** The container's client certificate for BuildKit, and its key. */
  cert: 'client.pem',
  key: 'client.key',
  /** RegistryCredential: the container's username and password for the registry's token server. */
  registry: 'registry.json',
} as const;

export interface RegistryCredential {
  registry: string;
  username: string;
  password: string;
}

/** Files in a data mount, which the host reads on its own disk. */
export const DATA_FILES = {
  dataRoot: 'docker',
  events: 'events.jsonl',
  ready: 'ready',
  /** How golden mode ended, written after dockerd stopped cleanly. */
  goldenResult: 'helix-golden-result.json',
} as const;

/**
 * The wrapper's caches, in the directory of its event log (a session's data mount, which the host reads
 * only for the log): what only saves time, each read as a guess and rewritten when wrong.
 */
export const WRAPPER_CACHES = {
  /** `docker compose version --short`, keyed by the plugin file's size and mtime. */
  composeVersion: 'compose-version.json',
  /** Local base images pushed for builds, by image id. */
  bases: 'bases.json',
  /** The last `docker compose config` of each directory and command line, a file each. */
  composeConfig: 'compose-config',
  /** The registry reference each compose service's image was last moved by. */
  transfers: 'transfers.json',
} as const;

/** Where a wrapper cache lives, given the event log's path. Pure. */
export function wrapperCachePath(eventsFile: string, cache: keyof typeof WRAPPER_CACHES): string {
  return `${eventsFile.slice(0, eventsFile.lastIndexOf('/') + 1)}${WRAPPER_CACHES[cache]}`;
}

/** A run's BuildKit sidecar answers by this name on the run's network. */
export const SIDECAR = { alias: 'buildkit', port: 1234 } as const;

export interface DesktopEnv {
  builderName: string;
  buildkitHost: string;
  /** The shared registry; absent where the container cannot reach it (a run's own network). */
  registry?: string;
  /** The registry facade; absent where it is off or unreachable. */
  facade?: string;
  project?: string;
  /** Events and the ready file go into the data mount, where the host reads them. */
  hostReadsDataMount?: boolean;
  /**
   * No data mount: dockerd keeps the image's own data-root (/var/lib/docker, a volume of the
   * operator's), as in a desktop started by something other than `helix`.
   */
  ownDataRoot?: boolean;
  /** The golden generation mounted at IN_CONTAINER.goldenMount, by id. */
  goldenId?: string;
  goldenMode?: boolean;
  daemonJson?: Record<string, unknown>;
}

/** The environment a desktop container is started with. Pure. */
export function desktopEnv(d: DesktopEnv): Record<string, string> {
  const inData = (f: string) => `${IN_CONTAINER.dataMount}/${f}`;
  return {
    [ENV.builderName]: d.builderName,
    // Set on the container too, so `docker exec` shells (which skip /etc/environment) route builds.
    [ENV.buildxBuilder]: d.builderName,
    [ENV.buildkitHost]: d.buildkitHost,
    ...(d.registry ? { [ENV.registry]: d.registry } : {}),
    ...(d.facade ? { [ENV.facade]: d.facade } : {}),
    ...(d.project ? { [ENV.project]: d.project } : {}),
    ...(d.ownDataRoot ? {} : { [ENV.dataRoot]: inData(DATA_FILES.dataRoot) }),
    ...(d.hostReadsDataMount ? { [ENV.eventsFile]: inData(DATA_FILES.events), [ENV.readyFile]: inData(DATA_FILES.ready) } : {}),
    ...(d.daemonJson ? { [ENV.daemonJson]: JSON.stringify(d.daemonJson) } : {}),
    ...(d.goldenId ? { [ENV.goldenDir]: `${IN_CONTAINER.goldenMount}/${DATA_FILES.dataRoot}`, [ENV.goldenId]: d.goldenId } : {}),
    ...(d.goldenMode ? { [ENV.goldenBuild]: 'true' } : {}),
  };
}

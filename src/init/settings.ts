// init's own settings, from the environment the host (or the image author) gives the container; the
// only place init reads its environment. Pure.
import { ENV, IN_CONTAINER } from '../lib/session-contract.js';

export interface InitSettings {
  /** dockerd's data-root; HELIX_DATA_ROOT. Set only when the operator chose one. */
  dataRoot?: string;
  /** A golden data-root to restore before dockerd starts; HELIX_GOLDEN_DIR. */
  goldenDir?: string;
  /** Which golden that is (a generation id); HELIX_GOLDEN_ID, default the directory. */
  goldenId: string;
  /** Golden mode: run the startup script headless and exit with its code; HELIX_GOLDEN_BUILD=true. */
  goldenMode: boolean;
  /** The project's startup script; HELIX_STARTUP_SCRIPT. */
  startupScript: string;
  /** Where golden mode writes how it ended; HELIX_GOLDEN_RESULT, default beside the data-root. */
  goldenResult?: string;
  /** Extra boot steps run once dockerd is ready; HELIX_BOOT_DIR. */
  bootDir: string;
  /** Overrides the restore method init would choose; HELIX_RESTORE_METHOD. */
  restoreMethod?: string;
  /** A second ready marker, where the host can see it without exec'ing into the container; HELIX_READY_FILE. */
  readyFile?: string;
  /** daemon.json keys to set, as JSON text; HELIX_DAEMON_JSON. */
  daemonJson?: string;
  /** Seconds to wait for dockerd to answer; HELIX_DOCKERD_TIMEOUT. */
  dockerdTimeoutS: number;
  /** The project the session builds for (its namespace in the shared registry); HELIX_PROJECT. */
  project?: string;
  /** The daemon the docker CLI is pointed at, if not the default socket; DOCKER_HOST. */
  dockerHost?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_DATA_ROOT = '/var/lib/docker';

export function loadInitSettings(env: Env): InitSettings {
  const goldenDir = env[ENV.goldenDir] || undefined;
  const timeout = Number(env.HELIX_DOCKERD_TIMEOUT || 60);
  return {
    dataRoot: env[ENV.dataRoot] || undefined,
    goldenDir,
    goldenId: env[ENV.goldenId] || goldenDir || '',
    goldenMode: /^(1|true|yes)$/i.test(env[ENV.goldenBuild] ?? ''),
    startupScript: env[ENV.startupScript] || IN_CONTAINER.startupScript,
    goldenResult: env[ENV.goldenResult] || undefined,
    bootDir: env.HELIX_BOOT_DIR || '/etc/helix/boot.d',
    restoreMethod: env.HELIX_RESTORE_METHOD || undefined,
    readyFile: env[ENV.readyFile] || undefined,
    daemonJson: env[ENV.daemonJson] || undefined,
    dockerdTimeoutS: timeout > 0 ? timeout : 60,
    project: env[ENV.project] || undefined,
    dockerHost: env.DOCKER_HOST || undefined,
  };
}

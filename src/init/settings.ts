// init's own settings, from the environment the host (or the image author) gives the container. Pure.

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
  /** Extra boot steps run once dockerd is ready; HELIX_BOOT_DIR. */
  bootDir: string;
  /** Overrides the restore method init would choose; HELIX_RESTORE_METHOD. */
  restoreMethod?: string;
  /** A second ready marker, where the host can see it without exec'ing into the container; HELIX_READY_FILE. */
  readyFile?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_DATA_ROOT = '/var/lib/docker';

export function loadInitSettings(env: Env): InitSettings {
  const goldenDir = env.HELIX_GOLDEN_DIR || undefined;
  return {
    dataRoot: env.HELIX_DATA_ROOT || undefined,
    goldenDir,
    goldenId: env.HELIX_GOLDEN_ID || goldenDir || '',
    goldenMode: /^(1|true|yes)$/i.test(env.HELIX_GOLDEN_BUILD ?? ''),
    startupScript: env.HELIX_STARTUP_SCRIPT || '/opt/helix/startup.sh',
    bootDir: env.HELIX_BOOT_DIR || '/etc/helix/boot.d',
    restoreMethod: env.HELIX_RESTORE_METHOD || undefined,
    readyFile: env.HELIX_READY_FILE || undefined,
  };
}

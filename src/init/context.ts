// What every init step receives: the configuration, the logger, and the state steps hand on.
import type { ChildProcess } from 'node:child_process';
import type { ToolkitConfig } from '../lib/config.js';
import type { Logger } from '../lib/log.js';

export interface InitPaths {
  daemonJson: string;
  environmentFile: string;
  profileScript: string;
  dockerdLog: string;
  /** The wrapper template shipped in the image (rootfs/opt/helix/share/docker-wrapper.sh). */
  wrapperTemplate: string;
  /** Where the wrapper is installed: a directory ahead of the real docker on PATH. */
  wrapperPath: string;
  readyMarker: string;
}

export interface InitContext {
  cfg: ToolkitConfig;
  paths: InitPaths;
  log: Logger;
  /** Seconds to wait for dockerd to answer. */
  dockerdTimeoutS: number;
  /** dockerd, once the dockerd step started it. */
  dockerd?: ChildProcess;
}

export interface Step {
  name: string;
  run(ctx: InitContext): Promise<void>;
}

export const DEFAULT_PATHS: InitPaths = {
  daemonJson: '/etc/docker/daemon.json',
  environmentFile: '/etc/environment',
  profileScript: '/etc/profile.d/helix-docker.sh',
  dockerdLog: '/var/log/dockerd.log',
  wrapperTemplate: '/opt/helix/share/docker-wrapper.sh',
  wrapperPath: '/usr/local/bin/docker',
  readyMarker: '/run/helix/ready',
};

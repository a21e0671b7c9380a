// What every init step receives: the configuration, the logger, and the state steps hand on.
import type { ToolkitConfig } from '../lib/config.js';
import { IN_CONTAINER } from '../lib/session-contract.js';
import type { Logger } from '../lib/log.js';
import type { DaemonSupervisor } from './dockerd.js';
import type { InitSettings } from './settings.js';

export interface InitPaths {
  daemonJson: string;
  environmentFile: string;
  profileScript: string;
  /** Read by non-login interactive bash shells on Debian and Ubuntu. */
  bashrc: string;
  /** Environment for systemd user sessions. */
  environmentD: string;
  /** Environment for every service systemd starts. */
  systemdConf: string;
  dockerdLog: string;
  /** The wrapper template shipped in the image (rootfs/opt/helix/share/docker-wrapper.sh). */
  wrapperTemplate: string;
  /** Where the wrapper is installed: a directory ahead of the real docker on PATH. */
  wrapperPath: string;
  readyMarker: string;
  /** The host's credentials for this container (read-only, root's), which init copies to cfg.credentialsDir. */
  credentialsMount: string;
  /** /etc/group, for the docker group that may read the copy. */
  groupFile: string;
  /** /etc/passwd, for the homes whose buildx dirs get the builder. */
  passwdFile: string;
}

export interface InitContext {
  cfg: ToolkitConfig;
  settings: InitSettings;
  paths: InitPaths;
  log: Logger;
  /** dockerd's supervisor, once the dockerd step started it (absent if a dockerd was already running). */
  dockerd?: DaemonSupervisor;
}

export interface Step {
  name: string;
  run(ctx: InitContext): Promise<void>;
}

export const DEFAULT_PATHS: InitPaths = {
  daemonJson: '/etc/docker/daemon.json',
  environmentFile: '/etc/environment',
  profileScript: '/etc/profile.d/helix-docker.sh',
  bashrc: '/etc/bash.bashrc',
  environmentD: '/etc/environment.d/90-helix-docker.conf',
  systemdConf: '/etc/systemd/system.conf.d/90-helix-docker.conf',
  dockerdLog: '/var/log/dockerd.log',
  wrapperTemplate: '/opt/helix/share/docker-wrapper.sh',
  wrapperPath: '/usr/local/bin/docker',
  readyMarker: IN_CONTAINER.readyMarker,
  credentialsMount: IN_CONTAINER.credentialsMount,
  groupFile: '/etc/group',
  passwdFile: '/etc/passwd',
};

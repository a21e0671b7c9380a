// Which BuildKit a project's desktops build on. In `shared` tenancy every project uses the sandbox's
// one; in `project` tenancy each project has its own: a container of its own on the sandbox network,
// its state in a host directory of its own (which the facade reads), and a CA of its own that signs
// the client certificates of that project's desktops only, so another project's are refused. Pure.
import { createHash } from 'node:crypto';
import { buildkitAddress, pkiDir, type HostConfig } from './host-config.js';

export interface Builder {
  /** Its container. */
  name: string;
  /** Its DNS name on the sandbox network, which its server certificate names. */
  alias: string;
  /** What desktops set BUILDKIT_HOST to. */
  address: string;
  /** The project it is exclusive to; undefined for the shared one. */
  project?: string;
}

export const PROJECT_BUILDER_ROLE = 'project-buildkit';
export const PROJECT_LABEL = 'helix.project';

/** The builder a desktop of `project` uses under the host's tenancy. */
export function builderFor(cfg: HostConfig, project: string | undefined): Builder {
  if (cfg.tenancy === 'shared' || project === undefined) return { name: cfg.buildkit.name, alias: cfg.buildkit.name, address: buildkitAddress(cfg) };
  // A project id may be longer than a DNS label allows and hold dots: its alias is a digest of it.
  const alias = `${cfg.buildkit.name}-p${createHash('sha256').update(project).digest('hex').slice(0, 16)}`;
  return { name: `${cfg.buildkit.name}-${project}`, alias, address: `tcp://${alias}:${cfg.buildkit.port}`, project };
}

/** The host directory under which each project builder keeps its state, in a directory named after the project. */
export function projectStatesDir(cfg: HostConfig): string {
  return `${cfg.stateDir}/buildkit-projects`;
}

/** A project's own keys: its CA, and its builder's server certificate under buildkit/. */
export function projectPkiDir(cfg: HostConfig, project: string): string {
  return `${pkiDir(cfg)}/projects/${project}`;
}

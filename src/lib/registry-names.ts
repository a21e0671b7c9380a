// How the shared registry is divided: every project's transfers under one prefix, the docker.io mirror
// everywhere else. The prefix has a '-', which no Docker Hub namespace can have, so no project can ever
// name a mirrored image; the registry's token server grants by these same rules. Pure.
import { HelixError } from './errors.js';
import { DOCKER_HUB, parseReference } from './reference.js';

/** The top-level namespace of projects' transfers. */
export const PROJECTS_PREFIX = 'helix-projects';

/** A string as one repository path component. */
export function pathComponent(s: string): string {
  const c = s.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return c || 'x';
}

/**
 * A project id is its namespace as it is: one repository path component (lowercase letters and digits,
 * separated by one '.' or '_', '__', or dashes), so no two ids share a namespace: nothing is dropped or
 * replaced to make one.
 */
const PROJECT_ID = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

export function isProjectId(project: string): boolean {
  return project.length <= 128 && PROJECT_ID.test(project);
}

/** What a project id must look like, for the error that refuses one. */
export const PROJECT_ID_RULE = "lowercase letters and digits, separated by single '.' or '_', '__', or dashes, starting and ending with a letter or digit (it names the project's registry namespace as it is)";

/** The repository path prefix a project's images live under: "helix-projects/<project>". */
export function projectNamespace(project: string): string {
  if (!isProjectId(project)) throw new HelixError('BAD_CONFIG', `project ${JSON.stringify(project)} cannot name a registry namespace`, `use ${PROJECT_ID_RULE}`);
  return `${PROJECTS_PREFIX}/${project}`;
}

/**
 * The project of a desktop started without one: its own, so such desktops share no namespace with
 * each other. Project ids the operator gives cannot start with this prefix.
 */
export const OWN_PROJECT_PREFIX = 'session.';

/** Where a mirrored docker.io image lives in the registry: "debian:trixie" → library/debian, tag trixie. */
export function mirrorReference(image: string): { repository: string; tag: string } {
  const r = parseReference(image);
  if (r?.domain !== DOCKER_HUB || r.digest) throw new HelixError('BAD_CONFIG', `mirror image ${JSON.stringify(image)} is not a docker.io image by tag`, 'list docker.io images in HELIX_MIRROR_IMAGES, e.g. debian:trixie');
  return { repository: r.path, tag: r.tag ?? 'latest' };
}

// How the shared registry is divided: every project's transfers under one prefix, the docker.io mirror
// everywhere else. The prefix has a '-', which no Docker Hub namespace can have, so no project can ever
// name a mirrored image; the registry's token server grants by these same rules. Pure.

/** The top-level namespace of projects' transfers. */
export const PROJECTS_PREFIX = 'helix-projects';

/** A string as one repository path component. */
export function pathComponent(s: string): string {
  const c = s.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return c || 'x';
}

/** The repository path prefix a project's images live under: "helix-projects/<project>". */
export function projectNamespace(project: string): string {
  return `${PROJECTS_PREFIX}/${pathComponent(project)}`;
}

/** Where a mirrored docker.io image lives in the registry: "debian:trixie" → library/debian, tag trixie. */
export function mirrorReference(image: string): { repository: string; tag: string } {
  const [repo, tag = 'latest'] = image.split(':') as [string, string?];
  return { repository: repo.includes('/') ? repo : `library/${repo}`, tag };
}

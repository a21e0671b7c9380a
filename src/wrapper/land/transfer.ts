// Where a changed image travels through the shared registry: the project's namespace (the only one
// its credentials may write), one repository per image name, addressed by digest only (two sessions
// building the same tag never share a name). Pure.
import { pathComponent, projectNamespace } from '../../lib/registry-names.js';
import { explicitHost, splitForApi } from '../../lib/reference.js';

/** The repository path of a tag without registry host and tag: "reg:5000/a/b:1" → "a/b". */
export function repositoryOf(tag: string): string {
  const [repo] = splitForApi(tag);
  const host = explicitHost(repo);
  return host === undefined ? repo : repo.slice(host.length + 1);
}

export function transferRepository(registry: string, project: string, tags: readonly string[]): string {
  const name = tags[0] ? repositoryOf(tags[0]).split('/').map(pathComponent).join('/') : 'untagged';
  return `${registry}/${projectNamespace(project)}/${name}`;
}

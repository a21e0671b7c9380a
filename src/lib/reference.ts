// Image references as docker reads them (distribution's reference package, ParseNormalizedNamed, which
// the CLI, buildx, compose and dockerd share): the one parser for every name the toolkit reads, a tag
// given to -t, a compose image:, a pull, a push, a mirrored image. Pure.

const DOMAIN_PART = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const PATH_PART = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
/** distribution's ReferenceRegexp: name (domain optional), then an optional tag and digest. */
const REFERENCE = new RegExp(`^((?:${DOMAIN}/)?${PATH_PART}(?:/${PATH_PART})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const IDENTIFIER = /^[a-f0-9]{64}$/;
const NAME_MAX = 255;

export const DOCKER_HUB = 'docker.io';

export interface Reference {
  /** The registry: the host as written, or docker.io. */
  domain: string;
  /** The repository on it; a one-component docker.io name gets `library/`. */
  path: string;
  tag?: string;
  digest?: string;
}

/**
 * The registry host a name is on and the rest, by docker's rule: the first component is a host when
 * another follows and it has '.' or ':' or capitals or is localhost. Any string; nothing is checked.
 */
function splitDomain(name: string): { host?: string; domain: string; remainder: string } {
  const slash = name.indexOf('/');
  const first = name.slice(0, slash);
  const host = slash >= 0 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first) ? first : undefined;
  const domain = host === undefined || host === 'index.docker.io' ? DOCKER_HUB : host;
  let remainder = host === undefined ? name : name.slice(slash + 1);
  if (domain === DOCKER_HUB && !remainder.includes('/')) remainder = `library/${remainder}`;
  return { host, domain, remainder };
}

/** The reference, or undefined where docker refuses it ("invalid reference format"). */
export function parseReference(s: string): Reference | undefined {
  if (IDENTIFIER.test(s)) return undefined;
  const { domain, remainder } = splitDomain(s);
  const remote = remainder.includes(':') ? remainder.slice(0, remainder.indexOf(':')) : remainder;
  if (remote.toLowerCase() !== remote) return undefined;
  const m = REFERENCE.exec(`${domain}/${remainder}`);
  if (!m || (m[1] as string).length > NAME_MAX) return undefined;
  return { domain, path: (m[1] as string).slice(domain.length + 1), ...(m[2] ? { tag: m[2] } : {}), ...(m[3] ? { digest: m[3] } : {}) };
}

/** True if docker takes `s` as a name to tag an image with (no digest). */
export function isTagName(s: string): boolean {
  const r = parseReference(s);
  return r !== undefined && r.digest === undefined;
}

/** The registry host a name names itself, as written; undefined for a docker.io name written without one. */
export function explicitHost(s: string): string | undefined {
  return splitDomain(s).host;
}

/** The registry a name is pulled from or pushed to: its host, or docker.io. */
export function registryOf(s: string): string {
  return splitDomain(s).domain;
}

/** `docker.io/library/app`: the repository, fully qualified. */
export function repositoryName(r: Reference): string {
  return `${r.domain}/${r.path}`;
}

/** The repository as docker prints it (no docker.io/, no library/), as a project's own naming shows it. */
export function familiarPath(r: Reference): string {
  return r.domain === DOCKER_HUB && r.path.startsWith('library/') ? r.path.slice('library/'.length) : r.path;
}

/** The reference as docker prints it: `app:1`, `team/app`, `reg:5000/a@sha256:…`. */
export function familiarString(r: Reference): string {
  const name = r.domain === DOCKER_HUB ? familiarPath(r) : repositoryName(r);
  return `${name}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/** The fully qualified reference, with `:latest` where it names neither tag nor digest (docker's TagNameOnly). */
export function qualifiedReference(r: Reference, defaultTag = true): string {
  const tag = r.tag ?? (defaultTag && !r.digest ? 'latest' : undefined);
  return `${repositoryName(r)}${tag ? `:${tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/**
 * A name as docker qualifies it (`app` → `docker.io/library/app:latest`; `defaultTag` false: no tag added),
 * or as it is where docker could not read it: for comparing names and writing them out.
 */
export function qualifiedName(s: string, defaultTag = true): string {
  const r = parseReference(s);
  return r ? qualifiedReference(r, defaultTag) : s;
}

/**
 * A name split as the Engine API takes it (`fromImage`/`repo` and `tag`): the repository as written and
 * its tag or digest (`latest` when neither). Lenient, for names already checked.
 */
export function splitForApi(s: string): [string, string] {
  const at = s.indexOf('@');
  if (at > 0) return [s.slice(0, at), s.slice(at + 1)];
  const colon = s.lastIndexOf(':');
  return colon > s.lastIndexOf('/') ? [s.slice(0, colon), s.slice(colon + 1)] : [s, 'latest'];
}

// Image references as docker reads them (distribution's reference package): whether a string is a
// name `-t` accepts (lowercase repository path, optional registry host and tag; the wrapper applies
// tags itself after the solve, so it checks them first, where buildx would), and which registry host
// a reference names. Pure.

const DOMAIN_PART = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const PATH_PART = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const TAG = '[\\w][\\w.-]{0,127}';
const REFERENCE = new RegExp(`^(?:(${DOMAIN})/)?(${PATH_PART}(?:/${PATH_PART})*)(?::${TAG})?$`);
const NAME_MAX = 255;

/** True if docker would take `ref` as a tag. */
export function validTag(ref: string): boolean {
  const m = REFERENCE.exec(ref);
  if (!m) return false;
  // docker reads a first component as a registry host when it has '.', ':' or capitals or is
  // localhost; a lowercase one is a path component either way, so the match settles it.
  const [, domain, path = ''] = m;
  return (domain ? domain.length + 1 : 0) + path.length <= NAME_MAX;
}

/**
 * The registry host a reference names, if any: its first component, when another follows and it has
 * '.' or ':' or capitals or is localhost (docker's rule; otherwise the name is on docker.io).
 */
export function registryHost(ref: string): string | undefined {
  const slash = ref.indexOf('/');
  if (slash < 0) return undefined;
  const first = ref.slice(0, slash);
  return /[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first ? first : undefined;
}

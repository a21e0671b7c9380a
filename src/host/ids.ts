// The one rule for the ids an operator gives (sessions, runs, projects): they name containers, volumes,
// networks and host directories, so they are lowercase DNS-like words that can never be a path.
import { HelixError } from '../lib/errors.js';
import { isProjectId, OWN_PROJECT_PREFIX, PROJECT_ID_RULE } from '../lib/registry-names.js';

export type IdKind = 'session' | 'run' | 'project';

/** Longest id of each kind: a run id is also part of its sidecar's and data volume's names. */
const MAX_LENGTH: Record<IdKind, number> = { session: 63, run: 41, project: 63 };

/** A project's id is also its registry namespace, as it is (lib/registry-names); `session.` is the toolkit's. */
export function isValidId(kind: IdKind, id: string): boolean {
  if (kind === 'project') return id.length <= MAX_LENGTH.project && isProjectId(id) && !id.startsWith(OWN_PROJECT_PREFIX);
  return id.length <= MAX_LENGTH[kind] && /^[a-z0-9][a-z0-9_.-]*$/.test(id);
}

/** The id, or a one-line error naming it. */
export function checkId(kind: IdKind, id: string): string {
  if (kind === 'project' && !isValidId(kind, id)) {
    throw new HelixError('BAD_FLAG', `invalid project id ${JSON.stringify(id)}: use at most ${MAX_LENGTH.project} ${PROJECT_ID_RULE}, not starting with "${OWN_PROJECT_PREFIX}"`);
  }
  if (!isValidId(kind, id)) {
    throw new HelixError('BAD_FLAG', `invalid ${kind} id ${JSON.stringify(id)}: use at most ${MAX_LENGTH[kind]} lowercase letters, digits, '.', '_' and '-', starting with a letter or digit`);
  }
  return id;
}

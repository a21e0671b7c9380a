// The one rule for the ids an operator gives (sessions, runs, projects): they name containers, volumes,
// networks and host directories, so they are lowercase DNS-like words that can never be a path.
import { HelixError } from '../lib/errors.js';

export type IdKind = 'session' | 'run' | 'project';

/** Longest id of each kind: a run id is also part of its sidecar's and data volume's names. */
const MAX_LENGTH: Record<IdKind, number> = { session: 63, run: 41, project: 63 };

export function isValidId(kind: IdKind, id: string): boolean {
  return id.length <= MAX_LENGTH[kind] && /^[a-z0-9][a-z0-9_.-]*$/.test(id);
}

/** The id, or a one-line error naming it. */
export function checkId(kind: IdKind, id: string): string {
  if (!isValidId(kind, id)) {
    throw new HelixError('BAD_FLAG', `invalid ${kind} id ${JSON.stringify(id)}: use at most ${MAX_LENGTH[kind]} lowercase letters, digits, '.', '_' and '-', starting with a letter or digit`);
  }
  return id;
}

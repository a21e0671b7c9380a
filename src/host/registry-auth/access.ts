// Who may do what in the shared registry, decided for each scope a client asks a token for. Sessions
// push and pull their own project's namespace and only pull the docker.io mirror; everybody else (a
// container a session runs, with no credentials) only pulls the mirror. Nobody but the host lists the
// catalog or deletes: the host mints its own tokens (token.ts) and never asks here. Pure.
import { isProjectId, PROJECTS_PREFIX, projectNamespace } from '../../lib/registry-names.js';

export type Identity = { kind: 'anonymous' } | { kind: 'project'; project: string; client: string };

export interface Access {
  type: string;
  name: string;
  actions: string[];
}

/** "repository:a/b:pull,push" → Access; a malformed scope is undefined (and granted nothing). */
export function parseScope(scope: string): Access | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;
  const actions = scope.slice(last + 1).split(',').filter(Boolean);
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions };
}

/** The actions of one requested scope this identity gets. */
export function allowedActions(who: Identity, want: Access): string[] {
  if (want.type !== 'repository') return [];
  let may: string[];
  if (want.name === PROJECTS_PREFIX || want.name.startsWith(`${PROJECTS_PREFIX}/`)) {
    // Exactly the project's own namespace: an id that is not one (none is issued) gets nothing.
    may = who.kind === 'project' && isProjectId(who.project) && want.name.startsWith(`${projectNamespace(who.project)}/`) ? ['pull', 'push'] : [];
  } else {
    may = ['pull'];
  }
  return [...new Set(want.actions.filter((a) => may.includes(a)))];
}

/** The access a token carries: every requested scope, narrowed to what is allowed (empty ones dropped). */
export function grant(who: Identity, scopes: readonly string[]): Access[] {
  const out: Access[] = [];
  for (const s of scopes.flatMap((x) => x.split(' ')).filter(Boolean)) {
    const want = parseScope(s);
    if (!want) continue;
    const actions = allowedActions(who, want);
    if (actions.length) out.push({ type: want.type, name: want.name, actions });
  }
  return out;
}

import { describe, expect, it } from 'vitest';
import { grant, parseScope } from '../../../src/host/registry-auth/access.js';

const session = { kind: 'project', project: 'alpha', client: 'session-s1' } as const;
const anonymous = { kind: 'anonymous' } as const;

describe('parseScope', () => {
  it('reads type, name (which may hold a port-like colon) and actions', () => {
    expect(parseScope('repository:helix-projects/a/b:pull,push')).toEqual({ type: 'repository', name: 'helix-projects/a/b', actions: ['pull', 'push'] });
    expect(parseScope('registry:catalog:*')).toEqual({ type: 'registry', name: 'catalog', actions: ['*'] });
    expect(parseScope('nonsense')).toBeUndefined();
  });
});

describe('grant', () => {
  it("gives a session push and pull on its own project's namespace only", () => {
    expect(grant(session, ['repository:helix-projects/alpha/app:pull,push'])).toEqual([{ type: 'repository', name: 'helix-projects/alpha/app', actions: ['pull', 'push'] }]);
    expect(grant(session, ['repository:helix-projects/beta/app:pull,push'])).toEqual([]);
    // A project whose name starts like another's is another project.
    expect(grant(session, ['repository:helix-projects/alphabet/app:pull'])).toEqual([]);
    expect(grant(session, ['repository:helix-projects:pull'])).toEqual([]);
  });

  it("never maps two projects onto one namespace: a login whose project is not a namespace as it is gets nothing", () => {
    const trailing = { kind: 'project', project: 'app-', client: 'session-s2' } as const;
    expect(grant(trailing, ['repository:helix-projects/app/x:pull,push', 'repository:helix-projects/app-/x:pull,push'])).toEqual([]);
    const app = { kind: 'project', project: 'app', client: 'session-s3' } as const;
    expect(grant(app, ['repository:helix-projects/app-/x:pull'])).toEqual([]);
  });

  it('lets everybody pull the docker.io mirror and nobody push or delete there', () => {
    for (const who of [session, anonymous]) {
      expect(grant(who, ['repository:library/debian:pull,push,delete'])).toEqual([{ type: 'repository', name: 'library/debian', actions: ['pull'] }]);
      expect(grant(who, ['repository:docker/dockerfile:*'])).toEqual([]);
    }
  });

  it('never grants the catalog, deletes or wildcards, and nothing of a project to anonymous', () => {
    expect(grant(session, ['registry:catalog:*'])).toEqual([]);
    expect(grant(session, ['repository:helix-projects/alpha/app:delete,*'])).toEqual([]);
    expect(grant(anonymous, ['repository:helix-projects/alpha/app:pull'])).toEqual([]);
  });

  it('takes several scopes, space-separated as in an OAuth form too', () => {
    expect(grant(session, ['repository:helix-projects/alpha/a:pull repository:library/x:pull', 'repository:helix-projects/alpha/b:push'])).toHaveLength(3);
  });
});

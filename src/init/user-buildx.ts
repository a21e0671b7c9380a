// Every user keeps buildx state of their own (buildx writes activity, build refs and a lock in files
// only their writer can read), so the builders init registers in its template are copied into the
// buildx dir each user's docker reads by default (~/.docker/buildx): the real CLI, the buildx and
// compose plugins run directly, and the wrapper all find the shared builder there. Seeded at boot for
// root and the docker group; the wrapper's shim seeds anyone else's at their first build.
import { chown, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { readIfExists, writeFileAtomic } from '../lib/atomic-write.js';
import { gidOf } from './steps/credentials.js';

export interface BuildxUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** root, and every member of the docker group (by the group's list or as primary group), from /etc/passwd and /etc/group text. Pure. */
export function buildxUsers(passwd: string, group: string): BuildxUser[] {
  const dockerGid = gidOf(group, 'docker');
  const members = new Set((group.split('\n').find((l) => l.startsWith('docker:'))?.split(':')[3] ?? '').split(',').filter(Boolean));
  return passwd
    .split('\n')
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 7)
    .map((f) => ({ name: f[0] as string, uid: Number(f[2]), gid: Number(f[3]), home: f[5] as string }))
    .filter((u) => Number.isInteger(u.uid) && u.home.startsWith('/') && (u.uid === 0 || members.has(u.name) || (dockerGid !== undefined && u.gid === dockerGid)));
}

/** Creates dir and its missing parents, each owned by the user; the ones already there are left as they are. */
async function mkdirOwned(dir: string, u: BuildxUser): Promise<void> {
  const first = await mkdir(dir, { recursive: true, mode: 0o700 });
  if (!first) return;
  let p = first;
  for (const part of ['', ...relative(first, dir).split('/').filter(Boolean)]) {
    p = part ? join(p, part) : p;
    await chown(p, u.uid, u.gid);
  }
}

/**
 * Copies the template's builder instances into each user's own buildx dir; returns the users whose copy
 * changed. Written by root into homes it does not own: only root's and the docker group's, who drive
 * dockerd and so are root already; a link they plant in their home gains them nothing.
 */
export async function seedUserBuilders(template: string, users: readonly BuildxUser[]): Promise<string[]> {
  const names = await readdir(join(template, 'instances')).catch(() => [] as string[]);
  const changed: string[] = [];
  for (const u of users) {
    // A home that is not there (a system user's /nonexistent) gets nothing.
    if (!(await stat(u.home).then((s) => s.isDirectory(), () => false))) continue;
    const dir = join(u.home, '.docker', 'buildx', 'instances');
    let wrote = false;
    for (const n of names) {
      const text = await readFile(join(template, 'instances', n), 'utf8');
      if ((await readIfExists(join(dir, n))) === text) continue;
      await mkdirOwned(dir, u);
      await writeFileAtomic(join(dir, n), text, 0o600);
      await chown(join(dir, n), u.uid, u.gid);
      wrote = true;
    }
    if (wrote) changed.push(u.name);
  }
  return changed;
}
